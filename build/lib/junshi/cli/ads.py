"""``junshi ads channels|campaigns|units|keywords|creatives|guard`` (paid promotion, 推广) and
``junshi search top|risers|no-results|no-purchase|out-of-stock|groups`` (on-site search, 站内搜索)."""

import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, FormatOption, ShopOption, TableFormat, open_shop
from junshi.cli.output import console, print_frame, print_json
from junshi.i18n import get_lang, tr

ads_app = typer.Typer(name="ads", no_args_is_help=True, rich_markup_mode=None,
                      help="Paid promotion (推广): performance per channel, plan, unit, keyword or creative under each "
                           "channel's own attribution setting; spend guard rails and budget advice.")
search_app = typer.Typer(name="search", no_args_is_help=True, rich_markup_mode=None,
                         help="On-site search (站内搜索): top and rising queries, no results, no purchase, "
                              "out of stock, groups of similar queries.")
app.add_typer(ads_app)
app.add_typer(search_app)

FromOption = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD) [default: 30 days to --to].")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD) [default: the last day with data].")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, help="Rows at most.")]


class Compare(StrEnum):
    """What ``junshi ads`` compares the period with."""

    previous = "previous"
    last_week = "last_week"
    last_year = "last_year"


class Stage(StrEnum):
    """The shop's stage, which sets its promotion spend band."""

    launching = "launching"
    growing = "growing"
    mature = "mature"


CompareOption = Annotated[Compare | None, typer.Option("--compare", help="Compare with a period before.")]


def _print(rows: list[dict[str, Any]], columns: dict[str, tuple[str, str | None]], fmt: TableFormat, title: str,
           currency: str = "CNY") -> None:
    """Rows as a console table (:func:`print_frame`) or CSV headed by the headers (through junshi.exports);
    ``columns``: key -> (header, unit or None)."""
    import pandas as pd

    if fmt == TableFormat.csv:
        from junshi.exports import write_csv

        write_csv(pd.DataFrame([{h: r.get(k) for k, (h, _u) in columns.items()} for r in rows]), sys.stdout)
        return
    frame = pd.DataFrame([{k: r.get(k) for k in columns} for r in rows], columns=list(columns))
    print_frame(frame, fmt, title, units={k: u for k, (_h, u) in columns.items() if u},
                labels={k: h for k, (h, _u) in columns.items()}, currency=currency)


def _dim(name: str) -> str:
    from junshi.metrics.dimensions import REGISTRY

    return REGISTRY[name].name.get(get_lang())


def _metric(mid: str) -> tuple[str, str]:
    from junshi.metrics import REGISTRY

    m = REGISTRY[mid]
    return m.name(get_lang()), m.unit


def _performance(level: str, start: str | None, end: str | None, compare: Compare | None, shop: str,
                 db: str | None, fmt: TableFormat) -> None:
    from junshi.marketing.ads import AD_METRICS, SPEND_SHARE, performance

    with open_shop(db, shop) as s:
        p = performance(s, level, start, end, compare.value if compare else None)
    if fmt == TableFormat.json:
        print_json(p.as_dict())
        return
    columns: dict[str, tuple[str, str | None]] = {d: (_dim(d), None) for d in p.by}
    for mid in AD_METRICS:
        columns[mid] = _metric(mid)
        if compare and mid in ("ad_cost", "roas"):
            columns[f"{mid}_change_pct"] = ("Δ% " + _metric(mid)[0], "ratio")
    columns["spend_share"] = (SPEND_SHARE(), "ratio")
    period = f"{p.start} ~ {p.end}" + (f" vs {p.previous_start} ~ {p.previous_end}" if p.previous_start else "")
    _print(p.rows, columns, fmt, period, p.currency)
    if fmt == TableFormat.table:
        for st in p.settings:
            parts = [v for v in (st.attribution_model, st.attribution_basis, st.attribution_window) if v]
            if parts or st.others:
                console().print(tr("{channel}: attribution setting {s}; {n} other setting(s) left out.",
                                   "{channel}：归因设置 {s}；另有 {n} 种设置未计入。", channel=st.channel,
                                   s=" / ".join(parts) or "—", n=st.others), highlight=False)


