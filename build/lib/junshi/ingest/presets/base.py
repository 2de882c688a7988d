"""What a preset is: a named way to load one platform's export, with the shop settings it implies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from junshi.errors import IngestError
from junshi.ingest.aliases import normalise
from junshi.ingest.loader import Loader
from junshi.ingest.readers import RawTable


@dataclass(frozen=True, kw_only=True)
class FileKind:
    """One kind of file a preset reads, recognised by the headers it always has.

    ``headers``: every one must be present for a file to be taken as this kind (compared after
    :func:`~junshi.ingest.aliases.normalise`, so ``支付金额(元)`` is ``支付金额``); the kind whose headers
    match most wins when a folder of mixed exports is loaded without a preset, and between kinds that
    match as many, the one with a word of ``names`` in the file name (e.g. ``店铺来源``).
    """

    name: str
    zh: str
    en: str
    headers: tuple[str, ...]
    names: tuple[str, ...] = ()

    def missing(self, headers: Sequence[str]) -> list[str]:
        """This kind's headers that ``headers`` lacks."""
        have = {normalise(h) for h in headers}
        return [h for h in self.headers if normalise(h) not in have]

    def score(self, headers: Sequence[str], file_name: str) -> tuple[int, bool] | None:
        """How well a file matches (headers matched, file name hint), None when a header is missing."""
        if self.missing(headers):
            return None
        return len(self.headers), any(n.lower() in file_name.lower() for n in self.names)


def best_kind(kinds: Sequence[FileKind], headers: Sequence[str], file_name: str) -> FileKind | None:
    """The kind a file with ``headers`` called ``file_name`` is (see :class:`FileKind`), or None."""
    scored = [(s, i) for i, k in enumerate(kinds) if (s := k.score(headers, file_name)) is not None]
    return kinds[max(scored, key=lambda si: (si[0], -si[1]))[1]] if scored else None


@dataclass(frozen=True)
class Preset:
    """``load(loader, files, mapping)`` writes the files' rows; currency/timezone None = keep the shop's.

    ``kinds``: the kinds of file the preset reads, for recognising a file without ``--preset``.
    """

    name: str
    en: str
    zh: str
    platform: str | None
    currency: str | None
    timezone: str | None
    load: Callable[[Loader, list[Path], dict[str, str]], None]
    kinds: tuple[FileKind, ...] = ()


def not_a_kind(path: Path, headers: Sequence[str], compared: Sequence[tuple[str, FileKind]], *,
               generic: bool = False) -> IngestError:
    """A file that is none of the ``compared`` kinds: name them and the headers each lacked.

    ``generic``: the alias table (loading without a preset) could not take the file either.
    """
    lack_en = "; ".join(f"{p}/{k.name} ({k.en}) lacks {', '.join(k.missing(headers))}" for p, k in compared)
    lack_zh = "；".join(f"{p}/{k.name}（{k.zh}）缺少 {'、'.join(k.missing(headers))}" for p, k in compared)
    found = ", ".join(headers) or "-"
    lead_en, lead_zh = (f"No usable columns in {path.name}: it", f"{path.name} 中没有可用的列：它") if generic \
        else (path.name, path.name + " ")
    also_en = ", nor has it the required columns of any table of the alias table" if generic else ""
    also_zh = "，也没有别名表中任何数据表的必填列" if generic else ""
    return IngestError(
        f"{lead_en} is none of the known kinds of file: {lack_en}{also_en}. Its headers: {found}. Nothing was loaded.",
        f"{lead_zh}不是任何已知的文件类型：{lack_zh}{also_zh}。它的表头：{found}。未导入任何数据。",
        hint_en="Check that the file is a complete export with its header row, or choose --preset / --table "
                "and rename headers with --map SOURCE=COLUMN.",
        hint_zh="请确认文件是带表头的完整导出，或指定 --preset / --table，并用 --map 源列=目标列 重命名表头。",
    )


def require(raw: RawTable, preset: str, expected: Sequence[str]) -> None:
    """Fail naming the expected and the found columns when ``raw`` lacks any of ``expected``."""
    missing = [c for c in expected if c not in raw.columns]
    if missing:
        found = ", ".join(raw.columns) or "-"
        raise IngestError(
            f"{raw.source} is not a {preset} file: missing columns {', '.join(missing)}. "
            f"Expected: {', '.join(expected)}. Found: {found}.",
            f"{raw.source} 不是 {preset} 格式：缺少列 {', '.join(missing)}。"
            f"应有：{', '.join(expected)}。实际列：{found}。",
            hint_en="Check the file and the --preset, or rename columns with --map SOURCE=EXPECTED.",
            hint_zh="请检查文件和 --preset，或用 --map 源列=应有列 重命名。",
        )
