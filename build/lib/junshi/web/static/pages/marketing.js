/* 推广 Marketing: paid channels with their guard-rail flags, the daily spend ratio against the stage's band, budget
   advice, attribution models side by side, creatives and on-site search terms. */
import { T, Q, FORMATS, api, defText, el, fmt, lang, pct, num, table, chart, nameOf, listItems } from "../junshi.js";

const METRICS = ["impressions", "clicks", "ctr", "cpc", "cpm", "ad_cost", "ad_conversions", "ad_sales", "roas", "cpa"];

function cardsOf(list) {
  const box = document.getElementById("kpi-cards");
  for (const c of list) {
    box.append(el("div", { cls: "card", "data-card": c.metric, title: defText(c.metric) },
      [el("div", { cls: "name", text: c.name }), el("div", { cls: "val" }, [num(c.metric, c.value, c.unit)])]));
  }
}

function spendBand(m) {
  const g = m.guard;
  const values = m.spend_trend.series[0].values;
  const note = document.getElementById("spend-band-note");
  if (g) {
    note.textContent = T.stage + ": " + g.stage_name + (g.stage_inferred ? " (" + T.inferred + ")" : "") + " · " + T.band + " "
      + fmt(g.band[0], "ratio") + "–" + fmt(g.band[1], "ratio") + " · " + nameOf("break_even_roas") + ": "
      + (g.break_even_roas === null ? T.unknown : fmt(g.break_even_roas, "ratio")) + " · " + T.keyword_ratio + ": "
      + fmt(g.keyword_ratio, "ratio");
  }
  const band = g ? { silent: true, itemStyle: { color: "rgba(60, 160, 90, 0.12)" }, data: [[{ yAxis: g.band[0], name: T.band }, { yAxis: g.band[1] }]] } : undefined;
  chart("chart-spend-band", {
    legend: { top: 0 },
    tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, "ratio") },
    xAxis: { type: "category", data: m.spend_trend.days },
    yAxis: { type: "value", axisLabel: { formatter: (v) => fmt(v, "ratio") }, max: (v) => Math.max(v.max, g ? g.band[1] * 1.2 : 0) },
    series: [{ name: nameOf("spend_ratio"), type: "line", smooth: true, showSymbol: false, data: values, markArea: band }],
  });
}

function attribution(a) {
  if (!a) { table("table-attribution", [], []); return; }
  const names = (id) => a.model_names[id][lang];
  const rows = a.channels.filter((c) => c.channel !== null);
  const label = (c) => c.channel;
  const platform = a.platform_name[lang];
  chart("chart-attribution", {
    legend: { top: 0, type: "scroll" },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => fmt(v, "count") },
    grid: { left: 60, right: 30, top: 50, bottom: 40, containLabel: true },
    xAxis: { type: "category", data: rows.map(label), axisLabel: { interval: 0, width: 80, overflow: "truncate" } },
    yAxis: { type: "value", axisLabel: { formatter: (v) => fmt(v, "count") } },
    series: a.models.map((id) => ({ name: names(id), type: "bar", data: rows.map((c) => c.models[id].conversions) }))
      .concat([{ name: platform, type: "bar",
        data: rows.map((c) => (c.platform ? c.platform.conversions : null)) }]),
  });
  const cols = [{ key: "channel", label: nameOf("source") }].concat(a.models.map((id) => ({ key: id, label: names(id) })),
    [{ key: "platform", label: platform }]);
  table("table-attribution", cols, rows.map((c) => {
    const r = { channel: c.channel };
    for (const id of a.models) r[id] = fmt(c.models[id].conversions, "count");
    r.platform = c.platform ? fmt(c.platform.conversions, "count") : FORMATS.empty;
    return r;
  }));
}

