/* 活动 Promotions: the post-mortem of the last big shopping day (cards, the waterfall baseline → pulled forward →
   main day → hangover → actual, daily sales against the counterfactual band, phases, presale, new customers,
   stock-outs with their lost sales), the main day's pace by hour against the target, the next promotion's plan. */
import { T, Q, api, el, fmt, meta, table, chart, emptyChart } from "../junshi.js";

const money = (v) => fmt(v, "money");
const range = (iv) => (iv && iv[0] !== iv[1] ? money(iv[0]) + " ~ " + money(iv[1]) : "");

function card(label, value, title, id) {
  return el("div", { cls: "card", "data-card": id, title: title || label }, [
    el("div", { cls: "name", text: label }), el("div", { cls: "val", "data-value": String(value), text: money(value) })]);
}

function waterfall(r) {
  const steps = [[T.baseline, r.baseline, true], [T.pull_forward, r.pull_forward], [T.main_lift, r.main_lift],
    [T.hangover, r.hangover], [T.actual, r.sales, true]];
  let level = 0;
  const base = [], up = [], down = [];
  for (const [, v, total] of steps) {
    if (total) { base.push(0); up.push({ value: v, itemStyle: { color: "#5470c6" } }); down.push(null); level = v; continue; }
    const next = level + v;
    base.push(Math.min(level, next));
    up.push(v >= 0 ? v : null);
    down.push(v < 0 ? -v : null);
    level = next;
  }
  chart("chart-waterfall", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: (ps) => ps[0].name + ": " + money(steps[ps[0].dataIndex][1]) },
    xAxis: { type: "category", data: steps.map((s) => s[0]), axisLabel: { interval: 0, width: 80, overflow: "break" } },
    yAxis: { type: "value", axisLabel: { formatter: (v) => fmt(v, "count") } },
    series: [
      { type: "bar", stack: "w", silent: true, itemStyle: { color: "transparent" }, data: base },
      { type: "bar", stack: "w", name: T.lift, itemStyle: { color: "#e4393c" }, data: up,
        label: { show: true, position: "top", formatter: (p) => money(steps[p.dataIndex][1]) } },
      { type: "bar", stack: "w", name: T.pull_forward, itemStyle: { color: "#2e9e5b" }, data: down,
        label: { show: true, position: "bottom", formatter: (p) => money(steps[p.dataIndex][1]) } },
    ],
  });
}

function review(r) {
  const cards = document.getElementById("promo-cards");
  cards.append(card(T.actual, r.sales, null, "sales"), card(T.baseline, r.baseline, T.baseline_def, "baseline"),
    card(T.incremental, r.incremental_sales, T.incremental_def, "incremental_sales"),
    card(T.pull_forward, r.pull_forward, null, "pull_forward"), card(T.hangover, r.hangover, null, "hangover"));
  cards.querySelector('[data-card="incremental_sales"]').append(
    el("div", { cls: "cmp", text: T.interval + " " + range(r.interval) + " (" + Math.round(r.level * 100) + "%)" }));
  waterfall(r);
  const days = r.daily.map((d) => d.date);
  chart("chart-daily", {
    legend: { top: 0, data: [T.baseline, T.actual] },
    xAxis: { type: "category", data: days },
    yAxis: { type: "value", axisLabel: { formatter: (v) => fmt(v, "count") } },
    series: [
      { name: T.low, type: "line", stack: "band", symbol: "none", lineStyle: { opacity: 0 }, data: r.daily.map((d) => d.low) },
      { name: T.baseline, type: "line", stack: "band", symbol: "none", lineStyle: { opacity: 0 }, itemStyle: { color: "#888" },
        areaStyle: { color: "rgba(120,120,120,0.18)" },
        data: r.daily.map((d) => d.high - d.low) },
      { name: T.baseline, type: "line", symbol: "none", itemStyle: { color: "#888" }, lineStyle: { type: "dashed" },
        data: r.daily.map((d) => d.baseline) },
      { name: T.actual, type: "line", symbol: "circle", itemStyle: { color: "#e4393c" }, data: r.daily.map((d) => d.sales) },
    ],
  });
  table("table-phases", [{ key: "name", label: T.phase }, { key: "days", label: T.days },
    { key: "sales", metric: "sales" }, { key: "baseline_f", label: T.baseline }, { key: "lift_f", label: T.lift },
    { key: "interval_f", label: T.interval }, { key: "uv", metric: "uv" },
    { key: "payment_conversion_rate", metric: "payment_conversion_rate" }, { key: "spend_per_buyer", metric: "spend_per_buyer" }],
  r.phases.map((p) => ({ ...p, days: p.start === p.end ? p.start : p.start + " ~ " + p.end, baseline_f: money(p.baseline), lift_f: money(p.lift), interval_f: range(p.interval) })));
  const ps = r.presale;
  table("table-presale", [{ key: "k", label: T.item }, { key: "v", label: T.value }], [
    { k: T.orders, v: fmt(ps.orders, "count") }, { k: T.deposits, v: money(ps.deposits) },
    { k: T.balance_paid, v: money(ps.balance_paid) + " (" + fmt(ps.paid_orders, "count") + ")" },
    { k: T.cancelled, v: money(ps.deposits_unpaid) + " (" + fmt(ps.cancelled_orders, "count") + ")" }]);
  const nc = r.new_customers;
  const rep = T.repurchase.replace("{n}", String(nc.follow_up_days));
  table("table-new-customers", [{ key: "k", label: T.group }, { key: "n", label: T.acquired }, { key: "rate", label: rep }], [
    { k: T.promo_customers, n: fmt(nc.acquired, "count"), rate: fmt(nc.repurchase_rate, "ratio") },
    { k: T.ordinary, n: fmt(nc.ordinary_customers, "count"), rate: fmt(nc.ordinary_repurchase_rate, "ratio") }]);
  table("table-stockouts", [{ key: "name", label: T.product, wide: true }, { key: "days", label: T.days_out },
    { key: "first_day", label: T.first_day }, { key: "lost", label: T.lost_sales }],
  r.stockouts.map((s) => ({ ...s, lost: money(s.lost_sales) })));
}

