"""The one exception tree of Junshi. Every error says what happened and what to do, in zh and en."""

from __future__ import annotations

from junshi.i18n import Lang, get_lang


class JunshiError(Exception):
    """Base of every error Junshi raises on purpose. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, en: str, zh: str, *, hint_en: str = "", hint_zh: str = "") -> None:
        super().__init__(en)
        self.en, self.zh = en, zh
        self.hint_en, self.hint_zh = hint_en, hint_zh

    def message(self, lang: Lang | None = None) -> str:
        """The message in the given (or current) language."""
        return self.zh if (lang or get_lang()) == "zh" else self.en

    def hint(self, lang: Lang | None = None) -> str:
        """What to do about it, in the given (or current) language ('' when nothing to add)."""
        return self.hint_zh if (lang or get_lang()) == "zh" else self.hint_en

    def __str__(self) -> str:
        text, hint = self.message(), self.hint()
        return f"{text} {hint}" if hint else text


class ConfigError(JunshiError):
    """A setting, option or argument is invalid."""

    exit_code = 2


class WarehouseError(JunshiError):
    """The warehouse cannot be opened, is locked, or has a schema this version cannot use."""


class IngestError(JunshiError):
    """A file cannot be read or mapped to the canonical tables; nothing was loaded."""

    exit_code = 2


class StrictIngestError(IngestError):
    """``--strict``: some rows were rejected, so nothing was loaded."""

    exit_code = 3


class MetricError(JunshiError):
    """An unknown or invalid metric, dimension, filter or period."""

    exit_code = 2


class MissingDataError(JunshiError):
    """An analysis needs a table that this shop has no data in."""


class ModelError(JunshiError):
    """A model cannot be fitted or used on the data given."""


class AccessError(JunshiError):
    """Access to the web dashboard or JSON API is refused."""
