"""Dimensions, factors, severities and number formats are declared once; every face takes its labels from there."""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from junshi.analysis.advice import Advice
from junshi.analysis.alerts import Alert
from junshi.analysis.decompose import Decomposition
from junshi.analysis.diagnosis import Diagnosis, Period, Step
from junshi.analysis.morning_note import morning_note
from junshi.formats import format_spec, format_value
from junshi.i18n import Text, set_lang
from junshi.metrics import all_dimensions
from junshi.metrics.compiler import inferred_dimensions, splittable
from junshi.metrics.dimension_docs import render
from junshi.metrics.dimensions import DIMENSIONS, REGISTRY
from junshi.metrics.registry import REGISTRY as METRICS
from junshi.vocab import CELL_VALUES, FACTORS, SEVERITIES, SHOP_LEVEL, vocabularies

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "junshi"
DECLARATIONS = {SRC / "metrics" / "dimensions.py", SRC / "vocab.py"}
# The faces that show labels: every module of the package (the API's views, the dashboard's ES modules and
# templates included) but those that declare tables (schema/, rollup/: column descriptions), those that name the
# platforms' own headers (ingest/) or write the platforms' exports as they spell them (simulate/), periods.py, which
# names period lengths (日/周/月 of the date picker), and the review lexicon, whose words (高, 低) are what buyers
# write.
EXEMPT = {"ingest", "schema", "rollup", "simulate", "periods.py"}
EXEMPT_FILES = {SRC / "service" / "lexicon.py", SRC / "service" / "aspects.py"}
FACES = tuple(sorted(p.name for p in SRC.iterdir()
                     if (p.is_dir() or p.suffix == ".py") and p.name not in EXEMPT and not p.name.startswith("_")))
SCANNED = ("*.py", "*.js", "*.html")


def _labels() -> dict[str, str]:
    """Every declared label (zh and en) -> what declares it. Factors named after a metric are the metric's name."""
    out: dict[str, str] = {}
    for d in DIMENSIONS:
        for text in (d.name, *d.values.values()):
            out[text.zh] = out[text.en] = f"dimension {d.id}"
    for term in (*SEVERITIES.values(), SHOP_LEVEL):
        out[term.name.zh] = out[term.name.en] = f"term {term.id}"
    for f in FACTORS.values():
        if f.metric is None:
            out[f.name.zh] = out[f.name.en] = f"factor {f.id}"
    for text in CELL_VALUES.values():
        out[text.zh] = f"cell value {text.en}"
    return out


def test_declarations_match_what_the_facts_resolve() -> None:
    """Each dimension the facts can resolve is declared, with the columns behind it; nothing else is."""
    inferred = inferred_dimensions()
    assert set(REGISTRY) == set(inferred)
    assert {d: REGISTRY[d].columns for d in inferred} == inferred
    assert all_dimensions() == tuple(sorted(inferred))
    assert len(DIMENSIONS) == len(REGISTRY), "a dimension is declared twice"


def test_names_are_unique_and_not_metric_names() -> None:
    for lang in ("zh", "en"):
        names = [d.name.get(lang) for d in DIMENSIONS]
        assert len(set(names)) == len(names), f"two dimensions share a {lang} name"
        metric_names = {m.name.get(lang) for m in METRICS.values()}
        assert not set(names) & metric_names, "a dimension is named like a metric"


def test_splittable_follows_the_facts() -> None:
    """Sales splits by source and product; DSR (reviews) not by source; the spend ratio by campaign (its sales
    are the whole time cell's); ad spend not by product name (ad rows carry no catalogue lookup)."""
    assert {"sales", "uv"} <= set(splittable("source"))
    assert "dsr_item" not in splittable("source")
    assert "spend_ratio" in splittable("keyword")
    assert "ad_cost" not in splittable("product_name")
    assert "dsr_item" in splittable("day")


def test_dimension_docs_are_current() -> None:
    doc = (ROOT / "docs" / "dimensions.md").read_text(encoding="utf-8")
    assert doc == render(), "stale: run python -m junshi.metrics.dimension_docs > docs/dimensions.md"
    for d in DIMENSIONS:
        assert f"| `{d.id}` | {d.name.zh} | {d.name.en} |" in doc


def _js_strings(src: str) -> Iterator[tuple[int, str]]:
    """The string literals of an ES module ('...', "...", `...`) with their line, comments skipped."""
    i = 0
    while i < len(src):
        if src.startswith("//", i) or src.startswith("/*", i):
            end = src.find("\n" if src[i + 1] == "/" else "*/", i + 2)
            i = len(src) if end < 0 else end + 1
        elif src[i] in "\"'`":
            quote, j, chars = src[i], i + 1, []
            while j < len(src) and src[j] != quote:
                chars.append(src[j + 1] if src[j] == "\\" else src[j])
                j += 2 if src[j] == "\\" else 1
            yield src.count("\n", 0, i) + 1, "".join(chars)
            i = j + 1
        else:
            i += 1


