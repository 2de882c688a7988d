"""The service analyses find what the simulator planted in the demo shop: the slow courier, the product
with size complaints, and what each review says (sim_truth_service, sim_truth_review_aspects)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import DEMO_END
from junshi.service.aspects import aspects
from junshi.service.dsr import dsr_forecast
from junshi.service.logistics import logistics
from junshi.service.reviews import review_aspects
from junshi.shop import connect
from junshi.simulate.truth import GroundTruth


def _planted(truth: GroundTruth, kind: str) -> dict[str, object]:
    problems = truth.service_problems()
    return dict(problems[problems["kind"] == kind].iloc[0])


def test_the_slow_courier_is_the_latest(demo_db: Path, demo_truth: GroundTruth) -> None:
    slow = _planted(demo_truth, "slow_carrier")["carrier"]
    with connect(demo_db) as shop:
        report = logistics(shop)
        dsr = {d["metric"]: d for d in dsr_forecast(shop)["scores"]}
    shares = {r["carrier"]: r["late_share"] for r in report.by_carrier}
    assert len(shares) == 5
    assert max(shares, key=lambda c: shares[c]) == slow
    assert report.rating_late is not None and report.rating_on_time is not None
    assert report.rating_late < report.rating_on_time
    assert dsr["dsr_logistics"]["carriers"][0]["carrier"] == slow
    assert dsr["dsr_logistics"]["peer"] is not None


def test_the_size_problem_tops_the_size_complaints(demo_db: Path, demo_truth: GroundTruth) -> None:
    product = _planted(demo_truth, "aspect_problem")["product_id"]
    with connect(demo_db) as shop:
        report = review_aspects(shop)
    size = next(a for a in report["aspects"] if a["aspect"] == "size")
    assert size["products"][0]["product_id"] == product
    assert size["examples"] and all(e["polarity"] < 0 for e in size["examples"])
    assert {a["aspect"] for a in report["aspects"]} == {
        "logistics", "size", "quality", "service", "price", "packaging", "color", "smell", "workmanship"}


def test_the_tagger_reads_what_the_simulator_wrote(demo_db: Path, demo_truth: GroundTruth) -> None:
    """Every simulated review's aspects as written (sim_truth_review_aspects) against the tagger's: the
    simulator's clauses are plain, so all must agree (a check of the demo's content, not an evaluation:
    see test_service_aspects for that)."""
    written = demo_truth.review_aspects()
    with connect(demo_db) as shop:
        texts = shop.table("reviews").select("review_id", "text").execute()
    expected = {(r.review_id, r.aspect, int(r.polarity)) for r in written.itertuples()}
    got = {(i, a, p) for i, t in zip(texts["review_id"], texts["text"], strict=True) for a, p in aspects(t).items()}
    assert len(expected) > 1000
    assert got == expected


def test_aspects_counted_per_text_equal_every_review_counted(demo_db: Path, demo_truth: GroundTruth) -> None:
    """The aspect table counts each distinct text's reviews in DuckDB and tags the text once; here every review
    of the last 30 days is counted with its written aspects (equal to the tagger's: the test above): the same
    mentions, negative mentions, months and newest negative examples per aspect."""
    end = DEMO_END
    start = end - dt.timedelta(days=29)
    with connect(demo_db) as shop:
        report = review_aspects(shop, start, end)
        reviews = shop.table("reviews").execute()
    reviews = reviews[reviews["created_at"].dt.date.between(start, end) & reviews["text"].str.strip().ne("")]
    said = reviews.merge(demo_truth.review_aspects(), on="review_id")
    assert report["reviews"] == len(reviews) and len(said) > 100
    for row in report["aspects"]:
        mine = said[said["aspect"] == row["aspect"]]
        negative = mine[mine["polarity"] < 0]
        assert (row["mentions"], row["negative"]) == (len(mine), len(negative))
        months = mine.assign(month=mine["created_at"].dt.strftime("%Y-%m")).groupby("month")["polarity"]
        assert [(t["month"], t["mentions"]) for t in row["trend"]] == list(months.size().items())
        newest = (negative if len(negative) else mine).sort_values(["created_at", "review_id"],
                                                                   ascending=[False, True])
        assert [e["review_id"] for e in row["examples"]] == list(newest["review_id"].head(3))
    assert sum(r["mentions"] for r in report["aspects"]) == len(said)
