"""The review-aspect report (junshi.service.reviews) and ``junshi service reviews|logistics`` on a tiny
hand-made shop."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from cli_commands import run_cli
from junshi import rollup, versioned
from junshi.service import aspects, reviews
from junshi.service.reviews import negative_mentions, review_aspects
from junshi.shop import connect
from test_metrics import load_duckdb

REVIEWS = [
    # (id, product, day, rating, text)
    ("r1", "p1", "2024-05-03", 2, "尺码偏小，质量还行"),
    ("r2", "p1", "2024-05-20", 1, "尺码不对，物流也慢"),
    ("r3", "p2", "2024-06-02", 5, "尺码合适，物流很快"),
    ("r4", "p2", "2024-06-05", 4, "好评"),
    ("r5", "p3", "2024-06-09", 3, "码数偏大"),
]


def _shop(path: Path) -> Path:
    db = path / "w.duckdb"
    with connect(db, "s") as shop:
        load_duckdb(shop.warehouse, {"reviews": [
            dict(review_id=i, product_id=p, created_at=f"{d} 10:00", rating=r, text=t) for i, p, d, r, t in REVIEWS]})
    return db


def test_review_aspects(tmp_path: Path) -> None:
    """尺码: 4 mentions (r1 -, r2 -, r3 +, r5 -): negative 3, share 4/5 = 0.8, negative share 0.75;
    products p1 (2 negative), p3 (1); trend 2024-05: 2 mentions 2 negative, 2024-06: 2 and 1;
    examples: the newest negative first (r5, r2, r1). 物流: 2 mentions, 1 negative (r2). 质量: 1, 0."""
    db = _shop(tmp_path)
    with connect(db, "s") as shop:
        got = review_aspects(shop)
    assert got["reviews"] == 5
    size = got["aspects"][0]
    assert (size["aspect"], size["name_zh"], size["mentions"], size["negative"]) == ("size", "尺码", 4, 3)
    assert size["share"] == 0.8 and size["negative_share"] == 0.75
    assert size["products"] == [{"product_id": "p1", "mentions": 2, "negative": 2},
                                {"product_id": "p3", "mentions": 1, "negative": 1}]
    assert size["trend"] == [{"month": "2024-05", "mentions": 2, "negative": 2},
                             {"month": "2024-06", "mentions": 2, "negative": 1}]
    assert [e["review_id"] for e in size["examples"]] == ["r5", "r2", "r1"]
    rest = {a["aspect"]: (a["mentions"], a["negative"]) for a in got["aspects"][1:]}
    assert rest == {"logistics": (2, 1), "quality": (1, 0)}


def test_aspects_are_read_from_the_tags_stored_at_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh (as every load runs) stores each day's texts with their tags: r2's 尺码不对，物流也慢 as
    "logistics- size-" (the tagger's order of aspects), r4's 好评 with none. The report then runs no tagger (it
    would fail here) and equals the one tagged in this process. A new tagger version reads none of the stored tags
    (it tags the texts itself, same figures), and the next refresh tags the five days anew under that version."""
    db = _shop(tmp_path)
    with connect(db, "s") as shop:
        tagged_here = review_aspects(shop)
        with shop.warehouse.transaction() as tx:
            rollup.refresh(tx, "s")
        stored = dict(shop.warehouse.con.execute("SELECT text, tags FROM rollup_review_tags").fetchall())
        assert stored["尺码不对，物流也慢"] == "logistics- size-" and stored["好评"] == ""
        assert stored == {t: aspects.encode_tags(tuple(aspects.aspects(t).items())) for *_, t in REVIEWS}
        with monkeypatch.context() as m:
            m.setattr(reviews, "_tagged", {})
            m.setattr(reviews, "aspects_of", lambda texts: pytest.fail(f"tagged {texts}"))
            assert review_aspects(shop) == tagged_here
        monkeypatch.setattr(reviews, "_tagged", {})
        monkeypatch.setattr(aspects, "tagger_version", lambda: "next")
        assert review_aspects(shop) == tagged_here
        assert len(reviews._tagged) == len(REVIEWS)  # tagged here: the stored tags are another version's
        with shop.warehouse.transaction() as tx:
            report = rollup.refresh(tx, "s", [])
        days = sorted(dt.date.fromisoformat(d) for _, _, d, _, _ in REVIEWS)
        assert report.days["rollup_review_tags"] == days
        assert shop.warehouse.con.execute("SELECT DISTINCT model FROM rollup_review_tags").fetchall() == [("next",)]


