"""Bilingual interface text (zh-CN and en).

Text lives next to the code that shows it, as a pair: ``tr("Loaded {n} rows", "已加载 {n} 行", n=5)``.
The language comes from :func:`set_lang`, else the ``JUNSHI_LANG`` variable, else English.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")

_current: Lang | None = None
_thread = threading.local()  # a command the server runs for a client speaks the client's language


def parse_lang(value: str) -> Lang:
    """Map 'zh', 'zh-CN', 'zh_CN.UTF-8', 'en', 'en-US' ... to a supported language."""
    low = value.strip().lower()
    if low.startswith("zh"):
        return "zh"
    if low.startswith("en") or not low:
        return "en"
    from junshi.errors import ConfigError

    raise ConfigError(
        f"Unknown language {value!r}.",
        f"未知语言 {value!r}。",
        hint_en="Use 'zh' or 'en'.",
        hint_zh="请使用 'zh' 或 'en'。",
    )


def set_lang(lang: str | None) -> None:
    """Set the interface language for this process (None: back to JUNSHI_LANG / English); inside
    :func:`thread_lang`, for this thread only (None: keep it)."""
    global _current
    if getattr(_thread, "lang", None) is not None:
        if lang:
            _thread.lang = parse_lang(lang)
        return
    _current = parse_lang(lang) if lang else None


@contextmanager
def thread_lang(lang: Lang) -> Iterator[None]:
    """Speak ``lang`` on this thread, whatever the process's language (a client's command in the server)."""
    _thread.lang = lang
    try:
        yield
    finally:
        _thread.lang = None


def get_lang() -> Lang:
    """The interface language in force."""
    local: Lang | None = getattr(_thread, "lang", None)
    if local is not None:
        return local
    if _current is not None:
        return _current
    return parse_lang(os.environ.get("JUNSHI_LANG", "en"))


@dataclass(frozen=True)
class Text:
    """A piece of interface text in both languages: the one bilingual text type (en, then zh; give them by
    keyword in declarations: ``Text(en="Source", zh="流量来源")``)."""

    en: str
    zh: str

    def get(self, lang: Lang) -> str:
        """The text in ``lang``."""
        return self.zh if lang == "zh" else self.en

    def to_dict(self) -> dict[str, str]:
        """``{"en": ..., "zh": ...}`` (JSON)."""
        return {"en": self.en, "zh": self.zh}

    def __call__(self, lang: Lang | None = None, **kwargs: object) -> str:
        template = self.zh if (lang or get_lang()) == "zh" else self.en
        return template.format(**kwargs) if kwargs else template

    def __str__(self) -> str:
        return self()

    def __add__(self, other: Text) -> Text:
        """Both languages joined: ``Text(en="a", zh="甲") + Text(en="b", zh="乙")``."""
        return Text(self.en + other.en, self.zh + other.zh)


def tr(en: str, zh: str, lang: Lang | None = None, **kwargs: object) -> str:
    """Format the text of the language in force (or ``lang``)."""
    return Text(en, zh)(lang, **kwargs)
