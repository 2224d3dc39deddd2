"""Schemathesis against the app's own OpenAPI schema (in-process ASGI): no input yields a 500.

Every operation is called with the admin token, so upload, delete, re-index and the feedback
listing are exercised past authentication (re-index is a no-op rebuild here: the endpoint is tested,
not the indexer)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from assistant.settings import Settings
from web.app import create_app


@pytest.fixture(scope="module")
def api_schema(hashing_assistant, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root: Path = tmp_path_factory.mktemp("schemathesis")
    (root / "corpus").mkdir()
    settings = Settings(
        corpus_dir=root / "corpus",  # uploads/deletes (if any got through) stay in a temp folder
        index_dir=root / "index",
        feedback_db=root / "feedback.sqlite3",
        embedder="hashing",
        rate_limit_per_minute=0,
        admin_token=TOKEN,
    )
    app = create_app(settings, assistant=hashing_assistant)
    app.state.rebuild = lambda _settings, current: current
    return schemathesis.openapi.from_asgi("/openapi.json", app)


TOKEN = "schemathesis-admin-token"

# Found by this test; owned outside issue 6. Strict xfail: once fixed, the marker must be removed.
KNOWN_500: dict[str, str] = {}


def _labels() -> list[str]:
    spec = create_app(Settings()).openapi()  # the schema only; no assistant is built
    methods = {"get", "post", "put", "delete", "patch"}
    return sorted(f"{m.upper()} {path}" for path, ops in spec["paths"].items() for m in ops if m in methods)


@pytest.mark.parametrize(
    "label",
    [
        pytest.param(label, marks=pytest.mark.xfail(strict=True, reason=KNOWN_500[label]))
        if label in KNOWN_500
        else label
        for label in _labels()
    ],
)
def test_no_server_errors(api_schema, label: str) -> None:  # type: ignore[no-untyped-def]
    """Bounded examples per operation (driven through hypothesis: the pytest plugin is not pytest-9 ready)."""
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=[not_a_server_error])

    run()
