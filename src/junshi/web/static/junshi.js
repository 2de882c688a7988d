/* Junshi dashboard: fills the page shells from the JSON API and draws the charts with ECharts. */
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("ui-text").textContent);
  const body = document.body;
  const lang = body.dataset.lang;
  const page = body.dataset.page;
  /* The period every call of the page is about, as the server resolved it (see the date picker below). */
  const PERIOD = JSON.parse(document.getElementById("period").textContent);
  const Q = PERIOD.query;
  const ask = (extra) => Object.assign({}, Q, extra || {});
  const charts = {};
  const CATALOGUE = {};
  const DIMS = {};
  let CURRENCY = "CNY";

  /* ---------- API ---------- */
  async function api(path, params, init) {
    const query = new URLSearchParams(Object.assign({ lang: lang }, params || {}));
    const res = await fetch("/api/" + path + "?" + query.toString(), Object.assign({ credentials: "same-origin" }, init || {}));
    const data = await res.json();
    if (!res.ok) {
      const err = (data && data.error) || { message: res.statusText, hint: "" };
      showError(err);
      throw new Error(err.message);
    }
    return data;
  }
  function showError(err) {
    const box = document.getElementById("error");
    box.hidden = false;
    box.textContent = T.error + ": " + err.message + (err.hint ? " " + err.hint : "");
  }

  /* ---------- numbers ---------- */
  const SYMBOL = { CNY: "¥", USD: "$", GBP: "£", EUR: "€", BRL: "R$", JPY: "¥" };
  function fmt(value, unit) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    const n = Number(value);
    const loc = lang === "zh" ? "zh-CN" : "en-US";
    switch (unit) {
      case "money": return (SYMBOL[CURRENCY] || CURRENCY + " ") + n.toLocaleString(loc, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      case "ratio": return (n * 100).toFixed(2) + "%";
      case "count": return Math.round(n).toLocaleString(loc);
      case "seconds": return n.toFixed(0) + (lang === "zh" ? "秒" : " s");
      case "hours": return n.toFixed(1) + (lang === "zh" ? "小时" : " h");
      case "days": return n.toFixed(1) + (lang === "zh" ? "天" : " d");
      case "score": return n.toFixed(2);
      default: return n.toLocaleString(loc, { maximumFractionDigits: 2 });
    }
  }
  function pct(change) {
    if (change === null || change === undefined) return { text: "–", cls: "flat" };
    const v = Math.round(Number(change) * 1000) / 10;  // one decimal; -0.04% shows as 0.0%
    return { text: (v > 0 ? "+" : "") + (v === 0 ? 0 : v).toFixed(1) + "%", cls: v > 0 ? "up" : v < 0 ? "down" : "flat" };
  }
  function meta(id) { return CATALOGUE[id] || DIMS[id] || { id: id, name: id, definition: "", unit: "", direction: "up" }; }
  function defText(id) { const m = meta(id); return m.name + (m.definition ? ": " + m.definition : ""); }
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "text") node.textContent = v; else if (k === "cls") node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children || []) node.append(c);
    return node;
  }
  /* A number that shows its definition on hover and carries its raw value for checks. */
  function num(id, value, unit) {
    const m = meta(id);
    return el("span", { "data-metric": id, "data-value": value === null || value === undefined ? "" : String(value), "data-def": "1", title: defText(id), text: fmt(value, unit || m.unit) });
  }

  /* ---------- tables and charts ---------- */
  function table(target, columns, rows) {
    const box = document.getElementById(target);
    box.innerHTML = "";
    if (!rows.length) { box.append(el("p", { cls: "hint", text: T.none })); return; }
    const head = el("tr", {}, columns.map((c) => el("th", { cls: c.wide ? "text" : null, title: c.metric ? defText(c.metric) : null, "data-key": c.key, text: c.label || (c.metric ? meta(c.metric).name : c.key) })));
    const tbody = el("tbody");
    const fill = (list) => {
      tbody.innerHTML = "";
      for (const r of list) {
        tbody.append(el("tr", {}, columns.map((c) => {
          if (c.metric) return el("td", {}, [num(c.metric, r[c.key])]);
          return el("td", { cls: c.wide ? "text" : null, text: r[c.key] === null || r[c.key] === undefined ? "–" : String(r[c.key]) });
        })));
      }
    };
    let order = 1;
    head.addEventListener("click", (ev) => {
      const key = ev.target.dataset.key;
      if (!key) return;
      order = -order;
      fill(rows.slice().sort((a, b) => ((a[key] ?? -Infinity) > (b[key] ?? -Infinity) ? order : -order)));
    });
    fill(rows);
    box.append(el("table", { id: target + "-t" }, [el("thead", {}, [head]), tbody]));
  }
  function chart(id, option) {
    const node = document.getElementById(id);
    if (!node) return null;
    const c = charts[id] || echarts.init(node);
    charts[id] = c;
    c.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis" }, grid: { left: 60, right: 30, top: 40, bottom: 40, containLabel: true } }, option), true);
    return c;
  }
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  function nameOf(id) { return meta(id).name; }
  /* Daily lines; series of the same unit share a y axis (the first two axes are drawn); a period of several
     days inside a longer trend is shaded. */
  function lineChart(id, days, series, period) {
    const shade = period && period.days > 1 && days.length > period.days
      ? { silent: true, itemStyle: { color: "rgba(255, 80, 0, 0.07)" }, data: [[{ xAxis: period.start }, { xAxis: period.end }]] } : undefined;
    const unit = (s) => meta(s.metric).unit;
    const axes = [];
    for (const s of series) if (!axes.includes(unit(s))) axes.push(unit(s));
    return chart(id, {
      legend: { top: 0, type: "scroll" },
      xAxis: { type: "category", data: days },
      yAxis: axes.map((u, i) => ({ type: "value", show: i < 2, position: i === 0 ? "left" : "right", splitLine: { show: i === 0 },
        axisLabel: { formatter: (v) => fmt(v, u) } })),
      series: series.map((s, i) => ({ name: s.name, type: "line", smooth: true, showSymbol: false, yAxisIndex: axes.indexOf(unit(s)), data: s.values,
        markArea: i === 0 ? shade : undefined })),
    });
  }
  function barChart(id, labels, series, horizontal) {
    const cat = { type: "category", data: labels, axisLabel: { interval: 0, width: horizontal ? 150 : 90, overflow: "truncate" } };
    return chart(id, {
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: horizontal ? { type: "value" } : cat,
      yAxis: horizontal ? Object.assign({ inverse: true }, cat) : { type: "value" },
      series: series.map((s) => ({ name: s.name, type: "bar", data: s.values })),
    });
  }

  /* ---------- pages ---------- */
  function cmpLine(label, c) {
    const p = pct(c ? c.change_pct : null);
    return el("div", { cls: "cmp" }, [el("span", { text: label }), el("span", { cls: p.cls, text: p.text })]);
  }
  async function overview() {
    const o = await api("overview", Q);
    const cards = document.getElementById("kpi-cards");
    for (const c of o.cards) {
      cards.append(el("div", { cls: "card", "data-card": c.metric, title: defText(c.metric) }, [
        el("div", { cls: "name", text: c.name }),
        el("div", { cls: "val" }, [num(c.metric, c.value, c.unit)]),
      ].concat(o.comparisons.map((k) => cmpLine(k.label, c.compare[k.key])))));
    }
    const treeVs = o.comparisons.find((k) => k.key === o.tree_compare);
    document.getElementById("tree-vs").textContent = treeVs.label;
    const tree = document.getElementById("kpi-tree");
    const ops = ["=", "×", "×"];
    o.tree.forEach((n, i) => {
      if (i > 0) tree.append(el("span", { cls: "op", text: ops[i - 1] }));
      const p = pct(n.change_pct);
      tree.append(el("div", { cls: "node" + (i === 0 ? " total" : ""), "data-node": n.metric, title: defText(n.metric) }, [
        el("span", { text: n.name }), el("b", {}, [num(n.metric, n.value, n.unit)]), el("span", { cls: p.cls, text: p.text }),
      ]));
    });
    lineChart("chart-trend", o.trend.days, o.trend.series.map((s) => ({ metric: s.metric, name: nameOf(s.metric), values: s.values })), o.period);
    alertsAndAdvice().catch(() => {});  // after the figures, so that they do not wait for the analyses
  }
  /* Alerts and advice take longer to compute than the figures: they fill in when ready. */
  async function alertsAndAdvice() {
    const [alerts, advice] = await Promise.all([api("alerts", Q), api("advice", Q)]);
    listItems("alerts", alerts);
    listItems("advice", advice);
    document.getElementById("alerts").dataset.ready = "1";
  }
  function listItems(id, items) {
    const ul = document.getElementById(id);
    ul.innerHTML = "";
    if (!items.length) ul.append(el("li", { cls: "hint", text: T.none }));
    for (const it of items) {
      ul.append(el("li", { "data-item": it.id || "" }, [el("span", { cls: "prio " + (it.priority || ""), text: it.priority_label || it.priority || "" }), el("span", { text: it.text })]));
    }
  }
  async function traffic() {
    const t = await api("traffic", Q);
    const cols = [{ key: "source", label: meta("source").name }].concat(t.metrics.map((m) => ({ key: m, metric: m })));
    table("table-sources", cols, t.sources);
    barChart("chart-sources", t.sources.map((r) => r.source), [{ name: nameOf("uv"), values: t.sources.map((r) => r.uv) }]);
    lineChart("chart-source-trend", t.trend.days, t.trend.series, PERIOD.period);
    table("table-landing", [{ key: "landing_page", label: "URL", wide: true }].concat(t.landing_metrics.map((m) => ({ key: m, metric: m }))), t.landing);
  }
  async function products() {
    const p = await api("products", Q);
    const cols = [{ key: "name", label: meta("product").name, wide: true }].concat(p.metrics.map((m) => ({ key: m, metric: m })),
      [{ key: "stock", label: T.stock }, { key: "days_of_cover", label: T.days_of_cover }]);
    table("table-products", cols, p.rows);
    const change = T.change + " · " + nameOf("sales");
    barChart("chart-movers-up", p.movers_up.map((r) => r.name), [{ name: change, values: p.movers_up.map((r) => r.change) }], true);
    barChart("chart-movers-down", p.movers_down.map((r) => r.name), [{ name: change, values: p.movers_down.map((r) => r.change) }], true);
    const advice = await api("advice", Q);
    listItems("advice", advice.filter((a) => a.subject && a.subject.product));
  }
  async function transactions() {
    const x = await api("transactions", Q);
    chart("chart-funnel", {
      tooltip: { trigger: "item" },
      series: [{ type: "funnel", sort: "none", left: "15%", width: "70%", minSize: "25%", gap: 2,
        label: { show: true, position: "inside", color: "#fff", fontSize: 13, formatter: "{b}: {c}" },
        data: x.funnel.map((s, i) => ({ name: nameOf(s.metric) + (i ? " (" + (100 * s.value / x.funnel[i - 1].value).toFixed(1) + "%)" : ""), value: s.value })) }],
    });
    const cols = (dim) => [{ key: dim, label: meta(dim).name }].concat(x.metrics.map((m) => ({ key: m, metric: m })));
    table("table-funnel-source", cols("source"), x.by_source);
    table("table-funnel-device", cols("device"), x.by_device);
    lineChart("chart-orders", x.trend.days, x.trend.series.map((s) => ({ metric: s.metric, name: nameOf(s.metric), values: s.values })), PERIOD.period);
  }
  async function service() {
    const s = await api("service", Q);
    const cards = document.getElementById("kpi-cards");
    for (const c of s.cards) {
      cards.append(el("div", { cls: "card", "data-card": c.metric, title: defText(c.metric) }, [el("div", { cls: "name", text: c.name }), el("div", { cls: "val" }, [num(c.metric, c.value, c.unit)])]));
    }
    lineChart("chart-dsr", s.dsr.days, s.dsr.series.map((x) => ({ metric: "dsr_item", name: nameOf(x.metric), values: x.values })));
    barChart("chart-ratings", s.ratings.map((r) => "★" + r.rating), [{ name: T.rows, values: s.ratings.map((r) => r.reviews) }]);
    lineChart("chart-shipping", s.shipping.days, s.shipping.series.map((x) => ({ metric: x.metric, name: nameOf(x.metric), values: x.values })));
    table("table-negative", [{ key: "created_at", label: T.date }, { key: "rating", label: "★" }, { key: "product", label: T.product_table }, { key: "text", label: T.reason, wide: true }], s.negative);
  }
  async function customers() {
    const c = await api("customers", Q);
    barChart("chart-rfm", c.groups.map((g) => g.name), [{ name: T.customers, values: c.groups.map((g) => g.customers) }]);
    table("table-rfm", [{ key: "name", label: T.customers_rfm }, { key: "customers", label: T.customers }, { key: "share_pct", label: T.share },
      { key: "revenue_fmt", label: nameOf("sales") }, { key: "action", label: T.action, wide: true }],
      c.groups.map((g) => Object.assign({}, g, { share_pct: fmt(g.share, "ratio"), revenue_fmt: fmt(g.revenue, "money") })));
    const r = c.repurchase;
    document.getElementById("repurchase-range").textContent = c.repurchase_start + " ~ " + c.repurchase_end;
    document.getElementById("repurchase").replaceChildren(el("span", { "data-value": String(r.repurchase_rate),
      text: nameOf("repurchase_rate") + " " + fmt(r.repurchase_rate, "ratio") + " · " + nameOf("returning_buyer_share") + " " +
        fmt(r.returning_buyer_share, "ratio") + " · " + T.median_gap + " " + fmt(r.median_days_between, "days") }));
    barChart("chart-orders-per-customer", r.order_counts.map((x) => x.orders), [{ name: T.customers, values: r.order_counts.map((x) => x.customers) }]);
  }

  /* Diagnosis: a waterfall from the baseline to the current value; click a bar to drill down. */
  let diag = null;
  async function diagnosis() {
    const vs = document.getElementById("vs");
    const dimSel = document.getElementById("dimension");
    const load = async (filters) => {
      diag = await api("diagnosis", ask(Object.assign({ vs: vs.value }, filters ? { filter: filters } : {})));
      if (!dimSel.options.length) {
        dimSel.append(el("option", { value: "", text: T.factors }));
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
      for (const step of diag.path) {
        const share = step.share === null || step.share === undefined ? "" : " (" + (step.share * 100).toFixed(1) + "%)";
        ol.append(el("li", { "data-step": step.dimension, "data-significant": String(step.significant) }, [el("b", { text: step.label + ": " + step.value + " " }), num(diag.metric, step.contribution, "money"), el("span", { text: share })]));
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
    const zh = lang === "zh";
    if (!d.significance) return [el("span", { "data-significant": "none" })];  // not assessed: a period longer than a day
    if (d.significant === null || d.significant === undefined) {
      return [el("span", { "data-significant": "null", text: zh ? "历史数据不足，无法判断是否超出正常波动" : "Too little history to tell normal variation from a real change" })];
    }
    const range = fmt(d.expected_range[0], "money") + " ~ " + fmt(d.expected_range[1], "money");
    const head = d.significant ? (zh ? "超出正常波动" : "Beyond normal variation") : (zh ? "在正常波动范围内" : "Within normal variation");
    const out = [el("b", { cls: d.significant ? "down" : "flat", "data-significant": String(d.significant), text: head }),
      el("span", { text: (zh ? "：预期 " : ": expected ") + fmt(d.expected, "money") + (zh ? "（正常区间 " : " (normal range ") + range + (zh ? "）" : ")") })];
    const cells = [];
    for (const dim of d.dimensions) for (const c of dim.cells) if (c.significant) cells.push({ label: dim.label, c: c });
    cells.sort((a, b) => Math.abs(b.c.contribution) - Math.abs(a.c.contribution));
    const list = cells.length
      ? (zh ? "。超出自身正常波动的：" : ". Beyond their normal variation: ") + cells.map((x) => x.label + " " + x.c.value + (x.c.paid ? (zh ? "（付费）" : " (paid)") : "")).join(zh ? "、" : ", ")
      : (zh ? "。没有任何维度值超出其正常波动" : ". No cell moved beyond its normal variation");
    out.push(el("span", { id: "diag-significant-cells", text: list }));
    return out;
  }
  function drawWaterfall(cell) {
    const dim = diag.dimensions.find((d) => d.name === document.getElementById("dimension").value);
    let steps;
    let title;
    if (cell) {
      steps = Object.entries(cell.effects).map(([k, v]) => ({ name: diag.factor_labels[k] || k, value: Number(v) }));
      title = dim.label + " = " + cell.value;
    } else if (dim) {
      steps = dim.cells.slice(0, 12).map((c) => ({ name: c.value + (c.significant ? " *" : ""), value: Number(c.contribution), cell: c }));
      const rest = dim.cells.slice(12).reduce((a, c) => a + Number(c.contribution), 0);
      if (dim.cells.length > 12) steps.push({ name: lang === "zh" ? "其他" : "Others", value: rest });
      title = dim.label;
    } else {
      steps = Object.entries(diag.effects).map(([k, v]) => ({ name: diag.factor_labels[k] || k, value: Number(v) }));
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
        document.getElementById("drill").textContent = title + " = " + s.cell.value;
        document.getElementById("drill").dataset.cell = s.cell.value;
      }
    });
  }

  /* Data: drag-and-drop upload, load summary, quarantine and the metric catalogue. */
  async function data() {
    const zone = document.getElementById("dropzone");
    const input = document.getElementById("file");
    const send = async (files) => {
      const form = new FormData();
      for (const f of files) form.append("files", f);
      const params = { preset: document.getElementById("preset").value, table: document.getElementById("table").value };
      for (const k of Object.keys(params)) if (!params[k]) delete params[k];
      const box = document.getElementById("load-summary");
      box.textContent = T.loading;
      try {
        const report = await api("ingest", params, { method: "POST", body: form });
        box.innerHTML = "";
        table("load-summary", [{ key: "table", label: T.table }, { key: "loaded", label: T.rows }, { key: "quarantined", label: T.quarantine }], report.summary);
        document.getElementById("load-summary").dataset.done = "1";
        await quarantine();
      } catch (e) { box.textContent = ""; }
    };
    zone.addEventListener("click", () => input.click());
    input.addEventListener("change", () => send(input.files));
    zone.addEventListener("dragover", (ev) => { ev.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (ev) => { ev.preventDefault(); zone.classList.remove("over"); send(ev.dataTransfer.files); });
    await quarantine();
    table("table-catalogue", [{ key: "id", label: "id" }, { key: "name", label: T.metric, wide: true }, { key: "definition", label: T.definition, wide: true }, { key: "unit", label: T.unit }, { key: "needs", label: T.needs }],
      Object.values(CATALOGUE).map((m) => Object.assign({}, m, { needs: (m.needs || []).join(", ") })));
  }
  async function quarantine() {
    const q = await api("quarantine", { limit: 50 });
    table("table-quarantine", [{ key: "table", label: T.table }, { key: "source_file", label: T.file }, { key: "source_line", label: T.line }, { key: "reason", label: T.reason, wide: true }], q.rows);
  }

  const PAGES = { overview, traffic, products, transactions, diagnosis, service, customers, data };

  /* The date picker: 1天 / 7天 / 30天 / 周 / 月 hold the chosen day (the 7 or 30 days ending on it, its calendar
     week or month); 自定义 takes any range. Each choice reloads the page with the period in its address. */
  function picker() {
    const box = document.getElementById("picker");
    if (!box) return;
    const day = document.getElementById("date");
    const from = document.getElementById("start");
    const to = document.getElementById("end");
    const go = (params) => {
      const q = new URLSearchParams(location.search);
      for (const k of ["date", "start", "end", "period"]) q.delete(k);
      for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
      location.search = q.toString();
    };
    const shortcut = (kind) => go({ period: kind === "day" ? "" : kind, date: day.value });
    box.querySelectorAll("button[data-kind]").forEach((b) => b.addEventListener("click", () => {
      if (b.dataset.kind === "custom") {
        document.getElementById("range").hidden = false;
        day.hidden = true;
        box.querySelectorAll("button[data-kind]").forEach((x) => x.classList.toggle("on", x === b));
        box.dataset.kind = "custom";
      } else {
        shortcut(b.dataset.kind);
      }
    }));
    day.addEventListener("change", () => shortcut(box.dataset.kind || "day"));
    const range = () => { if (from.value && to.value && from.value <= to.value) go({ start: from.value, end: to.value }); };
    from.addEventListener("change", range);
    to.addEventListener("change", range);
  }

  async function start() {
    picker();
    if (!PERIOD.period && page !== "data") {  // no data yet, or a period that cannot be: the message is shown
      body.dataset.ready = "error";
      return;
    }
    try {
      const cat = await api("metrics");
      CURRENCY = cat.currency || CURRENCY;
      for (const m of cat.metrics) CATALOGUE[m.id] = m;
      for (const d of cat.dimensions || []) DIMS[d.id] = d;
      await PAGES[page]();
      body.dataset.ready = "1";
    } catch (e) {
      body.dataset.ready = "error";
    }
  }
  window.junshi = { charts: charts, api: api };
  start();
})();