def _level_command(level: str, doc: str) -> None:
    def command(start: FromOption = None, end: ToOption = None, compare: CompareOption = None,
                fmt: FormatOption = TableFormat.table, shop: ShopOption = "default", db: DbOption = None) -> None:
        _performance(level, start, end, compare, shop, db, fmt)

    command.__doc__ = doc
    ads_app.command(level)(command)


_level_command("channels", "Per ad channel (直通车, 引力魔方, 淘宝客 ...): impressions, clicks, CTR, CPC, CPM, spend, "
                           "conversions, sales, ROAS, CPA, share of spend.")
_level_command("campaigns", "Per plan (推广计划), with the same figures.")
_level_command("units", "Per unit (推广单元) of each plan.")
_level_command("keywords", "Per keyword (关键词) of each plan (rows of keyword reports only).")
_level_command("creatives", "Per creative (创意) of each plan.")


@ads_app.command("guard")
def guard_cmd(
    start: FromOption = None, end: ToOption = None,
    stage: Annotated[Stage | None, typer.Option(
        "--stage", help="The shop's stage (sets the spend band) [default: inferred from its sales].")] = None,
    fmt: FormatOption = TableFormat.table, shop: ShopOption = "default", db: DbOption = None,
) -> None:
    """Guard rails: promotion spend ratio against the stage's band, keyword spend ratio against 4-8%, channels
    whose marginal ROAS fell below break-even (1 / gross margin); budget advice citing the numbers."""
    from junshi.marketing.ads import STAGE_NAMES, guard_rails

    with open_shop(db, shop) as s:
        g = guard_rails(s, start, end, stage.value if stage else None)
    if fmt == TableFormat.json:
        print_json(g.as_dict())
        return
    from junshi.marketing.ads import MARGINAL_ROAS

    yes = {True: tr("yes", "是"), False: "", None: "—"}
    rows = [{**c.__dict__, "below_break_even": yes[c.below_break_even]} for c in g.channels]
    columns: dict[str, tuple[str, str | None]] = {
        "channel": (_dim("channel"), None), "ad_cost": _metric("ad_cost"), "ad_sales": _metric("ad_sales"),
        "roas": _metric("roas"), "marginal_roas": (MARGINAL_ROAS(), "ratio"),
        "below_break_even": (tr("below break-even", "低于盈亏平衡"), None)}
    _print(rows, columns, fmt, f"{g.start} ~ {g.end}", g.currency)
    if fmt == TableFormat.csv:
        return
    from junshi.formats import format_value

    out = console()
    stage_name = STAGE_NAMES[g.stage]()
    out.print(tr("{m}: {v} (band {lo}-{hi} for a {stage} shop{inferred}): {status}",
                 "{m}：{v}（{stage}店铺区间 {lo}-{hi}{inferred}）：{status}",
                 m=_metric("spend_ratio")[0], v=format_value(g.spend_ratio, "ratio"), lo=f"{g.band[0]:.0%}",
                 hi=f"{g.band[1]:.0%}", stage=stage_name, status=g.spend_status or "—",
                 inferred=tr(", inferred", "，自动判断") if g.stage_inferred else ""), highlight=False)
    out.print(tr("Keyword spend ratio ({ch}): {v} (band 4%-8%): {status}",
                 "关键词推广费占比（{ch}）：{v}（区间 4%-8%）：{status}", ch=", ".join(g.keyword_channels) or "—",
                 v=format_value(g.keyword_ratio, "ratio"), status=g.keyword_status or "—"), highlight=False)
    out.print(f"{_metric('break_even_roas')[0]}: "
              + (format_value(g.break_even_roas, "ratio") if g.break_even_roas is not None
                 else tr("unknown (no product costs)", "未知（没有商品成本）")), highlight=False)
    for a in g.advice:
        out.print(f"[bold]{a.title()}[/] {a.text()}", highlight=False)


