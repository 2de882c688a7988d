"""Precision and recall of the alerts against a simulated shop's planted events (its ground truth).

An alert is a true positive when it falls on a planted event's days (plus ``lag`` days for effects that
show later, e.g. deliveries after a courier delay) and names where the event happened: the event's
source or product, that product's category, the shop as a whole for shop-wide events, or (fake orders)
the source most of the fake orders came through. An event is found when at least one alert matches it.
Days of the promotion window are left out of both counts: they are declared promotion days, expected
to move, and the presale-distortion alerts there are checked separately.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from junshi.analysis.alerts import Alert

LAG = {"courier_delay": 10}  # days after the event's end on which its effect still shows


class Event(Protocol):
    """A planted event (``junshi.simulate.PlantedEvent`` or anything shaped like it)."""

    @property
    def event_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...
    @property
    def source(self) -> str | None: ...
    @property
    def product_id(self) -> str | None: ...


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    alerts: int
    true_alerts: int
    found: list[str]
    missed: list[str]
    false_alerts: list[dict[str, Any]]


def _places(ev: Event, category: Mapping[str, str], fake_source: str | None) -> set[tuple[str, str | None]]:
    places: set[tuple[str, str | None]] = set()
    if ev.source:
        places.add(("source", ev.source))
    if ev.product_id:
        places |= {("product", ev.product_id), ("category", category.get(ev.product_id))}
    if ev.kind in ("traffic_drop", "courier_delay", "fake_orders"):
        places.add(("shop", None))
    if ev.kind == "fake_orders" and fake_source:
        places.add(("source", fake_source))
    return places


def matches(alert: Alert, ev: Event, category: Mapping[str, str], fake_source: str | None = None,
            slack: int = 2) -> bool:
    """Whether ``alert`` points at the planted event ``ev``."""
    last = ev.end + timedelta(days=LAG.get(ev.kind, slack))
    keys = alert.numbers.get("keys", []) if alert.code.endswith("_group") else [alert.key]
    places = _places(ev, category, fake_source)
    return ev.start <= alert.day <= last and any((alert.level, k) in places for k in keys)


def evaluate(alerts: Iterable[Alert], events: Sequence[Event], category: Mapping[str, str], *,
             excluded_days: Iterable[date] = (), fake_source: str | None = None) -> Score:
    """Precision (alerts that match a planted event) and recall (events matched by an alert)."""
    skip = set(excluded_days)
    kept = [a for a in alerts if a.day not in skip]
    true = [a for a in kept if any(matches(a, ev, category, fake_source) for ev in events)]
    found = [ev.event_id for ev in events if any(matches(a, ev, category, fake_source) for a in kept)]
    false = [{"day": a.day.isoformat(), "code": a.code, "level": a.level, "key": a.key, "metric": a.metric,
              "severity": a.severity} for a in kept if a not in true]
    return Score(len(true) / len(kept) if kept else 1.0, len(found) / len(events) if events else 1.0,
                 len(kept), len(true), found, [ev.event_id for ev in events if ev.event_id not in found], false)
