"""The secret values a configuration refers to, so that logging can keep them out of every line."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from tarsy.config.model import TarsyConfig

MIN_SECRET_CHARS = 6


def secret_values(config: TarsyConfig, env: Mapping[str, str]) -> frozenset[str]:
    """Values of every credential variable the configuration names (LLM API keys, GitHub,
    Slack, API tokens, embedding key) and of every MCP bearer token and custom header.
    Values shorter than ``MIN_SECRET_CHARS`` are left out: redacting them would garble logs."""
    values = {v.strip() for v in _candidates(config, env) if v}
    return frozenset(v for v in values if len(v) >= MIN_SECRET_CHARS)


def _candidates(config: TarsyConfig, env: Mapping[str, str]) -> Iterator[str]:
    system = config.system
    names = [system.github.token_env, system.slack.token_env]
    names += [t.token_env for t in system.auth.tokens if t.token_env]
    names.append(config.defaults.memory.embedding.api_key_env)
    for provider in config.llm_providers.values():
        names += [var for _key, var in provider.credential_env_vars()]
    for name in names:
        yield env.get(name, "")
    for server in config.mcp_servers.values():
        transport = server.transport
        yield transport.bearer_token or ""
        yield from (str(v) for v in transport.custom_headers.values())
