"""``junshi shop show|set``: the shops of a warehouse and their settings (name, currency, time zone)."""

from typing import Annotated, Any

import typer

from junshi.cli.app import app
from junshi.cli.options import DbOption, ReportFormat, ReportFormatOption, ShopOption, open_shop
from junshi.cli.output import console, print_json
from junshi.errors import ConfigError
from junshi.i18n import tr

shop_app = typer.Typer(name="shop", no_args_is_help=True, rich_markup_mode=None,
                       help="Shops (店铺) in the warehouse and their settings: name, platform, currency, time zone.")
app.add_typer(shop_app)
SETTINGS = ("name", "platform", "currency", "timezone")


def _counts(t: Any) -> dict[str, int]:
    """Rows per shop of an Ibis table."""
    return {r["shop_id"]: r["n"] for r in t.group_by("shop_id").aggregate(n=t.count()).to_pyarrow().to_pylist()}


@shop_app.command("show")
def show_cmd(
    db: DbOption = None,
    shop: Annotated[str | None, typer.Option(
        "--shop", envvar="JUNSHI_SHOP", help="Only this shop [default: every shop].")] = None,
    fmt: ReportFormatOption = ReportFormat.table,
) -> None:
    """Every shop (or one) with its settings and how many orders and visits it holds."""
    with open_shop(db) as s:
        shops = s.warehouse.table("shops", shop).order_by("shop_id").to_pyarrow().to_pylist()
        counts = {name: _counts(s.warehouse.table(name, shop)) for name in ("orders", "sessions")}
    shops = [{"shop_id": r["shop_id"], **{k: r[k] for k in SETTINGS},
              **{name: counts[name].get(r["shop_id"], 0) for name in counts}} for r in shops]
    if fmt == ReportFormat.json:
        print_json(shops)
        return
    from rich.table import Table

    view = Table(tr("shop", "店铺"), tr("name", "名称"), tr("platform", "平台"), tr("currency", "币种"),
                 tr("time zone", "时区"), tr("orders", "订单"), tr("visits", "访问"),
                 title=tr("Shops", "店铺"))
    for r in shops:
        view.add_row(*(str(r[k] or "") for k in ("shop_id", *SETTINGS)), f"{r['orders']:,}", f"{r['sessions']:,}")
    console().print(view)


@shop_app.command("set")
def set_cmd(
    shop: ShopOption = "default",
    db: DbOption = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    platform: Annotated[str | None, typer.Option("--platform", help="e.g. tmall, jd, shopify.")] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="ISO 4217 code, e.g. CNY or USD.")] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="IANA time zone, e.g. Europe/London.")] = None,
    shift_times: Annotated[bool, typer.Option(
        "--shift-times", help="With --timezone over loaded data: move the stored times to the new zone (the "
                              "files gave times with an offset or as Unix time).")] = False,
    keep_times: Annotated[bool, typer.Option(
        "--keep-times", help="With --timezone over loaded data: keep the stored clock times (the files gave "
                             "local times without an offset).")] = False,
    fmt: ReportFormatOption = ReportFormat.table,
) -> None:
    """Change a shop's settings (registering it if new). Set the time zone before loading data."""
    if not any(v is not None for v in (name, platform, currency, timezone)):
        raise ConfigError("Nothing to change.", "没有要更改的设置。",
                          hint_en="Give --name, --platform, --currency or --timezone.",
                          hint_zh="请给出 --name、--platform、--currency 或 --timezone。")
    if shift_times and keep_times:
        raise ConfigError("--shift-times and --keep-times exclude each other.",
                          "--shift-times 与 --keep-times 只能选一个。",
                          hint_en="Shift for times given with an offset, keep for local clock times.",
                          hint_zh="时间带偏移时用 shift，本地时间用 keep。")
    with open_shop(db, shop, write=True) as s:
        settings = s.configure(name=name, platform=platform, currency=currency, timezone=timezone,
                               times="shift" if shift_times else "keep" if keep_times else None)
    if fmt == ReportFormat.json:
        print_json({"shop_id": shop, **settings})
        return
    console().print(tr("Shop {shop}: {settings}", "店铺 {shop}：{settings}", shop=shop,
                 settings=", ".join(f"{k} {settings[k] or '-'}" for k in SETTINGS)))
