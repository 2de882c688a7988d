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
  const zh = document.documentElement.lang.startsWith("zh");
  const L = (en, cn) => (zh ? cn : en);
  table("table-aspects", [{ key: "name", label: L("Aspect", "方面") }, { key: "mentions", label: L("Mentions", "提及") }, { key: "negative", label: L("Negative", "负面") }, { key: "negative_share", label: L("Negative share", "负面占比") }, { key: "products", label: L("Products most affected", "负面最多的商品") }, { key: "example", label: L("Example", "示例"), wide: true }], s.aspects.map((a) => ({ ...a, products: a.products.join(", ") })));
  table("table-dsr-forecast", [{ key: "name", label: L("Score", "评分项") }, { key: "current", label: L("Now", "当前") }, { key: "forecast", label: L("In 30 days", "30天后") }, { key: "peer", label: L("Peers", "同行") }, { key: "alert", label: L("Alert", "预警") }], s.dsr_forecast.map((d) => ({ ...d, alert: d.alert ? L("yes", "是") : "" })));
  table("table-carriers", [{ key: "carrier", label: L("Carrier", "物流公司") }, { key: "delivered_orders", label: L("Delivered", "签收订单") }, { key: "late_orders", label: L("Late", "延迟") }, { key: "late_share", label: L("Late share", "延迟占比") }], s.by_carrier);
  table("table-overdue", [{ key: "order_id", label: L("Order", "订单") }, { key: "promised_at", label: L("Promised", "承诺送达") }, { key: "carrier", label: L("Carrier", "物流公司") }, { key: "days_overdue", label: L("Days overdue", "超时天数") }, { key: "stage", label: L("Stage", "状态") }], s.overdue);
}
