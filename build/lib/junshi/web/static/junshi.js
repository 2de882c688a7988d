/* Junshi dashboard, the module every page shares: the page's period and text, API calls, number formats, tables
   and charts (ECharts, loaded by the page before this module), the date picker and start-up. Each page's own ES
   module (static/pages/<key>.js) exports a default async function that fills its panels with these. */

export const T = JSON.parse(document.getElementById("ui-text").textContent);
const body = document.body;
export const lang = body.dataset.lang;
/* The period every call of the page is about, as the server resolved it (see the date picker below). */
export const PERIOD = JSON.parse(document.getElementById("period").textContent);
export const Q = PERIOD.query;
export const ask = (extra) => Object.assign({}, Q, extra || {});
export const charts = {};
export const CATALOGUE = {};
const DIMS = {};

/* ---------- API ---------- */
export async function api(path, params, init) {
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

/* ---------- numbers ----------
   The server's formats (junshi.formats.format_spec, inlined in the page with the shop's currency), applied as
   junshi.formats.format_value applies them, so that the browser shows a figure exactly as the CLI and the reports
   do: the currency's symbol, the mark of an empty value, each unit's decimals, scale and suffix, rounding half
   away from zero (四舍五入), no sign on a value shown as zero. */
export const FORMATS = JSON.parse(document.getElementById("formats").textContent);
const NUMBER_FORMATS = {};
function digits(size, decimals) {
  NUMBER_FORMATS[decimals] = NUMBER_FORMATS[decimals] || new Intl.NumberFormat("en-US", {
    minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: FORMATS.grouping, roundingMode: "halfExpand" });
  return NUMBER_FORMATS[decimals].format(size);
}
/* ``value`` of ``unit`` for people; opts: change (signed), decimals (instead of the unit's), currency (instead
   of the shop's). */
export function fmt(value, unit, opts) {
  const o = opts || {};
  if (value === null || value === undefined || value === "" || Number.isNaN(Number(value))) return FORMATS.empty;
  const n = Number(value);
  const spec = FORMATS.units[unit];
  const size = Math.abs(n) * (spec ? spec.scale : 1);
  let decimals = o.decimals;
  if (decimals === undefined || decimals === null) {
    decimals = spec ? spec.decimals : FORMATS.fraction_decimals;
    if (unit === "count" && !Number.isInteger(size)) decimals = FORMATS.fraction_decimals;
  }
  const text = digits(size, decimals);
  const shown = /[1-9]/.test(text);
  const sign = shown && n < 0 ? "-" : shown && o.change && n > 0 ? "+" : "";
  const currency = o.currency || FORMATS.currency;
  const prefix = unit === "money" ? (FORMATS.symbols[currency] ?? currency + " ") : "";
  return sign + prefix + text + (spec ? spec.suffix : "");
}
/* A relative change (0.123 -> +12.3%, as junshi.formats.format_change) and its colour class. */
export function pct(change) {
  const text = fmt(change, "ratio", { change: true, decimals: FORMATS.change_decimals });
  return { text: text, cls: !/[1-9]/.test(text) ? "flat" : Number(change) > 0 ? "up" : "down" };
}
/* A text of T with its {placeholders} filled: say(T.expected_range, { expected: "¥1.00", ... }). */
export function say(template, values) { return template.replace(/\{(\w+)\}/g, (all, key) => (key in values ? String(values[key]) : all)); }
export function meta(id) { return CATALOGUE[id] || DIMS[id] || { id: id, name: id, definition: "", unit: "", direction: "up" }; }
export function defText(id) { const m = meta(id); return m.name + (m.definition ? ": " + m.definition : ""); }
export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === "text") node.textContent = v; else if (k === "cls") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children || []) node.append(c);
  return node;
}
/* A number that shows its definition on hover and carries its raw value for checks. */
export function num(id, value, unit) {
  const m = meta(id);
  return el("span", { "data-metric": id, "data-value": value === null || value === undefined ? "" : String(value), "data-def": "1", title: defText(id), text: fmt(value, unit || m.unit) });
}

/* ---------- tables and charts ---------- */
/* Rows a table shows before "show all": a shop's whole catalogue (thousands of products) would make the page
   tens of thousands of pixels long; every row stays one click away and in the CSV. */
export const TABLE_ROWS = 50;
/* Text a spreadsheet would run as a formula gets a leading ' : junshi.exports.safe_text's rule (OWASP's: text
   beginning with = + - @, a tab or a carriage return, unless it is a plain number), so that a buyer's search term
   or nickname such as =HYPERLINK(...) reaches Excel as text. */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
export function safeText(text) { return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? "'" + text : text; }
/* The rows as a CSV file (UTF-8 with a byte order mark, so that Excel reads Chinese), raw values under the
   columns' labels, text made safe (safeText): what an operator takes into a spreadsheet. */
export function csvOf(columns, rows) {
  const cell = (v) => {
    const text = v === null || v === undefined ? "" : typeof v === "string" ? safeText(v) : String(v);
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  };
  const label = (c) => c.label || (c.metric ? meta(c.metric).name : c.key);
  const lines = [columns.map((c) => cell(label(c))).join(",")].concat(rows.map((r) => columns.map((c) => cell(r[c.key])).join(",")));
  return new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
}
function download(blob, name) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
/* The CSV's file name: the table's and the period's (products_2026-11-01_2026-11-30.csv). */
function fileName(target) {
  const p = PERIOD.period;
  return [target.replace(/^table-/, "")].concat(p ? (p.start === p.end ? [p.start] : [p.start, p.end]) : []).join("_") + ".csv";
}
/* A sortable table (click a header) of its first TABLE_ROWS rows, with "show all" when there are more and a
   CSV download of every row. opts.total: how many rows there are when ``rows`` is a page of them (the footer
   says so); opts.limit: rows shown before "show all" (a reference list, the metric catalogue, shows them all). */
