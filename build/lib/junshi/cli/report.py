"""``junshi report`` and ``junshi push``: the morning note as a document, and in the team's work chat."""

from pathlib import Path
from typing import Annotated

import typer

from junshi.cli.app import app
from junshi.cli.options import (
    CleanOption,
    DbOption,
    Engine,
    EngineOption,
    NoteFormat,
    NoteFormatOption,
    ShopOption,
    open_shop,
)
from junshi.cli.output import err_console, print_json
from junshi.errors import JunshiError
from junshi.i18n import get_lang, tr

DateOption = Annotated[
    str | None, typer.Option("--date", help="Last day of the report, YYYY-MM-DD [default: the last complete day "
                                            "with sales].")
]
PeriodOption = Annotated[
    str, typer.Option("--period", help="day (vs the same weekday a week before), week (the calendar week up to --date, "
                                      "vs the same days a week before) or month (the month up to --date, vs the same "
                                      "days a month before).")
]
LinkOption = Annotated[
    str | None, typer.Option("--dashboard-url", envvar="JUNSHI_DASHBOARD_URL",
                             help="Link to the dashboard shown in the report and the message.")
]


@app.command()
def report(
    date: DateOption = None,
    period: PeriodOption = "day",
    fmt: Annotated[str, typer.Option("--format", help="html (self-contained), pdf or xlsx.")] = "html",
    out: Annotated[Path | None, typer.Option("--out", help="File to write [default: junshi-SHOP-PERIOD-DATE.FORMAT].",
                                             dir_okay=False)] = None,
    dashboard_url: LinkOption = None,
    clean: CleanOption = False,
    db: DbOption = None,
    shop: ShopOption = "default",
    engine: EngineOption = Engine.duckdb,
) -> None:
    """A report (KPI cards, KPI tree, diagnosis, alerts, advice, traffic, products, service, customers) as a
    file: HTML, PDF or Excel, in the language of --lang; --clean: without the suspect orders (刷单剔除后)."""
    from junshi.periods import default_period, parse_day
    from junshi.reports import build_report, period_kind
    from junshi.reports.render import file_name, render, report_format

    kind, form = period_kind(period), report_format(fmt)
    with open_shop(db, shop, clean, engine=engine) as s:
        day = parse_day(date, "--date") if date else default_period(s).end
        built = build_report(s, day, kind, get_lang(), dashboard_url)
    data = render(built, form)
    out = out or Path(file_name(built, form))
    out.write_bytes(data)
    err_console().print(tr("Wrote {f} ({n:,} bytes). Data check: {t}", "已写入 {f}（{n:,} 字节）。数据检查：{t}",
                           f=out, n=len(data), t=built.status), highlight=False)


@app.command()
def push(
    to: Annotated[str, typer.Option("--to", help="dingtalk, wecom, feishu, slack or email.")],
    webhook: Annotated[str, typer.Option("--webhook", help="The robot's webhook URL; for email "
                                                           "smtp://user@host:587?from=A&to=B,C (smtps:// for TLS).")],
    secret: Annotated[str | None, typer.Option(
        "--secret", envvar="JUNSHI_PUSH_SECRET",
        help="DingTalk 加签 / Feishu signing secret, or the SMTP password (never printed).")] = None,
    date: DateOption = None,
    period: PeriodOption = "day",
    dashboard_url: LinkOption = None,
    again: Annotated[bool, typer.Option("--again", help="Send even if this report was sent to this target.")] = False,
    fmt: NoteFormatOption = NoteFormat.text,
    db: DbOption = None,
    shop: ShopOption = "default",
) -> None:
    """Send the report's headline to a work chat (or the report by e-mail, PDF attached), once: the same
    report to the same target is not sent twice unless --again."""
    from junshi.periods import default_period, parse_day
    from junshi.push import channel_name, push_report
    from junshi.push.deliver import check_target
    from junshi.push.ledger import fingerprint
    from junshi.reports import build_report, period_kind

    chan, kind = channel_name(to), period_kind(period)
    check_target(chan, webhook)
    with open_shop(db, shop) as s:
        day = parse_day(date, "--date") if date else default_period(s).end
        built = build_report(s, day, kind, get_lang(), dashboard_url)
        key = f"push:{chan}:{fingerprint(webhook)}:{kind}:{day.isoformat()}"
        done = push_report(s, built, chan, webhook, secret, key=key, again=again)
    if fmt == "json":
        print_json(done.to_json())
    elif done.status == "skipped":
        err_console().print(tr("Not sent: this report was already {s} to {t} (use --again to resend).",
                     "未发送：该报表此前已{s}至 {t}（如需重发请加 --again）。", s=done.error, t=done.target),
                  highlight=False)
    else:
        err_console().print(tr("{c} to {t}: {s} after {n} attempt(s). {e}", "{c} 发送至 {t}：{s}，共尝试 {n} 次。{e}",
                     c=chan, t=done.target, s=done.status, n=done.attempts, e=done.error), highlight=False)
    if done.status == "failed":
        raise JunshiError(f"Push failed: {done.error}", f"推送失败：{done.error}",
                          hint_en="Check the webhook and secret; the failure is recorded in the warehouse.",
                          hint_zh="请检查 webhook 与密钥；失败已记录在数据仓库中。")
