"""``junshi abtest``: creative and landing-page A/B readouts; ``junshi abtest plan``: power before a test."""

import sys
from typing import Annotated, Any

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, FormatOption, ShopOption, TableFormat, open_shop
from junshi.cli.output import console, print_frame, print_json
from junshi.i18n import get_lang, tr

abtest_app = typer.Typer(
    name="abtest", rich_markup_mode=None, invoke_without_command=True,
    help="A/B tests (创意/着陆页测试): the readout of a test, or `abtest plan` for its power before it starts.")
app.add_typer(abtest_app)

ColumnOption = Annotated[str, typer.Option(
    "--column", help="Visit column holding the variants: campaign (a plan per creative) or landing_page.")]


@abtest_app.callback()
def abtest_cmd(
    ctx: typer.Context,
    control: Annotated[str | None, typer.Option("--control", help="The control's value of --column.")] = None,
    treatment: Annotated[str | None, typer.Option("--treatment", help="The treatment's value of --column.")] = None,
    column: ColumnOption = "campaign",
    start: Annotated[str | None, typer.Option(
        "--from", help="First day of the test (YYYY-MM-DD) [default: 30 days ending on --to].")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="Last day of the test, included [default: the last day with visits].")] = None,
    ratio: Annotated[float, typer.Option(
        "--ratio", help="Planned treatment visitors per control visitor (sample-ratio check).")] = 1.0,
    pre_days: Annotated[int, typer.Option(
        "--pre-days", help="Days before the test whose orders reduce the variance (CUPED); 0: none.")] = 28,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level.")] = 0.05,
    fmt: FormatOption = TableFormat.table,
    shop: ShopOption = "default",
    db: DbOption = None,
) -> None:
    """Read a test: conversion and revenue per visitor with confidence intervals (CUPED when the visitors
    have pre-period orders), the per-visit ratios (delta method), the sample-ratio check, and the
    always-valid p-value that may be read every day. Without --control/--treatment: every side-by-side
    test of plans within a traffic source over the period."""
    if ctx.invoked_subcommand is not None:
        return
    from junshi.marketing.abtest import creative_tests, readout
    from junshi.marketing.attribution import period_of

    with open_shop(db, shop) as s:
        first, last = period_of(s, start, end)
        if control is None or treatment is None:
            tests = creative_tests(s, first, last, alpha=alpha)
        else:
            tests = [readout(s, column=column, control=control, treatment=treatment, start=first, end=last,
                             ratio=ratio, alpha=alpha, pre_days=pre_days)]
    if fmt == TableFormat.json:
        print_json({"tests": [t.as_dict() for t in tests]})
        return
    rows = [{"control": t.control, "treatment": t.treatment, "metric": m.metric, "control_value": m.control,
             "treatment_value": m.treatment, "effect": m.effect, "ci_low": m.effect_ci[0], "ci_high": m.effect_ci[1],
             "rel_effect": m.rel_effect, "pvalue": m.pvalue, "always_valid_pvalue": m.always_valid_pvalue,
             "cuped": m.cuped} for t in tests for m in t.metrics]
    if fmt == TableFormat.csv:
        import pandas as pd

        from junshi.exports import write_csv

        write_csv(pd.DataFrame(rows, columns=["control", "treatment", "metric", "control_value", "treatment_value",
                                              "effect", "ci_low", "ci_high", "rel_effect", "pvalue",
                                              "always_valid_pvalue", "cuped"]), sys.stdout)
        return
    _tables(tests)


