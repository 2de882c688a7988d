"""SQL macros that turn exported text into typed values, in DuckDB (no Python row loops).

Installed as temporary macros on the loading connection for one run:

- ``_ji_ts(s)``: a shop-local TIMESTAMP (naive ISO text takes a fast path). Naive text
  (``2011-12-09 12:50``, ``2017/1/2 3:04``, ``20170101``) is taken as shop-local wall-clock time.
  Text with a UTC offset or zone (``...Z``, ``+08:00``, `` -0500``, `` UTC``) and Unix seconds
  (9-10 digits) or milliseconds (12-13 digits) are converted to the shop's time zone.
- ``_ji_money(s)``: DECIMAL(18,4), currency signs and thousands separators removed (round when stored).
- ``_ji_int(s)``: BIGINT for whole numbers only (``1.5`` is not a quantity; ``17850.0`` is 17850).
- ``_ji_bool(s)``: true/false/1/0/yes/no/y/n/是/否.
- ``_ji_text(s)``: trimmed text, NULL when empty.
"""

from __future__ import annotations

import duckdb

_NAIVE_FORMATS = [
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d", "%Y%m%d%H%M%S",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日",
    "%Y.%m.%d %H:%M:%S", "%Y.%m.%d",
]


def install_macros(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    """Create the parsing macros for a shop in ``timezone`` (an IANA name)."""
    tz = timezone.replace("'", "''")
    fmts = ", ".join("'" + f + "'" for f in _NAIVE_FORMATS)
    con.execute("CREATE OR REPLACE TEMP MACRO _ji_text(s) AS NULLIF(trim(CAST(s AS VARCHAR)), '')")
    con.execute(
        f"""CREATE OR REPLACE TEMP MACRO _ji_ts(s) AS (
        CASE
          WHEN s IS NULL THEN NULL
          WHEN strpos(s, 'Z') = 0 AND strpos(s, 'U') = 0 AND strpos(s, 'G') = 0 AND strpos(s, '+') = 0
               AND strpos(substr(s, 11), '-') = 0 AND TRY_CAST(s AS TIMESTAMP) IS NOT NULL
            THEN TRY_CAST(s AS TIMESTAMP)
          WHEN _ji_text(s) IS NULL THEN NULL
          WHEN regexp_full_match(_ji_text(s), '\\d{{9,10}}(\\.\\d+)?')
            THEN to_timestamp(CAST(_ji_text(s) AS DOUBLE)) AT TIME ZONE '{tz}'
          WHEN regexp_full_match(_ji_text(s), '\\d{{12,13}}')
            THEN to_timestamp(CAST(_ji_text(s) AS DOUBLE) / 1000) AT TIME ZONE '{tz}'
          WHEN regexp_matches(_ji_text(s), '\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?\\s*(Z|UTC|GMT|[+-]\\d\\d(:?\\d\\d)?)$')
            THEN TRY_CAST(regexp_replace(regexp_replace(_ji_text(s), '\\s*(GMT|UTC)$', '+00:00'),
                                         '\\s+([+-]\\d\\d):?(\\d\\d)$', '\\1:\\2') AS TIMESTAMPTZ)
                 AT TIME ZONE '{tz}'
          ELSE COALESCE(TRY_CAST(replace(_ji_text(s), 'T', ' ') AS TIMESTAMP),
                        try_strptime(_ji_text(s), [{fmts}]))
        END)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP MACRO _ji_money(s) AS (
             CASE WHEN regexp_full_match(s, '[+-]?\\d{1,14}(\\.\\d{1,4})?') THEN CAST(s AS DECIMAL(18,4))
             ELSE TRY_CAST(NULLIF(regexp_replace(_ji_text(s),
                    '(R\\$|US\\$|RMB|CNY|USD|GBP|BRL|EUR|元|[¥￥$€£,\\s])', '', 'g'), '') AS DECIMAL(18,4)) END)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP MACRO _ji_int(s) AS (
             CASE WHEN s IS NULL THEN NULL
                  WHEN regexp_full_match(s, '[+-]?\\d{1,17}(\\.0*)?') THEN CAST(split_part(s, '.', 1) AS BIGINT)
                  WHEN TRY_CAST(_ji_text(s) AS DOUBLE) = floor(TRY_CAST(_ji_text(s) AS DOUBLE))
                   AND abs(TRY_CAST(_ji_text(s) AS DOUBLE)) < 9e15
             THEN CAST(TRY_CAST(_ji_text(s) AS DOUBLE) AS BIGINT) END)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP MACRO _ji_bool(s) AS (
             CASE WHEN lower(_ji_text(s)) IN ('true', 't', '1', 'yes', 'y', '是') THEN true
                  WHEN lower(_ji_text(s)) IN ('false', 'f', '0', 'no', 'n', '否') THEN false END)"""
    )


def typed(sql_type: str, expr: str, *, trim: bool = True) -> str:
    """SQL turning the text ``expr`` into ``sql_type`` (NULL when it does not parse; text trimmed unless not
    ``trim``)."""
    if sql_type == "TIMESTAMP":
        return f"_ji_ts({expr})"
    if sql_type == "DATE":
        return f"CAST(_ji_ts({expr}) AS DATE)"
    if sql_type.startswith("DECIMAL"):
        return f"CAST(_ji_money({expr}) AS {sql_type})"
    if sql_type in ("INTEGER", "BIGINT"):
        return f"CAST(_ji_int({expr}) AS {sql_type})"
    if sql_type == "DOUBLE":
        return f"TRY_CAST(_ji_text({expr}) AS DOUBLE)"
    if sql_type == "BOOLEAN":
        return f"_ji_bool({expr})"
    return f"_ji_text({expr})" if trim else f"NULLIF({expr}, '')"


def quote_ident(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def quote_str(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"
