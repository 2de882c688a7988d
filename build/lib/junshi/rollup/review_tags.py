"""``rollup_review_tags``: each day's distinct review texts with their aspects (``junshi.service.aspects``), tagged at
load time so that the 服务 page and the DSR forecast count aspects without running the tagger.

A review's text does not change, and a text's tags are the same wherever it is written: a recompute tags only the
texts no row of this tagger version holds yet (of any day or shop), and a text that is not in Chinese is marked not
read without the model. Rows of another tagger version (an upgrade changed the lexicon, model or weights) are never
read, and their days are recomputed by the next refresh (:func:`stale_days`).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from junshi.rollup.build import _dates, _within
from junshi.rollup.tables import REVIEW_TAGS


def recompute_review_tags(con: duckdb.DuckDBPyConnection, shop_id: str, days: list[dt.date]) -> None:
    """Replace the rows of ``days`` (sorted): per day, the distinct texts of its reviews with their tags."""
    from junshi.service.aspects import aspects_of, encode_tags, is_chinese, tagger_version

    params = {"shop": shop_id, "model": tagger_version()}
    con.execute("CREATE OR REPLACE TEMP TABLE _rollup_texts AS SELECT DISTINCT CAST(created_at AS DATE) AS date, text "
                f"FROM reviews WHERE shop_id = $shop AND text IS NOT NULL AND {_within('created_at', days)}",
                {"shop": shop_id})
    con.execute(  # the tags this version already gave each text (before this shop's rows of the days go)
        "CREATE OR REPLACE TEMP TABLE _rollup_known AS SELECT text, any_value(read) AS read, any_value(tags) AS tags "
        f"FROM {REVIEW_TAGS.name} WHERE model = $model AND text IN (SELECT text FROM _rollup_texts) GROUP BY text",
        {"model": params["model"]})
    new = [t for (t,) in con.execute("SELECT DISTINCT text FROM _rollup_texts WHERE text NOT IN "
                                     "(SELECT text FROM _rollup_known) ORDER BY text").fetchall()]
    tagged = pa.table({"text": pa.array(new, pa.string()), "read": [is_chinese(t) for t in new],
                       "tags": [encode_tags(tuple(a.items())) for a in aspects_of(new)]})
    con.execute(f"DELETE FROM {REVIEW_TAGS.name} WHERE shop_id = $shop AND date IN ({_dates(days)})",
                {"shop": shop_id})
    con.register("_rollup_tagged", tagged)
    try:
        con.execute(f"INSERT INTO {REVIEW_TAGS.name} SELECT $shop, t.date, t.text, $model, k.read, k.tags "
                    "FROM _rollup_texts t JOIN (SELECT * FROM _rollup_known UNION ALL SELECT * FROM _rollup_tagged) k "
                    "ON k.text = t.text", params)
    finally:
        con.unregister("_rollup_tagged")
    con.execute("DROP TABLE _rollup_texts")
    con.execute("DROP TABLE _rollup_known")


def stale_days(con: duckdb.DuckDBPyConnection, shop_id: str) -> set[dt.date]:
    """The shop's days whose texts another tagger version tagged."""
    from junshi.service.aspects import tagger_version

    rows = con.execute(f"SELECT DISTINCT date FROM {REVIEW_TAGS.name} WHERE shop_id = ? AND model <> ?",
                       [shop_id, tagger_version()]).fetchall()
    return {d for (d,) in rows}


RECOMPUTE = {REVIEW_TAGS.name: recompute_review_tags}
"""The recompute of each table, by name."""