def _tables(tests: list[Any]) -> None:
    import pandas as pd

    from junshi.marketing.abtest import METRIC_NAMES

    lang = get_lang()
    if not tests:
        console().print(tr("No side-by-side test in the period (a traffic source with two or more plans).",
                           "期间内没有横向测试（同一流量来源下两个以上的推广计划）。"))
    for t in tests:
        srm = "" if t.srm_pvalue is None else tr("; sample-ratio p = {p:.3g}", "；分流检验 p = {p:.3g}", p=t.srm_pvalue)
        headers = [tr("metric", "指标"), t.control, t.treatment, tr("difference [95% CI]", "差异 [95% 置信区间]"),
                   tr("relative", "相对"), "p", tr("always-valid p", "随时有效 p")]
        rows = [[METRIC_NAMES[m.metric](lang) + (" (CUPED)" if m.cuped else ""), f"{m.control:.4g}",
                 f"{m.treatment:.4g}", f"{m.effect:+.4g} [{m.effect_ci[0]:.4g}, {m.effect_ci[1]:.4g}]",
                 "" if m.rel_effect is None else f"{m.rel_effect:+.1%}", f"{m.pvalue:.3g}",
                 "" if m.always_valid_pvalue is None else f"{m.always_valid_pvalue:.3g}"] for m in t.metrics]
        # positional columns: the two plans' names may be anything, even equal to another header
        frame = pd.DataFrame(rows, columns=range(len(headers)))
        print_frame(frame, "table", tr("{c} vs {t}, {start} .. {end}: {nc} : {nt} visitors{srm}",
                                       "{c} 对比 {t}，{start} 至 {end}：访客 {nc} : {nt}{srm}", c=t.control,
                                       t=t.treatment, start=t.start, end=t.end, nc=t.visitors["control"],
                                       nt=t.visitors["treatment"], srm=srm),
                    labels={str(i): h for i, h in enumerate(headers)})
        console().print(t.verdict_text(lang))


@abtest_app.command("plan")
def plan_cmd(
    end: Annotated[str | None, typer.Option(
        "--to", help="Last day of the history the plan reads [default: the last day with visits].")] = None,
    history: Annotated[int, typer.Option("--history", help="Days of history the plan reads.")] = 28,
    column: Annotated[str | None, typer.Option(
        "--column", help="Only visits with this column (campaign or landing_page) = --value.")] = None,
    value: Annotated[str | None, typer.Option("--value", help="The value of --column.")] = None,
    visitors_per_day: Annotated[float | None, typer.Option(
        "--visitors-per-day", help="Visitors a day the test will get (both arms) [default: the history's].")] = None,
    days: Annotated[int, typer.Option("--days", help="Planned length of the test in days.")] = 14,
    mde: Annotated[float | None, typer.Option(
        "--mde", help="Relative lift to detect, e.g. 0.1: then the visitors and days it needs.")] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level.")] = 0.05,
    power: Annotated[float, typer.Option("--power", help="Power.")] = 0.8,
    fmt: FormatOption = TableFormat.table,
    shop: ShopOption = "default",
    db: DbOption = None,
) -> None:
    """Power before a test: the smallest detectable lift (MDE) of conversion and revenue per visitor in
    --days days, or with --mde the visitors and days that lift needs (50/50 split)."""
    from junshi.marketing.abtest import METRIC_NAMES, plan
    from junshi.marketing.attribution import period_of

    with open_shop(db, shop) as s:
        result = plan(s, end=period_of(s, None, end)[1], history_days=history, column=column, value=value,
                      visitors_per_day=visitors_per_day, days=days, mde=mde, alpha=alpha, power=power)
    data = result.as_dict()
    if fmt == TableFormat.json:
        print_json(data)
        return
    rows = [{k: v for k, v in m.items() if k != "name"} for m in data["metrics"]]
    if fmt == TableFormat.csv:
        import pandas as pd

        from junshi.exports import write_csv

        write_csv(pd.DataFrame(rows), sys.stdout)
        return
    from rich.table import Table

    table = Table(tr("metric", "指标"), tr("baseline", "基线"), tr("detectable lift", "可检出的提升"),
                  tr("visitors", "访客数"), tr("days", "天数"),
                  title=tr("Test plan: {v:,.0f} visitors a day (history {a} .. {b}), alpha {al}, power {pw}",
                           "测试规划：每天 {v:,.0f} 访客（历史 {a} 至 {b}），显著性 {al}，功效 {pw}",
                           v=result.visitors_per_day, a=result.history_start, b=result.history_end, al=alpha,
                           pw=power))
    for m in result.metrics:
        table.add_row(METRIC_NAMES[m.metric](get_lang()), f"{m.baseline:.4g}", f"{m.mde:.1%}", f"{m.visitors:,}",
                      f"{m.days:,}")
    console().print(table)
