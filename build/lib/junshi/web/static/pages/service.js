/* 服务 Service: DSR and shipping cards and trends, the rating distribution, the latest negative reviews, review
   aspects, the DSR forecast against peers, late deliveries by carrier and the overdue worklist. Column names
   come from the page's text (junshi.service.labels). */
import { T, Q, api, defText, el, fmt, meta, num, table, nameOf, lineChart, barChart } from "../junshi.js";

export default async function service() {
  const s = await api("service", Q);
  const cards = document.getElementById("kpi-cards");
  for (const c of s.cards) {
    cards.append(el("div", { cls: "card", "data-card": c.metric, title: defText(c.metric) }, [el("div", { cls: "name", text: c.name }), el("div", { cls: "val" }, [num(c.metric, c.value, c.unit)])]));
  }
  lineChart("chart-dsr", s.dsr.days, s.dsr.series.map((x) => ({ metric: "dsr_item", name: nameOf(x.metric), values: x.values })));
  barChart("chart-ratings", s.ratings.map((r) => "★" + r.rating), [{ name: T.reviews, values: s.ratings.map((r) => r.reviews) }]);
  lineChart("chart-shipping", s.shipping.days, s.shipping.series.map((x) => ({ metric: x.metric, name: nameOf(x.metric), values: x.values })));
  table("table-negative", [{ key: "created_at", label: T.date }, { key: "rating", label: "★" }, { key: "product", label: T.product }, { key: "text", label: T.reason, wide: true }], s.negative);
  const col = (key, wide) => ({ key, label: T["f_" + key], wide });
  table("table-aspects", [{ key: "name", label: T.f_aspect }, col("mentions"), col("negative"), { ...col("negative_share"), unit: "ratio" }, { key: "products", label: T.f_affected_products }, col("example", true)], s.aspects.map((a) => ({ ...a, products: a.products.join(", ") })));
  if (s.aspects_note) {
    const note = el("p", { cls: "hint", text: s.aspects_note });
    const box = document.getElementById("table-aspects");
    if (s.aspects.length) box.append(note); else box.replaceChildren(note);
  }
  table("table-dsr-forecast", [{ ...col("name"), label: T.f_score }, col("current"), col("forecast"), col("interval"), col("method"), col("peer"), col("alert"), { ...col("aspects", true), label: T.f_negative_aspects }, { ...col("products", true), label: T.f_low_products }, { ...col("carriers", true), label: T.f_low_carriers }], s.dsr_forecast.map((d) => ({ ...d, interval: fmt(d.low, meta(d.metric).unit) + " – " + fmt(d.high, meta(d.metric).unit), method: T["f_" + d.method], alert: d.certainty ? T["f_" + d.certainty] : "", aspects: d.aspects.join(", "), products: d.products.join(", "), carriers: d.carriers.join(", ") })));
  table("table-carriers", [col("carrier"), col("delivered_orders"), col("late_orders"), { ...col("late_share"), metric: "late_delivery_share" }], s.by_carrier);
  table("table-overdue", [col("order_id"), col("promised_at"), col("carrier"), col("days_overdue"), { ...col("stage_name"), label: T.f_stage }], s.overdue);
}
