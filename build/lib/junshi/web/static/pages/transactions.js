/* 交易 Transactions: the funnel, the same by source and device, daily orders and refunds. */
import { PERIOD, Q, api, fmt, meta, table, chart, nameOf, lineChart } from "../junshi.js";

export default async function transactions() {
  const x = await api("transactions", Q);
  chart("chart-funnel", {
    tooltip: { trigger: "item" },
    series: [{ type: "funnel", sort: "none", left: "15%", width: "70%", minSize: "25%", gap: 2,
      label: { show: true, position: "inside", color: "#fff", fontSize: 13, formatter: (p) => p.name + ": " + fmt(p.value, "count") },
      // a step the shop's data cannot count (no visits: visitors, add-to-cart) is left out, not drawn as "—"
      data: x.funnel.filter((s) => s.value !== null).map((s, i) => ({
        name: nameOf(s.metric) + (i && s.rate !== null ? " (" + fmt(s.rate, "ratio") + ")" : ""), value: s.value })) }],
  });
  const cols = (dim) => [{ key: dim, label: meta(dim).name }].concat(x.metrics.map((m) => ({ key: m, metric: m })));
  table("table-funnel-source", cols("source"), x.by_source);
  table("table-funnel-device", cols("device"), x.by_device);
  lineChart("chart-orders", x.trend.days, x.trend.series.map((s) => ({ metric: s.metric, name: nameOf(s.metric), values: s.values })), PERIOD.period);
}
