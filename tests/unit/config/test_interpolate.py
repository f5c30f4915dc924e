"""Environment interpolation of raw config text."""

from __future__ import annotations

from pathlib import Path

from tarsy.config import SESSION_ID_PLACEHOLDER, expand_env
from tests.unit.config.conftest import WriteConfig, find_error, load, load_errors


def test_go_template_placeholders_with_and_without_spaces() -> None:
    text = "a: {{.A}}\nb: {{ .B }}\nc: {{\t.A\t}}\n"
    assert expand_env(text, {"A": "x", "B": "y"}).text == "a: x\nb: y\nc: x\n"


def test_dollar_placeholders() -> None:
    assert expand_env("url: ${HOST}:${PORT}\n", {"HOST": "h", "PORT": "80"}).text == "url: h:80\n"


def test_unknown_variables_become_empty() -> None:
    assert expand_env("a: '{{.NOPE}}${NADA}'\n", {}).text == "a: ''\n"


def test_session_id_is_preserved_in_both_syntaxes() -> None:
    text = "h: {{.SESSION_ID}}\ni: {{ .SESSION_ID }}\nj: ${SESSION_ID}\n"
    expanded = expand_env(text, {"SESSION_ID": "would-be-wrong"}).text
    assert expanded == f"h: {SESSION_ID_PLACEHOLDER}\ni: {SESSION_ID_PLACEHOLDER}\n" + (
        f"j: {SESSION_ID_PLACEHOLDER}\n"
    )


def test_malformed_go_template_passes_through_unchanged() -> None:
    text = "a: {{.A}}\nb: {{ broken\n"
    assert expand_env(text, {"A": "x"}).text == text
    other = "a: {{.A}}\nb: {{ upper .A }}\n"
    assert expand_env(other, {"A": "x"}).text == other


def test_dollar_syntax_still_works_when_go_template_is_malformed() -> None:
    assert expand_env("a: {{ x\nb: ${B}\n", {"B": "1"}).text == "a: {{ x\nb: 1\n"


def test_regex_dollars_are_untouched_and_double_dollar_escapes() -> None:
    text = "r: '$1 ${1} $$${name} $'\n"
    assert expand_env(text, {"name": "no"}).text == "r: '$1 ${1} $${name} $'\n"


def test_values_are_not_expanded_twice() -> None:
    assert expand_env("a: {{.A}}\n", {"A": "${B}", "B": "no"}).text == "a: ${B}\n"


def test_line_numbers_survive_single_line_values() -> None:
    text = "a: {{.A}}\nb: 2\n"
    expansion = expand_env(text, {"A": "value"})
    assert expansion.origins is None
    assert expansion.text.count("\n") == text.count("\n")


def test_multi_line_values_map_back_to_the_written_line() -> None:
    expansion = expand_env("a: {{.A}}\nb: 2\nc: 3\n", {"A": "|\n  x\n  y"})
    assert expansion.text.splitlines()[3] == "b: 2"
    assert expansion.original_line(4) == 2
    assert expansion.original_line(5) == 3
    assert expansion.original_line(2) == 1


def test_error_line_after_multi_line_value_points_at_the_file(
    write_config: WriteConfig,
) -> None:
    tarsy = (
        'defaults:\n  llm_provider: test\n  runbook: "{{.RUNBOOK}}"\nqueue:\n  worker_count: 99\n'
    )
    directory = write_config(tarsy)
    error = find_error(load_errors(directory, {"RUNBOOK": "one\ntwo\nthree"}), "queue.worker_count")
    assert error.line == 5


def test_interpolated_values_reach_the_config(write_config: WriteConfig) -> None:
    tarsy = (
        "defaults:\n  llm_provider: test\n"
        "mcp_servers:\n  m:\n    transport:\n      type: http\n      url: '{{.URL}}/mcp'\n"
        "      custom_headers:\n        X-Session-ID: '{{.SESSION_ID}}'\n"
        "      bearer_token: ${TOKEN}\n"
    )
    config = load(write_config(tarsy), {"URL": "https://mcp.example.com", "TOKEN": "t0k"})
    transport = config.mcp_servers["m"].transport
    assert transport.url == "https://mcp.example.com/mcp"
    assert transport.bearer_token == "t0k"
    assert transport.custom_headers == {"X-Session-ID": SESSION_ID_PLACEHOLDER}


def test_builtin_kubeconfig_comes_from_the_environment(tmp_path: Path) -> None:
    from tarsy.config import load_config

    (tmp_path / "tarsy.yaml").write_text("defaults:\n  llm_provider: local\n")
    (tmp_path / "llm-providers.yaml").write_text(
        "llm_providers:\n  local:\n    type: scripted\n    model: demo-scripted\n"
    )
    with_path = load_config(tmp_path, env={"KUBECONFIG": "/etc/kube/config"})
    args = with_path.mcp_servers["kubernetes-server"].transport.args
    assert args[-2:] == ("--kubeconfig", "/etc/kube/config")
    without = load_config(tmp_path, env={}).mcp_servers["kubernetes-server"].transport.args
    assert "--kubeconfig" not in without
