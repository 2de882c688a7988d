"""``junshi schedule add|list|remove|run``: reports sent on a schedule by one runner process."""

import logging
from typing import Annotated

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, ReportFormat, ReportFormatOption, ShopOption, open_shop
from junshi.cli.output import console, err_console, print_json
from junshi.i18n import get_lang, tr

schedule_app = typer.Typer(name="schedule", no_args_is_help=True, rich_markup_mode=None,
                           help="Scheduled reports (定时推送): add, list, remove, and run the one process that "
                                "sends them.")
app.add_typer(schedule_app)


@schedule_app.command("add")
def add_cmd(
    name: Annotated[str, typer.Argument(help="Name of the schedule, e.g. morning-dingtalk.")],
    to: Annotated[str, typer.Option("--to", help="dingtalk, wecom, feishu, slack or email.")],
    webhook: Annotated[str, typer.Option("--webhook", help="Webhook URL, or smtp://user@host:587?from=A&to=B.")],
    secret: Annotated[str | None, typer.Option("--secret", envvar="JUNSHI_PUSH_SECRET",
                                               help="Signing secret or SMTP password (stored, never shown).")] = None,
    period: Annotated[str, typer.Option("--period", help="day, week or month: the report ending the day "
                                                         "before it fires.")] = "day",
    at: Annotated[str, typer.Option("--at", help="Time of day in the shop's time zone, HH:MM.")] = "08:30",
    on: Annotated[str, typer.Option("--on", help="daily, a weekday (mon .. sun) or a day of the month "
                                                 "(1 .. 28).")] = "daily",
    wait: Annotated[float, typer.Option("--wait", help="Hours to wait for the day's data before sending the "
                                                       "report marked incomplete.")] = 3.0,
    dashboard_url: Annotated[str | None, typer.Option("--dashboard-url", envvar="JUNSHI_DASHBOARD_URL",
                                                      help="Link to the dashboard in the message.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace a schedule of the same name.")] = False,
    db: DbOption = None,
    shop: ShopOption = "default",
) -> None:
    """Add a schedule: which report, when (shop-local), to whom. The report's language is --lang's."""
    from junshi.schedules import add_schedule, make_schedule
    from junshi.warehouse import writable

    schedule = make_schedule(shop, name, period=period, at=at, on=on, channel=to, target=webhook, secret=secret,
                             lang=get_lang(), wait_hours=wait, dashboard_url=dashboard_url)
    with open_shop(db, shop) as s:
        add_schedule(writable(s.warehouse), schedule, replace=replace)
    err_console().print(tr("Added {n}: {p} report at {a} ({o}) to {c}. Run `junshi schedule run` to send it.",
                 "已添加 {n}：{p} 报表，{o} {a} 发送至 {c}。用 `junshi schedule run` 运行发送。",
                 n=name, p=schedule.period, a=schedule.at_time, o=schedule.on_days, c=schedule.channel),
              highlight=False)


@schedule_app.command("list")
def list_cmd(fmt: ReportFormatOption = ReportFormat.table, db: DbOption = None, shop: ShopOption = "default") -> None:
    """The shop's schedules (targets masked, secrets hidden) and the latest deliveries."""
    from junshi.push.ledger import history
    from junshi.schedules import list_schedules
    from junshi.warehouse import writable

    with open_shop(db, shop) as s:
        schedules = [x.public() for x in list_schedules(writable(s.warehouse), shop)]
        sent = history(writable(s.warehouse), shop, limit=20)
    if fmt == ReportFormat.json:
        print_json({"schedules": schedules, "deliveries": sent})
        return
    from rich.table import Table

    view = Table(tr("name", "任务"), tr("report", "报表"), tr("when", "时间"), tr("channel", "渠道"),
                 tr("target", "接收方"), tr("signed", "签名"), tr("lang", "语言"), title=tr("Schedules", "定时推送"))
    for x in schedules:
        view.add_row(x["id"], x["period"], f"{x['on']} {x['at']}", x["channel"], x["target"],
                     tr("yes", "是") if x["secret"] else "", x["lang"])
    console().print(view)
    if sent:
        log = Table(tr("delivery", "推送"), tr("report date", "报表日期"), tr("status", "状态"), tr("attempts", "尝试"),
                    tr("error", "错误"), title=tr("Latest deliveries", "最近的推送"))
        for d in sent:
            log.add_row(d["delivery_key"], str(d["report_date"]), d["status"], str(d["attempts"]), d["error"] or "")
        console().print(log)


@schedule_app.command("remove")
def remove_cmd(name: Annotated[str, typer.Argument(help="Name of the schedule.")], db: DbOption = None,
               shop: ShopOption = "default") -> None:
    """Remove a schedule (its delivery records stay)."""
    from junshi.schedules import remove_schedule
    from junshi.warehouse import writable

    with open_shop(db, shop) as s:
        remove_schedule(writable(s.warehouse), shop, name)
    err_console().print(tr("Removed {n}.", "已删除 {n}。", n=name), highlight=False)


@schedule_app.command("run")
def run_cmd(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now and exit (for cron).")] = False,
    db: DbOption = None,
    shop: Annotated[str | None, typer.Option(
        "--shop", envvar="JUNSHI_SHOP", help="Only this shop's schedules [default: every shop's].")] = None,
) -> None:
    """The one process that sends every shop's scheduled reports (systemd service, or cron with --once);
    exits with an error when a delivery failed (--once)."""
    from junshi.errors import JunshiError
    from junshi.schedules.runner import Fired, run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    failed: list[Fired] = []

    def show(f: Fired) -> None:
        err_console().print(f"{f.shop_id}/{f.schedule_id} {f.report_date}: {f.status} {f.note}", highlight=False)
        if f.status == "failed":
            failed.append(f)

    run(db, once=once, report=show, shop_id=shop)
    if failed:
        raise JunshiError(f"{len(failed)} deliveries failed.", f"{len(failed)} 个推送失败。",
                          hint_en="See junshi schedule list; the failures are recorded.",
                          hint_zh="请查看 junshi schedule list；失败已记录。")
