"""One ingest run: expand paths, settle the shop, load everything in one transaction, summarise."""

from __future__ import annotations

import datetime as dt
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from junshi import rollup
from junshi.errors import ConfigError, IngestError, StrictIngestError
from junshi.i18n import tr
from junshi.ingest.detect import Batch, plan, settings_preset
from junshi.ingest.generic import load_generic
from junshi.ingest.loader import Loader, Step
from junshi.ingest.presets import PRESETS, Preset, get_preset
from junshi.ingest.readers import expand
from junshi.ingest.reasons import show
from junshi.ingest.report import Example, IngestReport, ReasonCount
from junshi.ingest.sqlfuncs import install_macros
from junshi.schema import FACT_TABLES, SYSTEM_TABLES, TABLES
from junshi.warehouse import Writable

EXAMPLES = 3


def parse_mapping(items: Iterable[str] | dict[str, str] | None) -> dict[str, str]:
    """``["src=dst", ...]`` (or a dict) -> {src: dst}; ``dst`` may be ``column`` or ``table.column``."""
    if items is None:
        return {}
    if isinstance(items, dict):
        return dict(items)
    out = {}
    for item in items:
        src, sep, dst = item.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise ConfigError(
                f"--map needs SOURCE=COLUMN, got {item!r}.", f"--map 的格式应为 源列=目标列，收到 {item!r}。",
                hint_en="For example: --map 实付=pay_amount", hint_zh="例如：--map 实付=pay_amount",
            )
        out[src.strip()] = dst.strip()
    return out


def _check_table(table: str | None) -> None:
    if table is not None and (table not in TABLES or table in SYSTEM_TABLES):
        raise ConfigError(
            f"Cannot load into table {table!r}.", f"无法导入数据表 {table!r}。",
            hint_en="Choose one of: " + ", ".join(t for t in TABLES if t not in SYSTEM_TABLES),
            hint_zh="可选：" + "、".join(t for t in TABLES if t not in SYSTEM_TABLES),
        )


def _settle_shop(wh: Writable, con: duckdb.DuckDBPyConnection, shop_id: str, preset: Preset | None) -> str:
    """Register the shop (with the preset's currency and time zone); return the time zone in force."""
    if preset is None:
        wh.ensure_shop(shop_id)
        return str(wh.shop_settings(shop_id)["timezone"])
    wh.ensure_shop(shop_id, platform=preset.platform, currency=preset.currency or "CNY",
                   timezone=preset.timezone or "Asia/Shanghai")
    have = wh.shop_settings(shop_id)
    want = {"currency": preset.currency or have["currency"], "timezone": preset.timezone or have["timezone"]}
    if want["currency"] != have["currency"] or want["timezone"] != have["timezone"]:
        used = sum(int(con.execute(f'SELECT count(*) FROM "{t}" WHERE shop_id = ?', [shop_id]).fetchall()[0][0])
                   for t in FACT_TABLES)
        if used:
            raise settings_conflict(shop_id, have, want, preset)
        con.execute("UPDATE shops SET currency = ?, timezone = ?, platform = coalesce(platform, ?) WHERE shop_id = ?",
                    [want["currency"], want["timezone"], preset.platform, shop_id])
    return str(want["timezone"])


def check_strict(report: IngestReport) -> None:
    """With --strict, fail the run (nothing loaded) when it quarantined any row."""
    if report.strict and report.rows_quarantined:
        first = report.quarantined[0]
        raise StrictIngestError(
            f"--strict: {report.rows_quarantined} rows were rejected (first: {first.reason} x {first.rows}); "
            "nothing was loaded.",
            f"--strict：有 {report.rows_quarantined} 行被拒绝（首个原因：{show(first.reason)} x {first.rows}）；"
            "未导入任何数据。",
            hint_en="Fix the rows (see the reasons) or load without --strict to quarantine them.",
            hint_zh="请修正这些行（见原因），或去掉 --strict 以将它们放入隔离区。",
        )


def settings_conflict(shop_id: str, have: dict[str, str | None], want: dict[str, str | None],
                      preset: Preset) -> IngestError:
    """The shop holds data in other money or time than the preset's."""
    return IngestError(
        f"Shop {shop_id!r} is in {have['currency']} / {have['timezone']}, but {preset.name} data is in "
        f"{want['currency']} / {want['timezone']}.",
        f"店铺 {shop_id!r} 的币种/时区为 {have['currency']} / {have['timezone']}，而 {preset.name} 数据为 "
        f"{want['currency']} / {want['timezone']}。",
        hint_en="Load it into another shop with --shop NAME.", hint_zh="请用 --shop 名称 导入到另一个店铺。",
    )


