/* 商品 Products: the product table, movers up and down, the recommendations about products. */
import { T, Q, api, meta, table, nameOf, barChart, listItems } from "../junshi.js";

export default async function products() {
  const p = await api("products", Q);
  // a column no product has a value in is left out (an orders-only shop has no visitors); the notes say why
  const filled = (key) => !p.rows.length || p.rows.some((r) => r[key] !== null && r[key] !== undefined);
  const cols = [{ key: "name", label: meta("product").name, wide: true }].concat(p.metrics.map((m) => ({ key: m, metric: m })),
    [{ key: "stock", label: T.stock }, { key: "days_of_cover", label: T.days_of_cover }]).filter((c) => c.key === "name" || filled(c.key));
  table("table-products", cols, p.rows);
  const notes = document.getElementById("products-notes");
  notes.textContent = p.notes.join(" ");
  notes.hidden = !p.notes.length;
  const change = T.change + " · " + nameOf("sales");
  barChart("chart-movers-up", p.movers_up.map((r) => r.name), [{ name: change, values: p.movers_up.map((r) => r.change) }], true);
  barChart("chart-movers-down", p.movers_down.map((r) => r.name), [{ name: change, values: p.movers_down.map((r) => r.change) }], true);
  const advice = await api("advice", Q);
  listItems("advice", advice.filter((a) => a.subject && a.subject.product));
}
