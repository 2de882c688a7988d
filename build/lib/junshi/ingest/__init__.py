"""Ingestion: read shop exports (CSV/TSV, XLSX, Parquet, JSON Lines; UTF-8 or GBK), map them to the
canonical tables (alias table or a platform preset), validate, quarantine bad rows, load atomically."""

from junshi.ingest.presets import PRESETS
from junshi.ingest.report import Example, FileLoad, IngestReport, ReasonCount
from junshi.ingest.run import ingest, parse_mapping

__all__ = ["PRESETS", "Example", "FileLoad", "IngestReport", "ReasonCount", "ingest", "parse_mapping"]
