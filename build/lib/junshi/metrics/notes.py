"""Caveats attached to a result: where a figure is missing, cannot be split, or misleads."""

from __future__ import annotations

from dataclasses import dataclass

from junshi.i18n import Lang, get_lang


@dataclass(frozen=True)
class Note:
    """One caveat. ``metric`` is None when it concerns the whole result; ``code`` is stable for programs."""

    code: str
    en: str
    zh: str
    metric: str | None = None

    def text(self, lang: Lang | None = None) -> str:
        return self.zh if (lang or get_lang()) == "zh" else self.en

    def to_dict(self) -> dict[str, str | None]:
        return {"metric": self.metric, "code": self.code, "en": self.en, "zh": self.zh}
