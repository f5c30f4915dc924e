"""``secret_values``: every credential the configuration names, for log redaction."""

from __future__ import annotations

from pathlib import Path

from tarsy.config import load_config
from tarsy.config.secrets import secret_values

TARSY = """\
defaults:
  llm_provider: openai-main
system:
  github: {token_env: RB_TOKEN}
  auth:
    modes: [token]
    tokens: [{name: ci, token_env: CI_API_TOKEN}]
mcp_servers:
  metrics:
    transport:
      type: http
      url: http://127.0.0.1:9000/mcp
      bearer_token: "{{.METRICS_TOKEN}}"
      custom_headers: {X-Api-Key: header-secret-42}
"""
PROVIDERS = """\
llm_providers:
  openai-main: {type: openai, model: gpt-5, api_key_env: OPENAI_KEY}
"""
ENV = {
    "OPENAI_KEY": "sk-openai-value-1",
    "RB_TOKEN": "ghp_runbook_value",
    "CI_API_TOKEN": "ci-token-value",
    "METRICS_TOKEN": "metrics-bearer-value",
    "UNRELATED": "not-a-secret-at-all",
    "SLACK_BOT_TOKEN": "xoxb",  # too short to redact safely
}


def test_every_named_credential_is_collected(tmp_path: Path) -> None:
    (tmp_path / "tarsy.yaml").write_text(TARSY)
    (tmp_path / "llm-providers.yaml").write_text(PROVIDERS)
    config = load_config(tmp_path, env=ENV)
    assert secret_values(config, ENV) == {
        "sk-openai-value-1",
        "ghp_runbook_value",
        "ci-token-value",
        "metrics-bearer-value",
        "header-secret-42",
    }
