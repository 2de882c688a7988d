"""Canonical tables, their types, and the warehouse's schema version."""

from junshi.schema.tables import (
    DAILY_TABLES,
    FACT_TABLES,
    MONEY,
    SCHEMA_VERSION,
    SYSTEM_TABLES,
    TABLES,
    Column,
    Table,
)

__all__ = ["DAILY_TABLES", "FACT_TABLES", "MONEY", "SCHEMA_VERSION", "SYSTEM_TABLES", "TABLES", "Column", "Table"]