export function table(target, columns, rows, opts) {
  const box = document.getElementById(target);
  box.innerHTML = "";
  if (!rows.length) { box.append(el("p", { cls: "hint", text: T.none })); return; }
  const head = el("tr", {}, columns.map((c) => el("th", { cls: c.wide ? "text" : null, title: c.metric ? defText(c.metric) : null, "data-key": c.key, text: c.label || (c.metric ? meta(c.metric).name : c.key) })));
  const tbody = el("tbody");
  let shown = rows;
  const limit = (opts && opts.limit) || TABLE_ROWS;
  let all = rows.length <= limit;
  const count = el("span", { cls: "hint" });
  const more = el("button", { type: "button", cls: "link", "data-action": "show-all", text: say(T.show_all, { rows: fmt(rows.length, "count") }) });
  const fill = () => {
    tbody.innerHTML = "";
    for (const r of all ? shown : shown.slice(0, limit)) {
      tbody.append(el("tr", {}, columns.map((c) => {
        if (c.metric) return el("td", {}, [num(c.metric, r[c.key])]);
        if (c.unit) return el("td", { text: fmt(r[c.key], c.unit) });
        return el("td", { cls: c.wide ? "text" : null, text: r[c.key] === null || r[c.key] === undefined ? FORMATS.empty : String(r[c.key]) });
      })));
    }
    const total = Math.max((opts && opts.total) || 0, rows.length);
    const listed = all ? rows.length : Math.min(rows.length, limit);
    count.textContent = listed < total ? say(T.rows_first, { shown: fmt(listed, "count"), rows: fmt(total, "count") })
      : total > limit ? say(T.rows_all, { rows: fmt(total, "count") }) : "";  // a short table needs no count
    more.hidden = all;
  };
  let order = 1;
  head.addEventListener("click", (ev) => {
    const key = ev.target.dataset.key;
    if (!key) return;
    order = -order;
    shown = rows.slice().sort((a, b) => ((a[key] ?? -Infinity) > (b[key] ?? -Infinity) ? order : -order));
    fill();
  });
  more.addEventListener("click", () => { all = true; fill(); });
  const csv = el("button", { type: "button", cls: "link", "data-action": "csv", text: T.download_csv });
  csv.addEventListener("click", () => download(csvOf(columns, shown), fileName(target)));
  fill();
  box.append(el("table", { id: target + "-t" }, [el("thead", {}, [head]), tbody]), el("div", { cls: "table-foot" }, [count, more, csv]));
}
/* A datum to draw: not null, nor an item whose value is null. */
const drawn = (v) => v !== null && v !== undefined && !(typeof v === "object" && !Array.isArray(v) && "value" in v
  && (v.value === null || v.value === undefined));
/* The chart of an option, or, when no series has a datum to draw, "none" instead of empty axes (then null). */
export function chart(id, option) {
  const node = document.getElementById(id);
  if (!node) return null;
  if (![].concat(option.series || []).some((s) => (s.data || []).some(drawn))) return emptyChart(id);
  node.querySelector(":scope > p.hint")?.remove();
  const c = charts[id] || echarts.init(node);
  charts[id] = c;
  c.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis" }, grid: { left: 60, right: 30, top: 40, bottom: 40, containLabel: true } }, option), true);
  return c;
}
window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
export function nameOf(id) { return meta(id).name; }
/* Daily lines; series of the same unit share a y axis (the first two axes are drawn); a period of several
   days inside a longer trend is shaded. */
export function lineChart(id, days, series, period) {
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
/* "None" where a chart would have nothing to draw. */
export function emptyChart(id) {
  const node = document.getElementById(id);
  if (!node) return null;
  if (charts[id]) { charts[id].dispose(); delete charts[id]; }
  node.innerHTML = "";
  node.append(el("p", { cls: "hint", text: T.none }));
  return null;
}
export function barChart(id, labels, series, horizontal) {
  const cat = { type: "category", data: labels, axisLabel: { interval: 0, width: horizontal ? 150 : 90, overflow: "truncate" } };
  return chart(id, {
    legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: horizontal ? { type: "value" } : cat,
    yAxis: horizontal ? Object.assign({ inverse: true }, cat) : { type: "value" },
    series: series.map((s) => ({ name: s.name, type: "bar", data: s.values })),
  });
}

export function listItems(id, items) {
  const ul = document.getElementById(id);
  ul.innerHTML = "";
  if (!items.length) ul.append(el("li", { cls: "hint", text: T.none }));
  for (const it of items) {
    ul.append(el("li", { "data-item": it.id || "" }, [el("span", { cls: "prio " + (it.priority || ""), text: it.priority_label || it.priority || "" }), el("span", { text: it.text })]));
  }
}

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


/* Start a page: the date picker, the metric catalogue (names, units, definitions), then the page's ``render``.
   body[data-ready] becomes "1" when done ("error" after an error, shown above the panels). */
export async function start(render) {
  picker();
  if (!PERIOD.period && body.dataset.needsPeriod === "1") {  // no data yet, or a period that cannot be: said above
    body.dataset.ready = "error";
    return;
  }
  try {
    const cat = await api("metrics");
    for (const m of cat.metrics) CATALOGUE[m.id] = m;
    for (const d of cat.dimensions || []) DIMS[d.id] = d;
    await render();
    body.dataset.ready = "1";
  } catch (e) {
    body.dataset.ready = "error";
  }
}
window.junshi = { charts: charts, api: api };
