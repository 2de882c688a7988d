/* 风控 Risk: key figures with and without suspect orders, the daily suspect share, the largest ring's
   fingerprint graph (ECharts graph), the days the share jumped, the suspect orders with their reasons, and the
   buyers and shared addresses abusing unpaid orders, refunds and negative reviews. */
import { T, Q, api, defText, el, num, table, chart, lineChart, listItems } from "../junshi.js";

function cardRow(id, list, other) {
  const box = document.getElementById(id);
  for (const c of list) {
    const base = other ? other.find((o) => o.metric === c.metric) : null;
    const differs = base && base.value !== c.value;
    box.append(el("div", { cls: "card" + (differs ? " differs" : ""), "data-card": c.metric, title: defText(c.metric) },
      [el("div", { cls: "name", text: c.name }), el("div", { cls: "val" }, [num(c.metric, c.value, c.unit)])]));
  }
}

export default async function risk() {
  const r = await api("risk", Q);
  cardRow("kpi-cards", r.cards, null);
  cardRow("clean-cards", r.clean_cards, r.cards);
  lineChart("chart-share", r.days, [{ metric: "suspect_share", name: T.share_series, values: r.share }]);
  const kinds = ["buyer", "address", "device"];
  if (!r.ring_nodes.length) document.getElementById("chart-ring").append(el("p", { cls: "hint", text: T.no_ring }));
  else chart("chart-ring", {
    tooltip: { trigger: "item" },
    legend: { top: 0, data: kinds.map((k) => T[k]) },
    series: [{
      type: "graph", layout: "force", roam: true, force: { repulsion: 80, edgeLength: 40 },
      categories: kinds.map((k) => ({ name: T[k] })),
      data: r.ring_nodes.map((n) => ({ id: n.id, name: n.kind === "buyer" ? n.id : T[n.kind] + " " + n.id.slice(0, 6),
        category: kinds.indexOf(n.kind), symbolSize: n.kind === "buyer" ? 12 : 18 })),
      links: r.ring_links.map((l) => ({ source: l.source, target: l.target })),
    }],
  });
  listItems("list-jumps", r.jumps.map((d) => ({ id: d, text: d })));
  if (!r.suspect_orders.length) document.getElementById("table-suspects").textContent = T.no_suspects;
  else table("table-suspects", [{ key: "order_id", label: T.order }, { key: "day", label: T.date }, { key: "score", label: T.score },
    { key: "customer_id", label: T.buyer }, { key: "pay_amount", label: T.amount }, { key: "reasons", label: T.reason, wide: true }], r.suspect_orders);
  for (const check of ["payments", "refunds", "reviewers"]) {
    const rows = r[check].map((a) => ({ ...a, level: T[a.level] }));
    if (!rows.length) document.getElementById("table-" + check).textContent = T.no_abuse;
    else table("table-" + check, [{ key: "level", label: T.level }, { key: "id", label: T.id }, { key: "score", label: T.score },
      { key: "count", label: T.count }, { key: "total", label: T.total }, { key: "reasons", label: T.reason, wide: true }], rows);
  }
}