export default async function marketing() {
  const m = await api("marketing", Q);
  cardsOf(m.cards);
  const anySetting = m.channels.some((c) => c.setting);
  table("table-channels", [{ key: "channel", label: nameOf("channel") }, { key: "flags", label: T.flags }]
    .concat(["ad_cost"].map((id) => ({ key: id, metric: id })), [{ key: "spend_share", label: T.spend_share }],
      ["ad_sales", "roas"].map((id) => ({ key: id, metric: id })), [{ key: "marginal_roas", label: T.marginal_roas }],
      ["ad_conversions", "cpa", "clicks", "ctr", "cpc", "cpm", "impressions"].map((id) => ({ key: id, metric: id })),
      anySetting ? [{ key: "setting", label: T.setting }] : []),
    m.channels.map((c) => Object.assign({}, c, { spend_share: fmt(c.spend_share, "ratio"), marginal_roas: fmt(c.marginal_roas, "ratio"),
      setting: c.setting || FORMATS.empty, flags: c.flags.map((f) => "⚠ " + T["flag_" + f]).join("; ") || "✓" })));
  spendBand(m);
  listItems("list-ads-advice", m.advice);
  attribution(m.attribution);
  table("table-creatives", [{ key: "channel", label: nameOf("channel") }, { key: "campaign", label: nameOf("campaign") },
    { key: "creative", label: nameOf("creative") }].concat(["impressions", "clicks", "ctr", "ad_cost", "ad_sales", "roas"].map((id) => ({ key: id, metric: id })),
    [{ key: "spend_share", label: T.spend_share }]), m.creatives.map((c) => Object.assign({}, c, { spend_share: fmt(c.spend_share, "ratio") })));
  table("table-creative-tests", [{ key: "control", label: T.control }, { key: "treatment", label: T.treatment },
    { key: "split", label: T.visitors_split }, { key: "lift", label: T.lift }, { key: "verdict", label: T.verdict, wide: true }],
    m.creative_tests.map((t) => {
      const c = t.metrics.find((x) => x.metric === "conversion");
      const lift = c && c.rel_effect !== null ? fmt(c.rel_effect, "ratio", { change: true })
        + (c.rel_effect_ci ? " [" + fmt(c.rel_effect_ci[0], "ratio") + ", " + fmt(c.rel_effect_ci[1], "ratio") + "]" : "") : FORMATS.empty;
      return { control: t.control, treatment: t.treatment, split: fmt(t.visitors.control, "count") + " : " + fmt(t.visitors.treatment, "count"),
        lift: lift, verdict: t.verdict_text[lang] };
    }));
  const searchCols = [{ key: "query", label: nameOf("query") }, { key: "group", label: T.group }, { key: "searches", label: T.searches },
    { key: "searchers", label: T.searchers }, { key: "buyers", label: T.buyers }, { key: "conversion_text", label: T.search_conversion },
    { key: "change", label: T.change }];
  const shown = (list) => list.map((r) => Object.assign({}, r, { conversion_text: fmt(r.conversion, "ratio"),
    change: pct(r.searches_change_pct).text }));
  table("table-search-top", searchCols, shown(m.search_top));
  table("table-search-no-results", [{ key: "query", label: nameOf("query") }, { key: "group", label: T.group },
    { key: "searches", label: T.searches }, { key: "searchers", label: T.searchers }, { key: "no_results", label: T.no_results }], m.search_no_results);
  table("table-search-no-purchase", [{ key: "query", label: nameOf("query") }, { key: "searchers", label: T.searchers },
    { key: "non_buyers", label: T.non_buyers }, { key: "conversion_text", label: T.search_conversion },
    { key: "product", label: T.looked_at, wide: true }, { key: "product_visitors", label: T.looked_visitors, unit: "count" }],
    m.search_no_purchase.map((r) => Object.assign({}, r, { conversion_text: fmt(r.conversion, "ratio"),
      // named as on the 商品 page: "name (id)"
      product: r.product_id ? (r.product_name ? r.product_name + " (" + r.product_id + ")" : r.product_id) : FORMATS.empty,
      product_visitors: r.product_id ? r.product_visitors : null })));
}
