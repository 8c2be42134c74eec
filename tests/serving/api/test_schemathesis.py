"""Property-based API fuzzing over the OpenAPI document (in-process ASGI): no input may cause a server error.

schemathesis' pytest plugin does not run under pytest 9 here, so the test drives its strategies with hypothesis
directly: every operation of the schema, ``MAX_EXAMPLES`` generated requests each, as the admin (who passes every
role check, so handlers really run).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings

from serving.api.routes.keys import create_key
from serving.app import create_app
from serving.core.config import Settings
from tests.serving.api.conftest import SECRET

MAX_EXAMPLES = 20


def test_schemathesis_no_server_errors(tiny_bundle: Path, tmp_path: Path) -> None:
    app = create_app(
        Settings(
            environment="test",
            secret_key=SECRET,
            database_url=f"sqlite:///{tmp_path / 'medcode.db'}",
            icd_bundle=str(tiny_bundle),
            rate_limit_burst=100_000,
            rate_limit_per_minute=1_000_000,
            max_batch=5,
        )
    )
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)  # starts the app's lifespan once
    with app.state.database.writer() as session:
        headers = {"X-API-Key": create_key(session, "fuzzer", "admin")[1]}
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "DELETE":
            continue  # revoking keys is covered by the contract tests; fuzzing it would revoke the fuzzer's key
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}")

        run()
    assert operations >= 15
    assert not failures, "\n".join(failures[:10])
    assert sum(n for status, n in statuses.items() if status < 300) > 0, statuses
    print(f"schemathesis: {operations} operations, {sum(statuses.values())} requests, statuses {dict(statuses)}")
