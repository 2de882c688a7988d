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


_SPARK_FORMATS = [  # _NAIVE_FORMATS in Java's pattern letters (one letter: one or two digits, as strptime)
    "yyyy/M/d H:m:s", "yyyy/M/d H:m", "yyyy/M/d", "yyyyMMdd", "yyyyMMddHHmmss",
    "d/M/yyyy H:m:s", "d/M/yyyy H:m", "d/M/yyyy", "yyyy年M月d日 H:m:s", "yyyy年M月d日",
    "yyyy.M.d H:m:s", "yyyy.M.d",
]


def _spark_str(value: str) -> str:
    """A Spark SQL string literal (Spark reads backslash escapes in literals)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def spark_macros(timezone: str) -> list[str]:
    """The same parsing functions as :func:`install_macros`, as Spark SQL functions (``CREATE TEMPORARY
    FUNCTION ... RETURN``), for loads read and checked by Spark. Each mirrors its DuckDB macro case by case;
    tests/test_lake_ingest.py checks both engines give the same rows and quarantine on the same files."""
    tz = _spark_str(timezone)
    fmts = ", ".join(f"try_to_timestamp(t, {_spark_str(f)})" for f in _SPARK_FORMATS)
    iso = _spark_str(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")  # what DuckDB casts
    offset = _spark_str(r"\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|UTC|GMT|[+-]\d\d(:?\d\d)?)$")
    money = _spark_str(r"(R\$|US\$|RMB|CNY|USD|GBP|BRL|EUR|元|[¥￥$€£,\s])")
    unix_s, unix_ms = _spark_str(r"^\d{9,10}(\.\d+)?$"), _spark_str(r"^\d{12,13}$")
    utc, zone = _spark_str(r"\s*(GMT|UTC)$"), _spark_str(r"\s+([+-]\d\d):?(\d\d)$")
    decimal, whole = _spark_str(r"^[+-]?\d{1,14}(\.\d{1,4})?$"), _spark_str(r"^[+-]?\d{1,17}(\.0*)?$")
    return [
        "CREATE OR REPLACE TEMPORARY FUNCTION _ji_text(s STRING) RETURNS STRING RETURN nullif(trim(s), '')",
        "CREATE OR REPLACE TEMPORARY FUNCTION _ji_ts_of(t STRING) RETURNS TIMESTAMP_NTZ RETURN CASE"
        f" WHEN t RLIKE {unix_s}"
        f"  THEN convert_timezone('UTC', {tz}, CAST(timestamp_micros(CAST(round(CAST(t AS DOUBLE) * 1000000)"
        "   AS BIGINT)) AS TIMESTAMP_NTZ))"
        f" WHEN t RLIKE {unix_ms}"
        f"  THEN convert_timezone('UTC', {tz}, CAST(timestamp_millis(CAST(t AS BIGINT)) AS TIMESTAMP_NTZ))"
        f" WHEN t RLIKE {offset}"
        f"  THEN convert_timezone('UTC', {tz}, CAST(try_cast(regexp_replace(regexp_replace(t,"
        f"   {utc}, '+00:00'), {zone}, '$1:$2')"
        "   AS TIMESTAMP_LTZ) AS TIMESTAMP_NTZ))"
        f" WHEN t RLIKE {iso} THEN try_cast(t AS TIMESTAMP_NTZ)"
        f" ELSE CAST(coalesce({fmts}) AS TIMESTAMP_NTZ) END",
        "CREATE OR REPLACE TEMPORARY FUNCTION _ji_ts(s STRING) RETURNS TIMESTAMP_NTZ RETURN _ji_ts_of(_ji_text(s))",
        "CREATE OR REPLACE TEMPORARY FUNCTION _ji_money(s STRING) RETURNS DECIMAL(18,4) RETURN CASE"
        f" WHEN s RLIKE {decimal} THEN CAST(s AS DECIMAL(18,4))"
        f" ELSE try_cast(nullif(regexp_replace(_ji_text(s), {money}, ''), '') AS DECIMAL(18,4)) END",
        "CREATE OR REPLACE TEMPORARY FUNCTION _ji_int(s STRING) RETURNS BIGINT RETURN CASE"
        " WHEN s IS NULL THEN NULL"
        f" WHEN s RLIKE {whole} THEN CAST(split_part(s, '.', 1) AS BIGINT)"
        " WHEN try_cast(_ji_text(s) AS DOUBLE) = floor(try_cast(_ji_text(s) AS DOUBLE))"
        "  AND abs(try_cast(_ji_text(s) AS DOUBLE)) < 9e15 THEN CAST(try_cast(_ji_text(s) AS DOUBLE) AS BIGINT) END",
        "CREATE OR REPLACE TEMPORARY FUNCTION _ji_bool(s STRING) RETURNS BOOLEAN RETURN CASE"
        " WHEN lower(_ji_text(s)) IN ('true', 't', '1', 'yes', 'y', '是') THEN true"
        " WHEN lower(_ji_text(s)) IN ('false', 'f', '0', 'no', 'n', '否') THEN false END",
    ]