function live(lv) {
  document.getElementById("live-note").textContent = lv.date + " · " + T.target + " " + money(lv.target_sales) +
    (Q.target ? "" : " (" + T.target_default + ")") + " · " + T.projection + " " + money(lv.projection) + " " + range(lv.projection_interval);
  const ul = document.getElementById("list-live-alerts");
  for (const a of lv.alerts) ul.append(el("li", { "data-item": a.id }, [el("span", { cls: "prio " + a.severity, text: a.priority_label }), el("span", { text: a.text })]));
  const hours = lv.hours.map((h) => String(h.hour).padStart(2, "0") + ":00");
  chart("chart-live", {
    legend: { top: 0 },
    xAxis: { type: "category", data: hours },
    yAxis: { type: "value", axisLabel: { formatter: (v) => fmt(v, "count") } },
    series: [
      { name: T.planned, type: "line", symbol: "none", lineStyle: { type: "dashed", color: "#888" }, data: lv.hours.map((h) => h.planned_cumulative) },
      { name: T.cumulative, type: "line", itemStyle: { color: "#e4393c" }, data: lv.hours.map((h) => h.cumulative) },
    ],
  });
}

function plan(p) {
  // without visitor data (an orders-only shop) the target is paying buyers x spend per buyer
  const factors = p.uv === null
    ? meta("paid_buyers").name + " " + fmt(p.paid_buyers, "count", { decimals: 0 }) + " × " + meta("spend_per_buyer").name + " " + money(p.spend_per_buyer)
    : fmt(p.uv, "count", { decimals: 0 }) + " × " + fmt(p.payment_conversion_rate, "ratio") + " × " + money(p.spend_per_buyer);
  document.getElementById("plan-note").textContent = p.date + " · " + T.target + " " + money(p.target_sales) + " = " +
    factors + " · " + T["basis_" + p.basis];
  const phase = { warm_up: "#f0a020", main: "#e4393c", after: "#6a8ec8" };
  chart("chart-plan-days", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "category", data: p.days.map((d) => d.date) },
    yAxis: { type: "value", axisLabel: { formatter: (v) => fmt(v, "count") } },
    series: [{ type: "bar", name: T.planned, data: p.days.map((d) => ({ value: d.sales, itemStyle: { color: phase[d.phase] } })) }],
  });
  table("table-plan-sources", [{ key: "source", label: meta("source").name }, { key: "share_f", label: T.share }, { key: "uv", metric: "uv" },
    { key: "visitor_cost", metric: "visitor_cost" }, { key: "spend", metric: "ad_cost" }],
  p.sources.map((s) => ({ ...s, share_f: fmt(s.share, "ratio") })));
  table("table-plan-products", [{ key: "name", label: T.product, wide: true }, { key: "forecast_units", label: T.forecast_units, unit: "count" },
    { key: "upper_units", label: T.upper_units, unit: "count" }, { key: "stock", label: T.stock, unit: "count" },
    { key: "presale_units", label: T.presale_units, unit: "count" }, { key: "stock_needed", label: T.stock_needed, unit: "count" }, { key: "risk", label: T.stockout_risk }],
  p.products.map((r) => ({ ...r, risk: fmt(r.stockout_risk, "ratio") })));
}

export default async function promo() {
  const data = await api("promo", Q);
  if (data.notes.length) {
    const box = document.getElementById("promo-notes");
    box.hidden = false;
    box.textContent = data.notes.join(" ");
  }
  if (data.review) review(data.review);
  else {
    document.getElementById("promo-cards").append(el("p", { cls: "hint", text: T.no_promotion }));
    ["chart-waterfall", "chart-daily"].forEach(emptyChart);
  }
  if (data.live) live(data.live);
  else emptyChart("chart-live");
  if (data.plan) plan(data.plan);
  else emptyChart("chart-plan-days");
}
