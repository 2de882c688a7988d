"""A schemathesis fuzz run of the published OpenAPI schema: no input may cause a server error, and every answer
matches the response schema the API publishes for it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from junshi.api import create_app

TOKEN = "fuzz-token-0123456789abcdef"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = 12  # per operation; the run stays within the test budget


def test_no_input_causes_a_server_error(demo_db: Path, tmp_path: Path) -> None:
    """Every operation of /openapi.json, with generated valid and invalid inputs, answers below 500 with a body
    that conforms to the operation's documented response schema (the pydantic models; errors: the error shape)."""
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(db, TOKEN), headers=HEADERS)
    results = list(schema.get_all_operations())
    assert all(isinstance(r, Ok) for r in results), "the published schema is invalid"
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            # a diagnosis may take longer than the client's default 10 s on a busy 2-core machine
            checks = [not_a_server_error, response_schema_conformance]
            case.call_and_validate(headers=HEADERS, checks=checks, timeout=120)

        try:
            run()
        except Exception as exc:
            pytest.fail(f"{operation.label}: {exc}")
