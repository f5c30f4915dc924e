"""Key path formatting and the masking-name catalog used by validation."""

from __future__ import annotations

from tarsy.config.locate import format_path
from tarsy.config.masking_names import CODE_MASKER_NAMES, PATTERN_GROUPS, PATTERN_NAMES


def test_format_path() -> None:
    assert format_path(("agent_chains", "k8s", "stages", 0, "agents", 1, "name")) == (
        "agent_chains.k8s.stages[0].agents[1].name"
    )
    assert format_path(("mcp_servers", "kubernetes-server")) == "mcp_servers.kubernetes-server"
    assert format_path(("system", "cost_estimation", "model_rates", "gemini-2.5-pro")) == (
        'system.cost_estimation.model_rates["gemini-2.5-pro"]'
    )
    assert format_path(()) == ""


def test_masking_catalog_matches_spec() -> None:
    assert set(PATTERN_GROUPS) == {"basic", "secrets", "security", "kubernetes", "cloud", "all"}
    for members in PATTERN_GROUPS.values():
        assert set(members) <= PATTERN_NAMES
    assert set(PATTERN_GROUPS["all"]) == PATTERN_NAMES
    assert {"kubernetes_secret"} == CODE_MASKER_NAMES
    assert PATTERN_GROUPS["security"] == (
        "api_key",
        "password",
        "token",
        "certificate",
        "certificate_authority_data",
        "email",
        "ssh_key",
    )