def _strings(f: Path) -> Iterator[tuple[int, str]]:
    """The literal texts of a face's file: Python string constants, ES module strings, template text."""
    text = f.read_text(encoding="utf-8")
    if f.suffix == ".py":
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.lineno, node.value
    elif f.suffix == ".js":
        yield from _js_strings(text)
    else:  # a template: the text between tags and attribute values
        for m in re.finditer(r'>([^<>{}]+)<|="([^"{}]*)"', text):
            yield text.count("\n", 0, m.start()) + 1, (m.group(1) or m.group(2) or "").strip()


def test_no_face_spells_a_declared_label() -> None:
    """No literal text in a face (Python, the dashboard's ES modules and templates) equals a declared dimension,
    factor or severity label."""
    assert {"api", "web", "analysis", "cli", "reports"} <= set(FACES)
    labels = _labels()
    found = []
    for face in FACES:
        path = SRC / face
        files = sorted(f for pattern in SCANNED for f in path.rglob(pattern)) if path.is_dir() else [path]
        for f in files:
            skipped = f in DECLARATIONS | EXEMPT_FILES or f.name in ("registry.py", "dimension_docs.py")
            if skipped or "vendor" in f.parts:
                continue
            found += [f"{f.relative_to(SRC)}:{line} {value!r} ({labels[value]})"
                      for line, value in _strings(f) if value in labels]
    assert not found, "labels copied instead of taken from the declarations:\n" + "\n".join(found)


def test_the_scan_reads_es_modules_and_templates() -> None:
    """The scanner sees a label in an ES module's string (not in its comments) and in a template's text."""
    js = '/* 流量来源 in a comment */ const a = "流量来源"; // \'终端\'\nconst b = `x`;'
    assert [s for _, s in _js_strings(js)] == ["流量来源", "x"]
    label = REGISTRY["source"].name.zh
    assert label in _labels()


def _diagnosis() -> Diagnosis:
    effects = {"visitors": Decimal("-60"), "conversion": Decimal("-40"), "spend_per_buyer": Decimal("0")}
    changes = {"visitors": -0.3, "conversion": -0.2, "spend_per_buyer": 0.0}
    total = Decomposition(current=Decimal("900"), baseline=Decimal("1000"), change=Decimal("-100"), effects=effects,
                          factor_changes=dict(changes), method="lmdi")
    step = Step(dimension="customer_type", value="returning", contribution=Decimal("-80"), share=0.8,
                current=Decimal("100"), baseline=Decimal("180"), effects=effects, main_factor="visitors",
                factor_changes=dict(changes), facts={})
    return Diagnosis(metric="sales", current_period=Period(dt.date(2026, 3, 2), dt.date(2026, 3, 2)),
                     baseline_period=Period(dt.date(2026, 2, 23), dt.date(2026, 2, 23)), total=total,
                     factors=tuple(effects), path=[step], dimensions={}, notes=[])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_morning_note_shows_the_declared_labels(lang: str) -> None:
    """The rendered note names the dimension, its value, the factor and the severity as declared."""
    alert = Alert(day=dt.date(2026, 3, 2), kind="anomaly", code="metric_drop", severity="high", score=9.0,
                  level="source", key="直通车", metric="uv", numbers={}, text=Text(en="t", zh="t"),
                  diagnose={"date": "2026-03-02", "vs": "week", "focus": {"device": "无线"}})
    advice = Advice(rule="spend_ratio", priority=2, subject={}, numbers={}, title=Text(en="T", zh="T"),
                    text=Text(en="x", zh="x"))
    set_lang(lang)
    try:
        note = morning_note("2026-03-02", "CNY", _diagnosis(), [alert], [advice])
    finally:
        set_lang(None)
    ct = REGISTRY["customer_type"]
    assert f"{ct.name.get(lang)} {ct.values['returning'].get(lang)}" in note
    assert f"{FACTORS['visitors'].name.get(lang)} " in note
    assert f"[{REGISTRY['device'].name.get(lang)} 无线]" in note
    if lang == "zh":
        assert f"[{SEVERITIES['high'].name.zh}]" in note and f"[{SEVERITIES['medium'].name.zh}]" in note


def test_formats_are_one_definition() -> None:
    """Python formats as the spec served to the browser says: ¥1,234.50 (2 decimals), 12.35% (x100), 1,234."""
    assert format_value(1234.5, "money", "CNY") == "¥1,234.50"
    assert format_value(1234.5, "money", "BRL") == "R$1,234.50"
    assert format_value(5, "money", "AUD") == "AUD 5.00"
    assert format_value(0.12345, "ratio") == "12.35%"
    assert format_value(1234, "count") == "1,234"
    assert format_value(-3.5, "hours", change=True) == "-3.50 h"
    assert format_value(None, "money") == format_spec("en")["empty"]
    spec = format_spec("zh")
    assert spec["symbols"]["HKD"] == "HK$" and spec["units"]["ratio"] == {"decimals": 2, "suffix": "%", "scale": 100}


def test_vocabularies_as_data() -> None:
    v = vocabularies()
    assert [s["id"] for s in v["severities"]] == ["high", "medium", "low", "info"]
    assert {f["id"]: f["name"]["zh"] for f in v["factors"]}["conversion"] == METRICS["payment_conversion_rate"].name.zh
    assert v["priorities"] == {"1": "high", "2": "medium", "3": "low"}
