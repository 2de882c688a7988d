"""Schedules: reports sent at set times by one runner process. See docs/reports.md."""

from junshi.schedules.store import Schedule, add_schedule, list_schedules, make_schedule, remove_schedule

__all__ = ["Schedule", "add_schedule", "list_schedules", "make_schedule", "remove_schedule"]