def _summarise(con: duckdb.DuckDBPyConnection, report: IngestReport) -> None:
    rows = con.execute(
        """SELECT table_name, reason, count(*) AS n,
                  list(struct_pack(f := source_file, l := source_line, r := raw) ORDER BY source_file, source_line)
                    [1:?] AS ex
           FROM quarantine WHERE shop_id = ? AND run_id = ? GROUP BY ALL ORDER BY n DESC, table_name, reason""",
        [EXAMPLES, report.shop_id, report.run_id],
    ).fetchall()
    report.quarantined = [
        ReasonCount(t, r, int(n), [Example(e["f"], int(e["l"]), e["r"]) for e in ex]) for t, r, n, ex in rows
    ]


def _record_loads(con: duckdb.DuckDBPyConnection, report: IngestReport, started: dt.datetime) -> None:
    finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for f in report.files:
        con.execute(
            "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [report.shop_id, report.run_id, f.source_file, f.sha256, f.preset or report.preset, ",".join(f.tables),
             f.rows_loaded, f.rows_quarantined, started, finished],
        )


def ingest(
    warehouse: Writable,
    shop_id: str,
    paths: Sequence[str | Path],
    *,
    preset: str | None = None,
    table: str | None = None,
    strict: bool = False,
    mapping: Iterable[str] | dict[str, str] | None = None,
    step: Step | None = None,
) -> IngestReport:
    """Load ``paths`` (files or folders) into ``shop_id``: all of it or, on any error, nothing.

    With ``strict`` any quarantined row fails the run (:class:`StrictIngestError`, nothing loaded).
    """
    chosen = get_preset(preset) if preset else None
    _check_table(table)
    maps = parse_mapping(mapping)
    files = expand(paths)
    clock = time.perf_counter()
    report = IngestReport(uuid.uuid4().hex[:16], shop_id, chosen.name if chosen else None, strict)
    try:
        _run(warehouse, report, chosen, files, table, maps, step)
    except (duckdb.InterruptException, RuntimeError) as exc:
        # Ctrl-C while DuckDB works surfaces as "Query interrupted"; it was rolled back like any interruption
        if isinstance(exc, duckdb.InterruptException) or "interrupted" in str(exc).lower():
            raise KeyboardInterrupt from None
        raise
    report.committed = True
    report.seconds = round(time.perf_counter() - clock, 3)
    return report


class _CtrlC:
    """Remembers a Ctrl-C even when DuckDB swallows it mid-query, so the run can still stop (and roll back)."""

    def __init__(self) -> None:
        self.hit = False

    def __enter__(self) -> _CtrlC:
        self._old = None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: object) -> None:
        self.hit = True
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.hit:
            raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _run(warehouse: Writable, report: IngestReport, chosen: Preset | None, files: list[Path], table: str | None,
         maps: dict[str, str], step: Step | None) -> None:
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    shop_id = report.shop_id
    if chosen is not None:
        batches = [Batch(chosen, files)]
    elif table is not None or maps:  # the user chose the alias table's mapping
        batches = [Batch(None, files)]
    else:
        batches = plan(files)
    with _CtrlC() as ctrl_c, tempfile.TemporaryDirectory(prefix="junshi-ingest-") as tmp, \
            warehouse.transaction() as con:

        def checked_step(text: str) -> None:
            ctrl_c.check()
            if step is not None:
                step(text)

        tz = _settle_shop(warehouse, con, shop_id, chosen or settings_preset(batches))
        install_macros(con, tz)
        loader = Loader(warehouse, con, report, Path(tmp), checked_step)
        for batch in batches:
            if batch.preset is None:
                for path in batch.files:
                    load_generic(loader, path, table, maps)
                continue
            batch.preset.load(loader, batch.files, maps)
            for path in batch.files:  # what each file was taken as, where the preset did not say
                load = loader.files.get(path)
                if load is not None and load.preset is None:
                    load.preset = batch.preset.name
                    load.kind = batch.kinds[path].name if path in batch.kinds else None
        report.files = list(loader.files.values())
        loader.drop_temps()
        _summarise(con, report)
        check_strict(report)
        _record_loads(con, report, started)
        checked_step(tr("updating the rollups", "更新日汇总"))
        rollup.refresh(con, shop_id, report.tables, loader.days)
        ctrl_c.check()


__all__ = ["PRESETS", "ingest", "parse_mapping"]
