"""`tarsy config check` names file, key path and line for bad configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tarsy.cli.main import app
from tarsy.db.migrate import shipped_head

REFERENCE = Path(__file__).parents[2] / "fixtures" / "config" / "reference"

GOOD_CHAIN = """\
agent_chains:
  custom:
    alert_types: [custom]
    llm_provider: local
    stages:
      - name: s1
        agents:
          - name: KubernetesAgent
"""
PROVIDERS = "llm_providers:\n  local:\n    type: scripted\n    model: demo-scripted\n"

CASES = {
    "unknown key": (
        GOOD_CHAIN + "queue:\n  worker_count: 2\n  surprise: true\n",
        PROVIDERS,
        ["tarsy.yaml:11", "queue.surprise", "unknown key"],
    ),
    "missing provider": (
        GOOD_CHAIN.replace("llm_provider: local", "llm_provider: nowhere"),
        PROVIDERS,
        ["tarsy.yaml:4", "agent_chains.custom.llm_provider", "nowhere"],
    ),
    "missing agent": (
        GOOD_CHAIN.replace("name: KubernetesAgent", "name: GhostAgent"),
        PROVIDERS,
        ["tarsy.yaml:8", "agent_chains.custom.stages[0].agents[0].name", "GhostAgent"],
    ),
    "missing MCP server": (
        GOOD_CHAIN + "    mcp_servers: [ghost-server]\n",
        PROVIDERS,
        ["tarsy.yaml:9", "agent_chains.custom.mcp_servers", "ghost-server"],
    ),
    "invalid YAML": (GOOD_CHAIN + "  broken: [\n", PROVIDERS, ["tarsy.yaml:", "invalid YAML"]),
    "invalid providers YAML": (
        GOOD_CHAIN,
        PROVIDERS + "  bad:\n    type: [unclosed\n",
        ["llm-providers.yaml:7", "invalid YAML"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_check_reports_file_key_and_line(tmp_path: Path, case: str) -> None:
    tarsy_yaml, providers_yaml, needles = CASES[case]
    (tmp_path / "tarsy.yaml").write_text(tarsy_yaml)
    (tmp_path / "llm-providers.yaml").write_text(providers_yaml)
    result = CliRunner().invoke(app, ["config", "check", "--config-dir", str(tmp_path)])
    assert result.exit_code != 0
    for needle in needles:
        assert needle in result.output, (needle, result.output)


def test_config_check_accepts_a_good_directory(tmp_path: Path) -> None:
    (tmp_path / "tarsy.yaml").write_text(GOOD_CHAIN)
    (tmp_path / "llm-providers.yaml").write_text(PROVIDERS)
    result = CliRunner().invoke(app, ["config", "check", "--config-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.output


def test_config_check_without_directory_uses_the_demo() -> None:
    result = CliRunner().invoke(app, ["config", "check"], env={"CONFIG_DIR": ""})
    assert result.exit_code == 0, result.output
    assert "built-in demo configuration" in result.output


def test_missing_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "tarsy.yaml").write_text(GOOD_CHAIN)
    result = CliRunner().invoke(app, ["config", "check", "--config-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "llm-providers.yaml" in result.output


def test_migrate_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    result = CliRunner().invoke(app, ["migrate"], env={"TARSY_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert f"database at revision {shipped_head()}" in result.output
    assert (tmp_path / "fresh.db").exists()
