"""Fake-order detection on seeded simulations: precision, recall and average precision per ring shape,
with honest look-alikes (families, offices, loyal one-page buyers, loyal buyers paying from a chat link, new
accounts buying once) planted. Prints a Markdown table.

    python bench/risk_eval.py --seeds 0 1            # the seeds the default threshold was chosen on
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

from sklearn.metrics import average_precision_score

from junshi.risk import DEFAULT_THRESHOLD, score_orders
from junshi.risk.score import WEIGHTS
from junshi.simulate import simulate
from junshi.simulate.lookalikes import plant_lookalikes, reshape_ring
from junshi.warehouse import Warehouse

SHAPES = {  # name -> (accounts, addresses, devices, browse)
    "12 accounts, 3 addresses, 2 devices": (12, 3, 2, False),
    "12 accounts, 6 addresses, 1 device": (12, 6, 1, False),
    "12 accounts, 12 addresses, 2 devices": (12, 12, 2, False),
    "12 accounts, 3 addresses, 2 devices, item page first": (12, 3, 2, True),
    "6 accounts, 2 addresses, 1 device": (6, 2, 1, False),
    "6 accounts, 6 addresses, 2 devices, item page first": (6, 6, 2, True),
    "4 accounts, 2 addresses, 1 device (below the ring size)": (4, 2, 1, False),
}
END = dt.date(2024, 6, 30)
DAYS = 120


def evaluate(seed: int, shape: tuple[int, int, int, bool], folder: Path, threshold: float,
             pooled: list[tuple[bool, float]]) -> dict[str, float]:
    """precision, recall, average precision and false positives among look-alikes for one simulation;
    appends (is fake, score) of every order to ``pooled``."""
    db = folder / f"s{seed}-{'-'.join(str(int(v)) for v in shape)}.duckdb"
    truth = simulate(db, days=DAYS, visitors_per_day=300, seed=seed, end_date=END)
    looks = plant_lookalikes(db, seed=seed)
    reshape_ring(db, accounts=shape[0], addresses=shape[1], devices=shape[2], browse=shape[3])
    wh = Warehouse(db)
    scored = score_orders(wh, "default", END - dt.timedelta(days=DAYS - 1), END, threshold)
    look_orders = set(wh.con.execute(
        "SELECT order_id FROM orders WHERE customer_id IN (SELECT unnest(?))", [list(looks["customer_id"])]
    ).df()["order_id"]) | set(looks["order_id"].dropna())
    wh.close()
    fake = set(truth.fake_order_ids)
    pooled.extend((o.order_id in fake, o.score) for o in scored)
    suspects = {o.order_id for o in scored if o.suspect}
    tp = len(suspects & fake)
    return {"precision": tp / max(len(suspects), 1), "recall": tp / max(len(fake), 1),
            "ap": float(average_precision_score([o.order_id in fake for o in scored], [o.score for o in scored])),
            "fake": len(fake), "lookalike_orders": len(look_orders - fake),
            "lookalikes_flagged": len((suspects & look_orders) - fake)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    print("| ring shape | seed | fake orders | precision | recall | average precision | look-alike orders | "
          "look-alikes flagged |")
    print("|---|---|---|---|---|---|---|---|")
    pooled: list[tuple[bool, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, shape in SHAPES.items():
            for seed in args.seeds:
                r = evaluate(seed, shape, Path(tmp), args.threshold, pooled)
                print(f"| {name} | {seed} | {r['fake']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['ap']:.3f} | "
                      f"{r['lookalike_orders']} | {r['lookalikes_flagged']} |", flush=True)
    sweep(pooled)


def sweep(pooled: list[tuple[bool, float]]) -> None:
    """Pooled precision, recall and F1 at each threshold (the default is the best F1, ties to the higher)."""
    print("\n| threshold | precision | recall | F1 |\n|---|---|---|---|")
    best: tuple[float, float] = (-1.0, 0.0)
    for t in [round(0.3 + 0.05 * k, 2) for k in range(11)]:
        tp = sum(f and s >= t for f, s in pooled)
        flagged = sum(s >= t for _, s in pooled)
        fake = sum(f for f, _ in pooled)
        p, r = tp / max(flagged, 1), tp / max(fake, 1)
        f1 = 2 * p * r / max(p + r, 1e-9)
        print(f"| {t:.2f} | {p:.3f} | {r:.3f} | {f1:.3f} |")
        if t > max(WEIGHTS.values()) and f1 >= best[0]:
            best = (f1, t)
    print(f"\nBest F1 above the largest single weight ({max(WEIGHTS.values())}): {best[1]:.2f} (F1 {best[0]:.3f})")


if __name__ == "__main__":
    main()
