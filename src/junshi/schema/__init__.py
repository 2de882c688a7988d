"""Canonical tables, their types, and the warehouse's schema version."""

from junshi.schema.tables import FACT_TABLES, MONEY, SCHEMA_VERSION, TABLES, Column, Table

__all__ = ["FACT_TABLES", "MONEY", "SCHEMA_VERSION", "TABLES", "Column", "Table"]
