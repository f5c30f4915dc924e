"""Property-based API testing with schemathesis against ``/openapi.json`` of a running server:
thousands of generated requests, no 5xx, and every response matches the documented schema."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.harness import TARSY, free_port, serve_env

EXAMPLES = 200
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``tarsy serve --role api`` on the demo configuration: the API without workers, so
    accepted alerts stay queued instead of starting thousands of investigations."""
    data = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    env = serve_env(data, port, LOG_LEVEL="error", TARSY_MCP_HEALTH_INTERVAL="0")
    proc = subprocess.Popen([TARSY, "serve", "--role", "api"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("tarsy serve exited")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def run_examples(operation: Any, sent: dict[str, int]) -> None:
    """Up to ``EXAMPLES`` generated requests to one operation, each checked."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(timeout=30)
        sent[operation.label] = sent.get(operation.label, 0) + 1
        case.validate_response(response, checks=CHECKS)

    check()


def test_generated_requests_get_documented_answers(server: str) -> None:
    api = schemathesis.openapi.from_url(f"{server}/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 15
    sent: dict[str, int] = {}
    for operation in operations:
        run_examples(operation, sent)
    assert sum(sent.values()) >= 2000, sent
    assert len(sent) == len(operations), "every operation was exercised"
