"""The built-in demo configuration, used when no config directory is given.

It is the built-ins plus one provider, ``demo-scripted`` (type ``scripted``: TARSy's own
deterministic model), set as ``defaults.llm_provider``, and ``kubernetes-server`` replaced by
TARSy's simulated cluster (``python -m tarsy.democluster``, a stdio MCP server started with this
Python interpreter). The built-in ``kubernetes`` chain therefore runs with no API key, no
cluster and no environment at all, over a real MCP connection.
"""

from __future__ import annotations

import sys

from tarsy.config.builtins import KUBERNETES_SERVER

DEMO_PROVIDER = "demo-scripted"
DEMO_SOURCE = "built-in demo configuration"
DEMO_CLUSTER_MODULE = "tarsy.democluster"

_DEMO_CLUSTER_INSTRUCTIONS = """\
This is TARSy's simulated demo cluster, not a real one: a single context with the namespaces prod
and kube-system. Start from pods_list and events_list; read crashed containers' logs with
pods_log and previous=true; use resources_describe and metrics_top on what looks wrong."""


def demo_cluster_server() -> dict[str, object]:
    """The demo's ``kubernetes-server`` entry: the simulated cluster over stdio.

    It restates the built-in server's masking and summarization, since a user entry replaces
    the built-in one wholesale.
    """
    return {
        "transport": {
            "type": "stdio",
            "command": sys.executable,
            "args": ["-m", DEMO_CLUSTER_MODULE],
        },
        "instructions": _DEMO_CLUSTER_INSTRUCTIONS,
        "data_masking": {
            "enabled": True,
            "pattern_groups": ["kubernetes"],
            "patterns": ["certificate", "token", "email"],
        },
        "summarization": {
            "enabled": True,
            "size_threshold_tokens": 5000,
            "summary_max_token_limit": 1000,
        },
    }


def demo_tarsy_data() -> dict[str, object]:
    """The demo's ``tarsy.yaml`` content, as parsed data."""
    return {
        "defaults": {"llm_provider": DEMO_PROVIDER},
        "mcp_servers": {KUBERNETES_SERVER: demo_cluster_server()},
    }


def demo_providers_data() -> dict[str, object]:
    """The demo's ``llm-providers.yaml`` content, as parsed data."""
    return {"llm_providers": {DEMO_PROVIDER: {"type": "scripted", "model": DEMO_PROVIDER}}}
