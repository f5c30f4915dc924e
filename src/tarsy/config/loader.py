"""``load_config``: read, interpolate, parse, check the schema, merge built-ins, validate.

Sequence (as the reference): parse both files -> merge built-ins with the user maps (same key
replaces) -> fill MCP summarization defaults -> apply defaults (alert type, alert masking) ->
``defaults.scoring.enabled`` gives every chain without ``scoring:`` an enabled block -> load
skills -> merge queue settings over the built-in ones -> validate everything. Every problem is
collected and raised together as one ``ConfigErrors``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from tarsy.config.builtins import (
    builtin_agents,
    builtin_chains,
    builtin_mcp_servers,
    builtin_providers,
)
from tarsy.config.demo import DEMO_SOURCE, demo_providers_data, demo_tarsy_data
from tarsy.config.interpolate import expand_env
from tarsy.config.lint import lint_config
from tarsy.config.locate import BUILTIN, PROVIDERS_FILE, TARSY_FILE, Locator, schema_errors
from tarsy.config.model import Skill, TarsyConfig
from tarsy.config.schema_providers import ProviderConfig
from tarsy.config.schema_tarsy import (
    TARSY_SECTIONS,
    AgentConfig,
    ChainConfig,
    DefaultsConfig,
    McpServerConfig,
    QueueConfig,
    ScoringConfig,
    SystemConfig,
    fill_summarization,
    merge_queue,
)
from tarsy.config.skills import load_skills
from tarsy.config.validate import validate_config
from tarsy.config.yaml_source import KeyPath, SourceDoc, empty_source, parse_yaml
from tarsy.domain.errors import ConfigError, ConfigErrors

__all__ = ["PROVIDERS_FILE", "TARSY_FILE", "load_config"]

M = TypeVar("M", bound=BaseModel)


def load_config(config_dir: Path | None, *, env: Mapping[str, str] | None = None) -> TarsyConfig:
    """Load ``config_dir`` (``None``: the built-in demo configuration).

    ``env`` (default ``os.environ``) feeds interpolation and the credential checks.
    Raises ``ConfigErrors`` with every problem found.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    if config_dir is None:
        tarsy = empty_source(DEMO_SOURCE, demo_tarsy_data())
        providers = empty_source(DEMO_SOURCE, demo_providers_data())
        return _Assembly(tarsy, providers, environ, None).build()
    if not config_dir.is_dir():
        raise ConfigErrors([ConfigError(f"config directory {config_dir} does not exist")])
    docs: list[SourceDoc] = []
    errors: list[ConfigError] = []
    for name in (TARSY_FILE, PROVIDERS_FILE):
        try:
            docs.append(_read(config_dir, name, environ))
        except ConfigError as exc:
            errors.append(exc)
    if errors:
        raise ConfigErrors(errors)
    return _Assembly(docs[0], docs[1], environ, config_dir).build()


def _read(config_dir: Path, name: str, env: Mapping[str, str]) -> SourceDoc:
    path = config_dir / name
    if not path.is_file():
        raise ConfigError(f"required file is missing from {config_dir}", file=name)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file: {exc}", file=name) from exc
    expansion = expand_env(text, env)
    return parse_yaml(expansion.text, name, expansion.original_line)


class _Assembly:
    """One load: schema checks per entry, merge, post-processing, validation."""

    def __init__(
        self,
        tarsy: SourceDoc,
        providers: SourceDoc,
        env: Mapping[str, str],
        config_dir: Path | None,
    ) -> None:
        self.tarsy = tarsy
        self.providers = providers
        self.env = env
        self.config_dir = config_dir
        self.locator = Locator(tarsy, providers)
        self.errors: list[ConfigError] = []
        self.broken: set[KeyPath] = set()

    def build(self) -> TarsyConfig:
        raw = self._root(self.tarsy, TARSY_SECTIONS)
        provider_raw = self._root(self.providers, ("llm_providers",))
        queue = self._model(QueueConfig, raw.get("queue"), ("queue",))
        system = self._model(SystemConfig, raw.get("system"), ("system",)) or SystemConfig()
        defaults = (
            self._model(DefaultsConfig, raw.get("defaults"), ("defaults",)) or DefaultsConfig()
        )
        servers = self._entries(McpServerConfig, raw, "mcp_servers")
        agents = self._entries(AgentConfig, raw, "agents")
        chains = self._entries(ChainConfig, raw, "agent_chains")
        providers = self._entries(ProviderConfig, provider_raw, "llm_providers")

        merged_servers = {**builtin_mcp_servers(self.env), **servers}
        merged_chains = {**builtin_chains(), **chains}
        if defaults.scoring is not None and defaults.scoring.enabled:
            merged_chains = {
                chain_id: chain
                if chain.scoring is not None
                else chain.model_copy(update={"scoring": ScoringConfig(enabled=True)})
                for chain_id, chain in merged_chains.items()
            }
        skills = self._skills()
        config = TarsyConfig(
            queue=merge_queue(queue),
            system=system,
            defaults=defaults,
            mcp_servers={k: fill_summarization(v) for k, v in merged_servers.items()},
            agents={**builtin_agents(), **agents},
            agent_chains=merged_chains,
            llm_providers={**builtin_providers(), **providers},
            skills=skills,
            config_dir=self.config_dir,
        )
        self.errors += validate_config(config, self.locator, self.env, frozenset(self.broken))
        if self.errors:
            raise ConfigErrors(sorted(self.errors, key=_error_order))
        return dataclasses.replace(config, warnings=tuple(lint_config(config, self.locator)))

    def _root(self, doc: SourceDoc, sections: tuple[str, ...]) -> dict[str, object]:
        if doc.data is None:
            return {}
        if not isinstance(doc.data, dict):
            self.errors.append(
                ConfigError("the file must be a mapping of sections", file=doc.file, line=1)
            )
            return {}
        for key in doc.data:
            if key not in sections:
                self.errors.append(
                    self.locator.error(
                        (str(key),), f"unknown key {key!r} (allowed: {', '.join(sections)})"
                    )
                    if doc is self.tarsy
                    else ConfigError(
                        f"unknown key {key!r} (allowed: {', '.join(sections)})",
                        file=doc.file,
                        key_path=str(key),
                        line=doc.line_of((str(key),)),
                    )
                )
        return {str(k): v for k, v in doc.data.items()}

    def _model(self, model: type[M], raw: object, path: KeyPath) -> M | None:
        try:
            return model.model_validate({} if raw is None else raw)
        except ValidationError as exc:
            self.broken.add(path)
            for where, message in schema_errors(exc, path, raw, model):
                self.errors.append(self.locator.error(where, message))
            return None

    def _entries(self, model: type[M], raw: Mapping[str, object], section: str) -> dict[str, M]:
        value = raw.get(section)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.errors.append(
                self.locator.error((section,), f"{section} must be a mapping of names to entries")
            )
            return {}
        entries: dict[str, M] = {}
        for name, entry in value.items():
            key = str(name)
            parsed = self._model(model, entry, (section, key))
            if parsed is not None:
                entries[key] = parsed
        return entries

    def _skills(self) -> dict[str, Skill]:
        if self.config_dir is None:
            return {}
        skills, errors = load_skills(self.config_dir)
        self.errors += errors
        return skills


def _error_order(error: ConfigError) -> tuple[int, str, int]:
    rank = {TARSY_FILE: 0, PROVIDERS_FILE: 1, BUILTIN: 3}.get(error.file or "", 2)
    return rank, error.file or "", error.line or 0
