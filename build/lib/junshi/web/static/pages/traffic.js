/* 流量 Traffic: sources (chart and table), visitors per source per day, landing pages. */
import { PERIOD, Q, api, meta, table, nameOf, lineChart, barChart } from "../junshi.js";

export default async function traffic() {
  const t = await api("traffic", Q);
  const cols = [{ key: "source", label: meta("source").name }].concat(t.metrics.map((m) => ({ key: m, metric: m })));
  table("table-sources", cols, t.sources);
  barChart("chart-sources", t.sources.map((r) => r.source), [{ name: nameOf("uv"), values: t.sources.map((r) => r.uv) }]);
  lineChart("chart-source-trend", t.trend.days, t.trend.series, PERIOD.period);
  table("table-landing", [{ key: "landing_page", label: "URL", wide: true }].concat(t.landing_metrics.map((m) => ({ key: m, metric: m }))), t.landing);
}
