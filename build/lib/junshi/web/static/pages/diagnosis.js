/* 诊断 Diagnosis: a waterfall from the baseline to the current value; click a bar to drill down. */
import { T, ask, api, fmt, pct, say, el, num, chart, nameOf } from "../junshi.js";

let diag = null;
export default async function diagnosis() {
  const vs = document.getElementById("vs");
  const dimSel = document.getElementById("dimension");
  const load = async (filters) => {
    diag = await api("diagnosis", ask(Object.assign({ vs: vs.value }, filters ? { filter: filters } : {})));
    if (!dimSel.options.length) {
      const formula = diag.factors.map((k) => diag.factor_labels[k] || k).join(" × ");
      dimSel.append(el("option", { value: "", text: say(T.factors, { formula }) }));
      for (const d of diag.dimensions) dimSel.append(el("option", { value: d.name, text: d.label }));
      if (diag.dimensions.length) dimSel.value = diag.dimensions[0].name;
    }
    const pc = pct(diag.pct_change);
    document.getElementById("diag-summary").replaceChildren(
      el("b", { text: nameOf(diag.metric) + ": " }), el("span", { text: diag.period.current + " " }), num(diag.metric, diag.current, "money"),
      el("span", { text: " vs " + diag.period.baseline + " " }), num(diag.metric, diag.baseline, "money"), el("span", { cls: pc.cls, text: " (" + pc.text + ")" }));
    document.getElementById("diag-signal").replaceChildren(...signalNote(diag));
    document.getElementById("drill").textContent = "";
    drawWaterfall(null);
    const ol = document.getElementById("diag-path");
    ol.innerHTML = "";
    if (!diag.path.length) ol.append(el("li", { cls: "hint", text: diag.dimensions.length ? T.no_path : T.no_dimensions }));
    for (const step of diag.path) {
      const share = step.share === null || step.share === undefined ? "" : " (" + fmt(step.share, "ratio") + ")";
      ol.append(el("li", { "data-step": step.dimension, "data-significant": String(step.significant) }, [el("b", { text: step.label + ": " + step.display + " " }), num(diag.metric, step.contribution, "money"), el("span", { text: share })]));
    }
  };
  vs.addEventListener("change", () => load());
  dimSel.addEventListener("change", () => {
    const drill = document.getElementById("drill");
    drill.textContent = "";
    delete drill.dataset.cell;
    drawWaterfall(null);
  });
  await load();
}
/* Signal or noise: is the day beyond its normal range, and which cells moved beyond theirs (they lead). */
function signalNote(d) {
  if (!d.significance) return [el("span", { "data-significant": "none" })];  // not assessed: a period longer than a day
  if (d.significant === null || d.significant === undefined) {
    return [el("span", { "data-significant": "null", text: T.too_little_history })];
  }
  const head = d.significant ? T.beyond_normal : T.within_normal;
  const out = [el("b", { cls: d.significant ? "down" : "flat", "data-significant": String(d.significant), text: head }),
    el("span", { text: say(T.expected_range, { expected: fmt(d.expected, "money"), low: fmt(d.expected_range[0], "money"), high: fmt(d.expected_range[1], "money") }) })];
  const cells = [];
  for (const dim of d.dimensions) for (const c of dim.cells) if (c.significant) cells.push({ label: dim.label, c: c });
  cells.sort((a, b) => Math.abs(b.c.contribution) - Math.abs(a.c.contribution));
  const list = cells.length
    ? say(T.cells_beyond, { cells: cells.map((x) => x.label + " " + x.c.display + (x.c.paid ? T.paid : "")).join(T.list_separator) })
    : T.no_cell_beyond;
  out.push(el("span", { id: "diag-significant-cells", text: list }));
  return out;
}
/* The effects of the diagnosis' factors, in the formula's order (without visits: buyers × spend per buyer; a cell
   of a split visitors cannot be, such as new / returning, has buyers where visitors × conversion were). */
function factorSteps(effects) {
  const known = (k) => effects[k] !== null && effects[k] !== undefined;
  const order = known("buyers") && !diag.factors.includes("buyers") ? ["buyers"].concat(diag.factors.slice(2)) : diag.factors;
  return order.filter(known).map((k) => ({ name: diag.factor_labels[k] || k, value: Number(effects[k]) }));
}
function drawWaterfall(cell) {
  const dim = diag.dimensions.find((d) => d.name === document.getElementById("dimension").value);
  let steps;
  let title;
  if (cell) {
    steps = factorSteps(cell.effects);
    title = dim.label + " = " + cell.display;
  } else if (dim) {
    steps = dim.cells.slice(0, 12).map((c) => ({ name: c.display + (c.significant ? " *" : ""), value: Number(c.contribution), cell: c }));
    const rest = dim.cells.slice(12).reduce((a, c) => a + Number(c.contribution), 0);
    if (dim.cells.length > 12) steps.push({ name: T.others, value: rest });
    title = dim.label;
  } else {
    steps = factorSteps(diag.effects);
    title = "";
  }
  const start = Number(cell ? cell.baseline : diag.baseline);
  const labels = [diag.period.baseline].concat(steps.map((s) => s.name), [diag.period.current]);
  const base = [];
  const up = [];
  const down = [];
  let level = start;
  const total = (v) => ({ value: v, itemStyle: { color: "#5470c6" } });
  base.push(0); up.push(total(start)); down.push("-");
  for (const s of steps) {
    const next = level + s.value;
    base.push(Math.min(level, next));
    up.push(s.value >= 0 ? s.value : "-");
    down.push(s.value < 0 ? -s.value : "-");
    level = next;
  }
  base.push(0); up.push(total(Number(cell ? cell.current : diag.current))); down.push("-");
  const c = chart("chart-waterfall", {
    title: { text: title, left: "center", textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 8 ? 30 : 0 } },
    yAxis: { type: "value" },
    series: [
      { type: "bar", stack: "w", itemStyle: { color: "transparent" }, data: base, tooltip: { show: false } },
      { name: "+", type: "bar", stack: "w", itemStyle: { color: "#e0301e" }, data: up },
      { name: "−", type: "bar", stack: "w", itemStyle: { color: "#1a9c4b" }, data: down },
    ],
  });
  c.off("click");
  c.on("click", (ev) => {
    const s = steps[ev.dataIndex - 1];
    if (s && s.cell) {
      drawWaterfall(s.cell);
      document.getElementById("drill").textContent = title + " = " + s.cell.display;
      document.getElementById("drill").dataset.cell = s.cell.value;
    }
  });
}

