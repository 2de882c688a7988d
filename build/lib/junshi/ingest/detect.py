"""Loading a folder of mixed exports without ``--preset``: recognise each file's kind from its headers.

Every preset's :class:`~junshi.ingest.presets.base.FileKind` takes part: a file is taken as the kind whose
headers it all has and that matches the most headers (the file name breaks a tie, then the order of
:data:`~junshi.ingest.presets.PRESETS`). A file of no kind goes to the alias table (one canonical table
chosen from its headers) when that can take it; otherwise the run fails naming every kind compared and the
headers each lacked. Files of one preset are loaded together by that preset (Olist needs its whole folder).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from junshi.errors import IngestError
from junshi.ingest.generic import guess_table
from junshi.ingest.presets import PRESETS, Preset
from junshi.ingest.presets.base import FileKind, not_a_kind
from junshi.ingest.readers import peek


@dataclass
class Batch:
    """Files loaded together: by ``preset`` (with each file's kind), or through the alias table (None)."""

    preset: Preset | None
    files: list[Path] = field(default_factory=list)
    kinds: dict[Path, FileKind] = field(default_factory=dict)


def recognise(path: Path) -> tuple[Preset, FileKind] | None:
    """The preset and kind of a file; None when no kind fits but the alias table can take it; else raise."""
    head = peek(path)
    best: tuple[tuple[int, bool, int], Preset, FileKind] | None = None
    for order, preset in enumerate(PRESETS.values()):
        for kind in preset.kinds:
            score = kind.score(head.columns, path.name)
            if score is not None and (best is None or (*score, -order) > best[0]):
                best = ((*score, -order), preset, kind)
    if best is not None:
        return best[1], best[2]
    if guess_table(list(head.columns), {}) is not None:
        return None
    compared = [(p.name, k) for p in PRESETS.values() for k in p.kinds]
    raise not_a_kind(path, head.columns, compared, generic=True)


def plan(files: list[Path]) -> list[Batch]:
    """The batches to load ``files`` in: one per preset (in the order first met), one per generic file."""
    batches: list[Batch] = []
    by_preset: dict[str, Batch] = {}
    for path in files:
        found = recognise(path)
        if found is None:
            batches.append(Batch(None, [path]))
            continue
        preset, kind = found
        if preset.name not in by_preset:
            by_preset[preset.name] = Batch(preset)
            batches.append(by_preset[preset.name])
        by_preset[preset.name].files.append(path)
        by_preset[preset.name].kinds[path] = kind
    _same_settings(batches)
    return batches


def _same_settings(batches: list[Batch]) -> None:
    """Refuse files of platforms in different currencies or time zones: they belong to different shops."""
    seen: dict[tuple[str | None, str | None], Batch] = {}
    for b in batches:
        if b.preset is not None and (b.preset.currency or b.preset.timezone):
            seen.setdefault((b.preset.currency, b.preset.timezone), b)
    if len(seen) > 1:
        shown = "; ".join(f"{b.preset.name if b.preset else '-'} ({c} / {tz}): {b.files[0].name}"
                          for (c, tz), b in seen.items())
        raise IngestError(
            f"These files come from shops in different currencies or time zones: {shown}. Nothing was loaded.",
            f"这些文件来自币种或时区不同的店铺：{shown}。未导入任何数据。",
            hint_en="Load each platform's files into its own shop with --shop NAME.",
            hint_zh="请用 --shop 名称 将每个平台的文件导入各自的店铺。",
        )


def settings_preset(batches: list[Batch]) -> Preset | None:
    """The preset whose shop settings (currency, time zone) the run takes: the first that has them."""
    return next((b.preset for b in batches if b.preset is not None and (b.preset.currency or b.preset.timezone)),
                next((b.preset for b in batches if b.preset is not None), None))


def kind_label(preset: str | None, kind: str | None) -> tuple[str, str]:
    """(en, zh) of what a file was taken as, for reports: ``sycm/sources`` and the kind's zh name."""
    if preset is None:
        return "", ""
    ident = f"{preset}/{kind}" if kind else preset
    found = PRESETS.get(preset)
    zh = next((k.zh for k in (found.kinds if found else ()) if k.name == kind), ident)
    return ident, zh


def kinds_table() -> str:
    """The Markdown table of every preset's kinds, as docs/ingest.md shows it (a test keeps them equal)."""
    rows = [f"| `{p.name}` | `{k.name}` ({k.en}) | {', '.join(k.headers)} |" for p in PRESETS.values() for k in p.kinds]
    return "\n".join(["| preset | kind | recognised by the headers |", "|---|---|---|", *rows]) + "\n"
