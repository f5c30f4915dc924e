"""Shared state of one validation run: located errors and the reference checks every section uses.

A reference check reports a name that does not exist at the key path where it is written.
Provider references are also remembered (first site wins) so that credentials are checked only
for providers something actually uses, and reported where the use is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tarsy.config.locate import BUILTIN, Locator
from tarsy.config.model import TarsyConfig
from tarsy.config.schema_common import FallbackEntry, SubAgentRef
from tarsy.config.schema_tarsy import AgentConfig
from tarsy.config.yaml_source import KeyPath
from tarsy.domain.errors import ConfigError

_MAX_LISTED = 12


def known(names: Iterable[str]) -> str:
    """A short sorted list of valid names for error messages."""
    ordered = sorted(names)
    shown = ", ".join(ordered[:_MAX_LISTED])
    more = f", ... ({len(ordered) - _MAX_LISTED} more)" if len(ordered) > _MAX_LISTED else ""
    return f"{shown}{more}" if ordered else "none defined"


@dataclass
class Context:
    """One validation run over a merged configuration."""

    config: TarsyConfig
    locator: Locator
    env: Mapping[str, str]
    broken: frozenset[KeyPath] = frozenset()
    errors: list[ConfigError] = field(default_factory=list)
    provider_refs: dict[str, KeyPath] = field(default_factory=dict)

    def fail(self, path: KeyPath, message: str) -> None:
        self.errors.append(self.locator.error(path, message))

    def is_broken(self, path: KeyPath) -> bool:
        """True when ``path`` lies in an entry that already failed schema validation."""
        return any(path[: len(b)] == b for b in self.broken)

    def _exists(self, section: str, names: Mapping[str, object], name: str) -> bool:
        return name in names or (section, name) in self.broken

    def provider_ref(self, name: str | None, path: KeyPath, *, used: bool = True) -> None:
        """Check a provider reference; ``used`` references need their credentials set."""
        if name is None:
            return
        providers = self.config.llm_providers
        if not self._exists("llm_providers", providers, name):
            self.fail(path, f"unknown llm provider {name!r} (known: {known(providers)})")
        elif used:
            self.provider_refs.setdefault(name, path)

    def mcp_refs(self, names: Sequence[str], path: KeyPath) -> None:
        servers = self.config.mcp_servers
        for index, name in enumerate(names):
            if not self._exists("mcp_servers", servers, name):
                self.fail((*path, index), f"unknown MCP server {name!r} (known: {known(servers)})")

    def agent_ref(self, name: str, path: KeyPath) -> AgentConfig | None:
        agents = self.config.agents
        if name in agents:
            return agents[name]
        if ("agents", name) not in self.broken:
            self.fail(path, f"unknown agent {name!r} (known: {known(agents)})")
        return None

    def skill_refs(self, names: Sequence[str] | None, path: KeyPath) -> None:
        skills = self.config.skills
        for index, name in enumerate(names or ()):
            if name not in skills:
                self.fail((*path, index), f"unknown skill {name!r} (known: {known(skills)})")

    def fallback_refs(
        self, entries: Sequence[FallbackEntry] | None, path: KeyPath, *, used: bool = True
    ) -> None:
        for index, entry in enumerate(entries or ()):
            self.provider_ref(entry.provider, (*path, index, "provider"), used=used)

    def sub_agent_refs(self, refs: Sequence[SubAgentRef], path: KeyPath) -> None:
        """Each ref names an existing agent with a description; its overrides are checked too."""
        for index, ref in enumerate(refs):
            ref_path = (*path, index)
            agent = self.agent_ref(ref.name, (*ref_path, "name"))
            if agent is not None and not agent.description.strip():
                self.fail(
                    (*ref_path, "name"),
                    f"agent {ref.name!r} has no description, so it cannot be used as a "
                    "sub-agent; give it a description",
                )
            self.provider_ref(ref.llm_provider, (*ref_path, "llm_provider"))
            self.mcp_refs(ref.mcp_servers or (), (*ref_path, "mcp_servers"))
            self.skill_refs(ref.skills, (*ref_path, "skills"))
            self.skill_refs(ref.required_skills, (*ref_path, "required_skills"))

    def check_credentials(self) -> None:
        """Every used provider has its credential environment variables set (not ``scripted``)."""
        for name, path in self.provider_refs.items():
            provider = self.config.llm_providers.get(name)
            if provider is None:
                continue
            definition = self.locator.locate(("llm_providers", name, "api_key_env"))
            defined_at = (
                "built-in provider"
                if definition.file == BUILTIN
                else f"defined at {definition.file}:{definition.line}"
            )
            for key, var in provider.credential_env_vars():
                if not self.env.get(var, "").strip():
                    self.fail(
                        path,
                        f"llm provider {name!r} needs environment variable {var} ({key}, "
                        f"{defined_at}), which is not set",
                    )