def test_reviews_not_in_chinese_are_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two English reviews join the five: the model knows Chinese only ("not great quality" must not count as
    praise of 质量), so they are counted (reviews 7) but not read (read 5), and every figure stays as in
    test_review_aspects: 尺码's share is of the reviews read, 4/5 = 0.8; 质量 still 1 mention, 0 negative. The
    CLI says what it left out."""
    db = _shop(tmp_path)
    with connect(db, "s") as shop:
        load_duckdb(shop.warehouse, {"reviews": [
            dict(review_id="r6", product_id="p1", created_at="2024-06-10 10:00", rating=2,
                 text="Not great quality, the size runs small."),
            dict(review_id="r7", product_id="p2", created_at="2024-06-11 10:00", rating=5,
                 text="Fast delivery, good price!")]})
        got = review_aspects(shop)
    assert (got["reviews"], got["read"]) == (7, 5)
    size = got["aspects"][0]
    assert (size["aspect"], size["mentions"], size["negative"], size["share"]) == ("size", 4, 3, 0.8)
    rest = {a["aspect"]: (a["mentions"], a["negative"]) for a in got["aspects"][1:]}
    assert rest == {"logistics": (2, 1), "quality": (1, 0)}
    code, out, err = run_cli(capsys, "--lang", "en", "service", "reviews", "--db", str(db), "--shop", "s")
    assert code == 0, err
    assert "(5 Chinese reviews)" in out
    assert "2 of the 7 review texts are not in Chinese and were not read" in " ".join(err.split())


def test_cli_reviews_and_logistics_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def _cli(*args: str) -> str:
        code, out, err = run_cli(capsys, *args)
        assert code == 0, err
        return out

    db = _shop(tmp_path)
    data = json.loads(_cli("service", "reviews", "--db", str(db), "--shop", "s", "--format", "json"))
    assert [a["aspect"] for a in data["aspects"]] == ["size", "logistics", "quality"]
    assert set(data["aspects"][0]) >= {"aspect", "name_zh", "name_en", "mentions", "negative", "products",
                                       "examples"}
    csv_out = _cli("service", "reviews", "--db", str(db), "--shop", "s", "--format", "csv")
    assert csv_out.splitlines()[0].startswith("aspect,")
    with connect(db, "s") as shop:
        load_duckdb(shop.warehouse, {"orders": [dict(
            order_id="o1", created_at="2024-06-01 09:00", paid_at="2024-06-01 09:00", shipped_at="2024-06-02 09:00",
            delivered_at="2024-06-06 20:00", promised_at="2024-06-05 00:00", carrier="中通", region="浙江")]})
    logi = json.loads(_cli("service", "logistics", "--db", str(db), "--shop", "s", "--format", "json"))
    assert set(logi) >= {"delivered_orders", "late_share", "rating_on_time", "rating_late", "by_carrier",
                         "by_region", "overdue"}
    assert logi["by_carrier"] == [{"carrier": "中通", "delivered_orders": 1, "late_orders": 1, "late_share": 1.0,
                                   "hours_to_ship": 24.0, "days_to_deliver": 4.46}]


def test_aspects_counted_in_duckdb_equal_those_counted_here(demo_db: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo shop (every text tagged by its loads): the report and the DSR forecast's negative mentions counted
    in DuckDB from the stored tags (no tagger run) equal those of the texts' cells tagged and counted in pandas, for
    all days, a month, a week and a day (the examples, products, months and the order of ties included)."""
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setattr(versioned, "kept", lambda _shop, _key, compute: compute())
    days = [(None, None), (dt.date(2024, 11, 1), dt.date(2024, 11, 30)), (dt.date(2024, 11, 8), dt.date(2024, 11, 14)),
            (dt.date(2024, 11, 11), dt.date(2024, 11, 11))]
    with connect(db) as shop:
        with monkeypatch.context() as m:
            m.setattr(reviews, "aspects_of", lambda texts: pytest.fail(f"tagged {len(texts)} texts"))
            m.setattr(reviews, "_counted_here", lambda *_: pytest.fail("counted in pandas"))
            stored = [(review_aspects(shop, a, b), a and b and negative_mentions(shop, a, b)) for a, b in days]
        monkeypatch.setattr(reviews, "_counted_stored", lambda *_: None)
        here = [(review_aspects(shop, a, b), a and b and negative_mentions(shop, a, b)) for a, b in days]
    assert stored[1][0]["aspects"] and stored[1][1]
    assert stored == here
