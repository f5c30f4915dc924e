"""Warnings: configuration that is valid but probably not what the operator meant.

Runs only on a configuration that passed validation (it resolves agents).
"""

from __future__ import annotations

from tarsy.config.locate import Locator
from tarsy.config.model import ConfigWarning, TarsyConfig
from tarsy.config.resolve import resolve_stage_agent
from tarsy.domain.errors import ConfigError


def lint_config(config: TarsyConfig, locator: Locator) -> list[ConfigWarning]:
    found: list[ConfigWarning] = []
    d = config.defaults
    if "alert_masking" in d.model_fields_set and "enabled" not in d.alert_masking.model_fields_set:
        found.append(
            locator.warning(
                ("defaults", "alert_masking"),
                "alert_masking is written without 'enabled', so alert masking is off; "
                "add 'enabled: true' to mask alert data",
            )
        )
    if config.chain_id_for_alert_type(d.alert_type) is None:
        found.append(
            locator.warning(
                ("defaults", "alert_type"),
                f"no chain handles the default alert type {d.alert_type!r}",
            )
        )
    if d.memory.enabled and not any(c.scoring_enabled for c in config.agent_chains.values()):
        found.append(
            locator.warning(
                ("defaults", "memory", "enabled"),
                "memory is enabled but scoring is disabled everywhere; memories are only "
                "extracted after scoring",
            )
        )
    for name, provider in config.llm_providers.items():
        if provider.native_tools is not None and provider.type != "google":
            found.append(
                locator.warning(
                    ("llm_providers", name, "native_tools"),
                    "native_tools only apply to google providers; ignored for type "
                    f"{provider.type!r}",
                )
            )
    for chain_id, chain in config.agent_chains.items():
        for stage_index, stage in enumerate(chain.stages):
            path = ("agent_chains", chain_id, "stages", stage_index)
            if stage.replicas > 1 and len(stage.agents) > 1:
                found.append(
                    locator.warning(
                        (*path, "replicas"),
                        "replicas run only the first agent; the other agents of this stage "
                        "are ignored",
                    )
                )
            try:
                resolved = [
                    resolve_stage_agent(config, chain_id, stage_index, index)
                    for index in range(len(stage.agents))
                ]
            except ConfigError as exc:
                # Only reachable for built-in chains (validation rejects user chains with no
                # provider): such a chain is unusable but harmless until an alert needs it.
                found.append(locator.warning(path, f"chain is not runnable: {exc.detail}"))
                continue
            kinds = {agent.agent_type == "action" for agent in resolved}
            if len(kinds) > 1:
                found.append(
                    locator.warning(
                        (*path, "agents"),
                        "stage mixes action and non-action agents; it runs as an "
                        "investigation stage",
                    )
                )
            for index, agent in enumerate(resolved):
                fallbacks = agent.fallback_providers
                if (
                    agent.native_tools.any_enabled
                    and agent.llm_backend == "google-native"
                    and fallbacks
                    and not any(entry.backend == "google-native" for entry in fallbacks)
                ):
                    found.append(
                        locator.warning(
                            (*path, "agents", index),
                            f"agent {agent.agent_name!r} uses native tools but its fallback "
                            "list has no google-native entry; no fallback can keep the tools",
                        )
                    )
    return found
