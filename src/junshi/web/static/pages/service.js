/* 服务 Service: DSR and shipping cards and trends, the rating distribution, the latest negative reviews. */
import { T, Q, api, defText, el, num, table, nameOf, lineChart, barChart } from "../junshi.js";

export default async function service() {
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
