"""Warnings for valid but suspicious configuration (SPEC §2.12 warning cases and ours)."""

from __future__ import annotations

from tarsy.config import ConfigWarning
from tests.unit.config.conftest import PROVIDERS, WriteConfig, load, marked_line


def warning_at(warnings: tuple[ConfigWarning, ...], key_path: str) -> ConfigWarning:
    matches = [w for w in warnings if w.key_path == key_path]
    assert matches, f"no warning at {key_path}: {[str(w) for w in warnings]}"
    return matches[0]


def test_stage_mixing_action_and_investigation_agents(write_config: WriteConfig) -> None:
    tarsy = (
        "defaults:\n  llm_provider: test\n"
        "agents:\n  Fixer: {type: action}\n"
        "agent_chains:\n  c:\n    alert_types: [a]\n    stages:\n      - name: s\n"
        "        agents: #<\n          - name: Fixer\n          - name: GeneralWorker\n"
    )
    warning = warning_at(load(write_config(tarsy)).warnings, "agent_chains.c.stages[0].agents")
    assert (warning.file, warning.line) == ("tarsy.yaml", marked_line(tarsy))
    assert "mixes action and non-action" in warning.message
    assert str(warning).startswith(
        f"tarsy.yaml:{marked_line(tarsy)}: agent_chains.c.stages[0].agents: "
    )


def test_native_tool_agent_without_google_native_fallback(write_config: WriteConfig) -> None:
    providers = PROVIDERS + "  gem:\n    type: google\n    model: g\n    api_key_env: K\n"
    tarsy = (
        "defaults:\n  llm_provider: test\n"
        "agent_chains:\n  c:\n    alert_types: [a]\n    llm_provider: gem\n"
        "    fallback_providers: [{provider: test, backend: langchain}]\n"
        "    stages:\n      - name: s\n        agents:\n          - name: WebResearcher #<\n"
        "          - name: CodeExecutor\n"
        "            fallback_providers: [{provider: test, backend: google-native}]\n"
    )
    config = load(write_config(tarsy, providers), {"K": "k"})
    warning = warning_at(config.warnings, "agent_chains.c.stages[0].agents[0]")
    assert warning.line == marked_line(tarsy)
    assert "no google-native entry" in warning.message
    assert all(w.key_path != "agent_chains.c.stages[0].agents[1]" for w in config.warnings)


def test_memory_enabled_but_scoring_disabled_everywhere(write_config: WriteConfig) -> None:
    tarsy = "defaults:\n  llm_provider: test\n  memory:\n    enabled: true #<\n"
    config = load(write_config(tarsy), {"GOOGLE_API_KEY": "k"})
    warning = warning_at(config.warnings, "defaults.memory.enabled")
    assert warning.line == marked_line(tarsy)
    tarsy_scored = tarsy + "  scoring: {enabled: true}\n"
    scored = load(write_config(tarsy_scored), {"GOOGLE_API_KEY": "k"})
    assert all(w.key_path != "defaults.memory.enabled" for w in scored.warnings)


def test_native_tools_on_a_non_google_provider(write_config: WriteConfig) -> None:
    providers = (
        PROVIDERS
        + "  o:\n    type: openai\n    model: m\n    native_tools: #<\n      google_search: true\n"
    )
    warning = warning_at(
        load(write_config(providers=providers)).warnings, "llm_providers.o.native_tools"
    )
    assert (warning.file, warning.line) == ("llm-providers.yaml", marked_line(providers))


def test_alert_masking_block_without_enabled(write_config: WriteConfig) -> None:
    tarsy = "defaults:\n  llm_provider: test\n  alert_masking: #<\n    pattern_group: basic\n"
    config = load(write_config(tarsy))
    assert config.defaults.alert_masking.enabled is False
    assert warning_at(config.warnings, "defaults.alert_masking").line == marked_line(tarsy)


def test_replicas_ignore_other_agents(write_config: WriteConfig) -> None:
    tarsy = (
        "defaults:\n  llm_provider: test\n"
        "agent_chains:\n  c:\n    alert_types: [a]\n    stages:\n      - name: s\n"
        "        replicas: 2 #<\n        agents: [{name: GeneralWorker}, {name: KubernetesAgent}]\n"
    )
    warning = warning_at(load(write_config(tarsy)).warnings, "agent_chains.c.stages[0].replicas")
    assert warning.line == marked_line(tarsy)


def test_clean_config_has_no_warnings(write_config: WriteConfig) -> None:
    assert load(write_config()).warnings == ()
