"""Housekeeping of a lake: delete the files no kept catalog names (``junshi lake vacuum``).

A commit never changes a file, so files pile up: those of replaced partitions (older catalogs name them),
and orphans of loads that never committed (killed, or lost a race). Vacuum keeps the newest catalog and
every catalog committed within the retention, and every file any of them names; it deletes the other
data files last written before the retention (a running load's files are younger: they are never taken),
the catalogs older than the retention (never the newest), and the folders left empty. A reader holding a
commit older than the retention loses its files: the retention is how long a reader may keep a snapshot.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from junshi.errors import ConfigError
from junshi.warehouse import lake_catalog
from junshi.warehouse.lake_catalog import CATALOG_DIR, Catalog

_AGE = re.compile(r"(\d+)\s*([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_age(text: str) -> dt.timedelta:
    """``7d``, ``12h`` or ``30m`` as a time span."""
    match = _AGE.fullmatch(text.strip().lower())
    if match is None:
        raise ConfigError(f"Cannot read the age {text!r}.", f"无法识别时长 {text!r}。",
                          hint_en="Give days, hours or minutes, e.g. 7d, 12h or 30m.",
                          hint_zh="请给出天、小时或分钟，例如 7d、12h 或 30m。")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass
class VacuumReport:
    """What vacuum deleted (or, with ``dry_run``, would delete), and what it kept."""

    dry_run: bool
    kept_commits: list[int] = field(default_factory=list)
    deleted_commits: list[int] = field(default_factory=list)
    deleted_files: list[str] = field(default_factory=list)
    deleted_bytes: int = 0
    kept_files: int = 0


def _catalogs(root: Path) -> list[tuple[int, Path, Catalog | None]]:
    """Every numbered catalog file of the lake (None where it cannot be read: an incomplete write)."""
    import json

    folder = lake_catalog.catalog_dir(root)
    out: list[tuple[int, Path, Catalog | None]] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if not path.stem.isdigit():
            continue
        try:
            catalog: Catalog | None = Catalog.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            catalog = None
        out.append((int(path.stem), path, catalog))
    return out


def _shop_of(path: Path, root: Path) -> str | None:
    """The shop a data file's folders name (``shop_id=`` as DuckDB writes them, ``_shop=`` as Spark does)."""
    from urllib.parse import unquote

    for part in path.relative_to(root).parts:
        for prefix in ("shop_id=", "_shop="):
            if part.startswith(prefix):
                return unquote(part.removeprefix(prefix))
    return None


def vacuum(root: Path, older_than: dt.timedelta, *, dry_run: bool = False, shop: str | None = None) -> VacuumReport:
    """Delete what no kept catalog names and was written before ``older_than`` ago (see the module's note).
    ``shop``: only that shop's data files (the catalogs, shared by every shop, are then kept)."""
    report = VacuumReport(dry_run)
    cutoff = time.time() - older_than.total_seconds()
    newest = lake_catalog.newest(root)
    kept: set[str] = set()
    for number, path, catalog in _catalogs(root):
        young = path.stat().st_mtime >= cutoff
        if catalog is not None and (number == newest.commit or young):
            report.kept_commits.append(number)
            kept |= {f.path for t in catalog.tables.values() for f in t.files}
        elif shop is None and (number < newest.commit or (catalog is None and not young)):
            report.deleted_commits.append(number)
            if not dry_run:
                path.unlink()
    for temp in lake_catalog.catalog_dir(root).glob(".*.tmp"):  # a commit's catalog half written, then killed
        if temp.stat().st_mtime < cutoff and not dry_run and shop is None:
            temp.unlink()
    report.kept_files = len(kept)
    for folder, _dirs, names in os.walk(root):
        here = Path(folder)
        if here.relative_to(root).parts[:2] == CATALOG_DIR.parts:
            continue
        for name in names:
            path = here / name
            data = name[1:-4] if name.startswith(".") and name.endswith(".crc") else name  # Hadoop's checksums
            if not data.endswith(".parquet") or (here / data).relative_to(root).as_posix() in kept:
                continue
            stat = path.stat()
            if stat.st_mtime >= cutoff or (shop is not None and _shop_of(path, root) != shop):
                continue
            if name == data:
                report.deleted_files.append(path.relative_to(root).as_posix())
                report.deleted_bytes += stat.st_size
            if not dry_run:
                path.unlink()
    if not dry_run:
        _drop_empty_folders(root)
    return report


def _drop_empty_folders(root: Path) -> None:
    """Remove folders holding no data file any more (a Spark write's ``_SUCCESS`` marker does not count)."""
    for folder, dirs, names in os.walk(root, topdown=False):
        here = Path(folder)
        if here == root or here.relative_to(root).parts[:1] == CATALOG_DIR.parts[:1]:
            continue
        if any((here / d).exists() for d in dirs) or any(not n.startswith(("_SUCCESS", "._SUCCESS")) for n in names):
            continue
        for name in names:
            (here / name).unlink()
        here.rmdir()
