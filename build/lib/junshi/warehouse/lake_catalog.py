"""The lake's catalog: which Parquet files make up each table at each commit.

A lake is a folder (``lake:PATH``) of plain Parquet files, one file per partition (shop x month of the
table's time column), and a catalog ``_junshi/catalog/NNNNNN.json`` per commit naming the schema version
and, per table, its DDL, columns and committed files. Readers take the newest complete catalog; files no
catalog names (a load that was killed, or lost a race) are invisible. A commit writes its files first,
then its catalog as a temporary file hard-linked to the next number: the link fails when another writer
took that number (the optimistic check), and a reader never sees half a catalog. See docs/lake.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from junshi.errors import ConfigError, WarehouseError

SCHEME = "lake:"
FORMAT = "junshi-lake/1"
CATALOG_DIR = Path("_junshi") / "catalog"
_NUMBERED = re.compile(r"(\d{6,})\.json")

PARTITION_TIME: dict[str, str] = {
    "sessions": "started_at", "events": "ts", "orders": "created_at", "refunds": "created_at",
    "reviews": "created_at", "ad_spend": "date", "searches": "ts", "inventory": "date", "benchmarks": "date",
    "daily_shop": "date", "daily_source": "date", "daily_product": "date", "settlements": "ts",
    "rollup_visits": "date", "rollup_paid": "date", "rollup_marks": "date",
}
"""The time column whose month partitions a table (besides the shop); other tables: by shop only."""


def lake_root(url: str) -> Path:
    """The folder of a ``lake:PATH`` URL (``lake:///abs/path`` and ``lake:rel/path`` both work)."""
    rest = url[len(SCHEME):] if url.lower().startswith(SCHEME) else url
    rest = rest.removeprefix("//")
    if not rest:
        raise ConfigError(f"The lake URL {url!r} names no folder.", f"湖仓地址 {url!r} 没有给出文件夹。",
                          hint_en="Use e.g. --db lake:./shop-lake", hint_zh="例如 --db lake:./shop-lake")
    root = Path(rest)
    if root.exists() and not root.is_dir():
        raise ConfigError(f"The lake {root} is a file, not a folder.", f"湖仓 {root} 是文件，不是文件夹。",
                          hint_en="Give a folder (created when missing), e.g. --db lake:./shop-lake",
                          hint_zh="请给出文件夹（不存在时新建），例如 --db lake:./shop-lake")
    return root


def is_lake_url(url: str | os.PathLike[str] | None) -> bool:
    """Whether a warehouse URL names a lake."""
    return str(url or "").lower().startswith(SCHEME)


@dataclass(frozen=True)
class DataFile:
    """One committed Parquet file: its path under the lake root, partition, rows and content fingerprint
    (rows and the sum of the rows' DuckDB hashes; None when another engine wrote it)."""

    path: str
    shop_id: str | None
    month: str | None
    rows: int
    fingerprint: str | None = None


@dataclass(frozen=True)
class TableEntry:
    """A table at one commit: how to create it, its columns (name, SQL type), partitioning and files."""

    ddl: str
    columns: list[tuple[str, str]]
    time_column: str | None
    files: list[DataFile] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


@dataclass(frozen=True)
class Catalog:
    """The lake at one commit."""

    commit: int
    schema_version: int
    tables: dict[str, TableEntry]
    committed_at: str = ""
    operation: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Catalog:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} catalog")
        tables = {
            name: TableEntry(t["ddl"], [(c[0], c[1]) for c in t["columns"]], t["time_column"],
                             [DataFile(**f) for f in t["files"]])
            for name, t in data["tables"].items()
        }
        return cls(int(data["commit"]), int(data["schema_version"]), tables, data.get("committed_at", ""),
                   data.get("operation", ""))


EMPTY = Catalog(0, 0, {})


def catalog_dir(root: Path) -> Path:
    return root / CATALOG_DIR


def newest(root: Path) -> Catalog:
    """The newest complete catalog of the lake (the empty catalog for a new lake)."""
    folder = catalog_dir(root)
    if not folder.is_dir():
        return EMPTY
    numbered = sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := _NUMBERED.fullmatch(p.name)))
    for _number, path in reversed(numbered):
        try:
            return Catalog.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # incomplete or foreign: the one before it is the newest complete catalog
    return EMPTY


def partition_path(table: str, shop_id: str | None, month: str | None) -> str:
    """Where a new file of a partition goes, relative to the lake root (Hive-style folders)."""
    parts = [table]
    if shop_id is not None:
        parts.append("shop_id=" + quote(shop_id, safe=""))
    if month is not None:
        parts.append("month=" + month)
    return "/".join([*parts, f"part-{uuid.uuid4().hex}.parquet"])


class LakeConflict(WarehouseError):
    """Another writer committed to the lake after this one read it: nothing of this load was committed."""


def commit(root: Path, base: Catalog, tables: dict[str, TableEntry], schema_version: int, operation: str) -> Catalog:
    """Publish the next catalog after ``base``, all at once, if ``base`` is still the newest; else LakeConflict."""
    folder = catalog_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(base.commit + 1, schema_version, tables,
                      dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds"), operation)
    temp = folder / f".{uuid.uuid4().hex}.tmp"
    with temp.open("w", encoding="utf-8") as fh:
        json.dump(catalog.to_json(), fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(temp, folder / f"{catalog.commit:06d}.json")  # fails if the number is taken: no overwrite
    except FileExistsError:
        raise LakeConflict(
            f"Another load committed to the lake {root} first (commit {catalog.commit}); nothing of this one was "
            "committed.",
            f"另一次导入先提交到了湖仓 {root}（提交 {catalog.commit}）；本次未提交任何数据。",
            hint_en="Run the command again: it will start from the newest data.",
            hint_zh="请重新运行该命令：它会基于最新的数据执行。",
        ) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    return catalog