class Section(StrEnum):
    """The lists of ``junshi search``."""

    top = "top"
    risers = "risers"
    no_results = "no-results"
    no_purchase = "no-purchase"
    out_of_stock = "out-of-stock"
    groups = "groups"


def _search(section: Section, start: str | None, end: str | None, limit: int, window: int, shop: str,
            db: str | None, fmt: TableFormat) -> None:
    from junshi.marketing.search import search_report

    with open_shop(db, shop) as s:
        r = search_report(s, start, end, limit, window)
    key = section.value.replace("-", "_")
    rows: list[dict[str, Any]] = getattr(r, key)
    if fmt == TableFormat.json:
        print_json({"start": r.start, "end": r.end, "previous_start": r.previous_start,
                    "previous_end": r.previous_end, "window_days": r.window_days, key: rows})
        return
    q: dict[str, tuple[str, str | None]] = {"query": (_dim("query"), None), "group": (tr("group", "词组"), None)}
    counts: dict[str, tuple[str, str | None]] = {
        "searches": (tr("searches", "搜索次数"), "count"), "searchers": (tr("searchers", "搜索人数"), "count")}
    conv: dict[str, tuple[str, str | None]] = {
        "buyers": (tr("buyers", "成交人数"), "count"), "conversion": (tr("search conversion", "搜索转化率"), "ratio")}
    product = {"product_id": (_dim("product_id"), None), "product_name": (_dim("product_name"), None)}
    columns: dict[str, dict[str, tuple[str, str | None]]] = {
        "top": {**q, **counts, **conv, "no_results": (tr("no results", "无结果"), "count")},
        "risers": {**q, **counts, "searches_previous": (tr("before", "上期"), "count"),
                   "searches_change": ("Δ", "count"), "searches_change_pct": ("Δ%", "ratio")},
        "no_results": {**q, **counts, "no_result_share": (tr("no-result share", "无结果占比"), "ratio")},
        "no_purchase": {**q, "searchers": counts["searchers"], "non_buyers": (tr("did not buy", "未成交人数"), "count"),
                        "conversion": conv["conversion"], **product,
                        "product_visitors": (tr("of them looked at it", "其中看过该商品"), "count")},
        "out_of_stock": {"query": q["query"], **product, **counts,
                         "days": (tr("days out of stock", "缺货天数"), "count")},
        "groups": {"group": q["group"], "queries": (tr("queries in it", "包含的搜索词"), None), **counts, **conv},
    }
    shown = [{**r_, "queries": ", ".join(r_["queries"])} if "queries" in r_ else r_ for r_ in rows]
    _print(shown, columns[key], fmt, f"{r.start} ~ {r.end}")


def _search_command(section: Section, doc: str) -> None:
    def command(start: FromOption = None, end: ToOption = None, limit: LimitOption = 20,
                window: Annotated[int, typer.Option(
                    "--window", min=1, help="Days after a search in which an order counts as its purchase.")] = 1,
                fmt: FormatOption = TableFormat.table, shop: ShopOption = "default", db: DbOption = None) -> None:
        _search(section, start, end, limit, window, shop, db, fmt)

    command.__doc__ = doc
    search_app.command(section.value)(command)


_search_command(Section.top, "The most searched queries with their search -> purchase conversion.")
_search_command(Section.risers, "Queries searched more than in the period before (at least 5 searchers).")
_search_command(Section.no_results, "Queries that found nothing (results_count = 0).")
_search_command(Section.no_purchase, "Queries whose searchers did not buy, with the product they looked at most.")
_search_command(Section.out_of_stock, "Queries whose clicked product was out of stock that day.")
_search_command(Section.groups, "Similar queries grouped by their shared word (jieba).")
