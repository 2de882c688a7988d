/* 客户 Customers: the RFM groups and repurchase. */
import { T, Q, api, fmt, el, table, nameOf, barChart } from "../junshi.js";

export default async function customers() {
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

