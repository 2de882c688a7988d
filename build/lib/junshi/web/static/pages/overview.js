/* 首页 Overview: KPI cards with their comparisons, the KPI tree, the daily trend; alerts and advice fill in after. */
import { Q, api, pct, defText, el, num, nameOf, lineChart, listItems } from "../junshi.js";

function cmpLine(label, c) {
  const p = pct(c ? c.change_pct : null);
  return el("div", { cls: "cmp" }, [el("span", { text: label }), el("span", { cls: p.cls, text: p.text })]);
}
export default async function overview() {
  const o = await api("overview", Q);
  const cards = document.getElementById("kpi-cards");
  for (const c of o.cards) {
    cards.append(el("div", { cls: "card", "data-card": c.metric, title: defText(c.metric) }, [
      el("div", { cls: "name", text: c.name }),
      el("div", { cls: "val" }, [num(c.metric, c.value, c.unit)]),
    ].concat(o.comparisons.map((k) => cmpLine(k.label, c.compare[k.key])))));
  }
  const treeVs = o.comparisons.find((k) => k.key === o.tree_compare);
  document.getElementById("tree-vs").textContent = treeVs.label;
  document.getElementById("tree-title").textContent = o.tree_formula;  // by buyers when there are no visits
  const tree = document.getElementById("kpi-tree");
  const ops = ["=", "×", "×"];
  o.tree.forEach((n, i) => {
    if (i > 0) tree.append(el("span", { cls: "op", text: ops[i - 1] }));
    const p = pct(n.change_pct);
    tree.append(el("div", { cls: "node" + (i === 0 ? " total" : ""), "data-node": n.metric, title: defText(n.metric) }, [
      el("span", { text: n.name }), el("b", {}, [num(n.metric, n.value, n.unit)]), el("span", { cls: p.cls, text: p.text }),
    ]));
  });
  lineChart("chart-trend", o.trend.days, o.trend.series.map((s) => ({ metric: s.metric, name: nameOf(s.metric), values: s.values })), o.period);
  alertsAndAdvice().catch(() => {});  // after the figures, so that they do not wait for the analyses
}
/* Alerts and advice take longer to compute than the figures: they fill in when ready. */
async function alertsAndAdvice() {
  const [alerts, advice] = await Promise.all([api("alerts", Q), api("advice", Q)]);
  listItems("alerts", alerts);
  listItems("advice", advice);
  document.getElementById("alerts").dataset.ready = "1";
}
