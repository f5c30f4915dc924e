"""The demo cluster's kubectl-like views tell a consistent story (no MCP involved)."""

from __future__ import annotations

import pytest

from tarsy.config import load_config
from tarsy.democluster import kubectl


def test_pods_show_the_four_failures() -> None:
    pods = kubectl.get_pods()
    for status in ("CrashLoopBackOff", "OOMKilled", "ImagePullBackOff"):
        assert status in pods
    assert "payments-5b8c7d6e4-z9y8x  0/1    Running" in pods


def test_crashloop_cause_is_a_missing_secret_key() -> None:
    logs = kubectl.logs("api-7d9f8c6b5-x2k4q", "prod", previous=True)
    assert "DATABASE_URL" in logs
    secret = kubectl.describe("secret", "api-db-credentials", "prod")
    assert "DB_PASSWORD" in secret and "DATABASE_URL" not in secret
    assert "waiting to start" in kubectl.logs("api-7d9f8c6b5-x2k4q", "prod")


def test_secret_yaml_carries_values_that_masking_must_hide() -> None:
    yaml_text = kubectl.get("secrets", "api-db-credentials", "prod", output="yaml")
    assert "kind: Secret" in yaml_text and "DB_PASSWORD: " in yaml_text


def test_events_top_and_errors() -> None:
    assert "Readiness probe failed" in kubectl.events("prod")
    assert "OOMKilling" in kubectl.events()
    assert "256Mi" in kubectl.top("pods", "prod")
    with pytest.raises(kubectl.NotFoundError, match="not found"):
        kubectl.describe("pod", "nope", "prod")
    with pytest.raises(kubectl.NotFoundError, match="resource type"):
        kubectl.get("widgets")


def test_demo_configuration_runs_the_demo_cluster_over_stdio() -> None:
    server = load_config(None).mcp_servers["kubernetes-server"]
    assert server.transport.type == "stdio"
    assert server.transport.args == ("-m", "tarsy.democluster")
    assert server.data_masking is not None and server.data_masking.enabled
