"""Built-in agents, MCP server, LLM providers and chain, available without any configuration.

A user definition with the same key replaces the built-in one wholesale (no field merge), so a
user ``kubernetes-server`` without ``data_masking`` has no masking.
"""

from __future__ import annotations

from collections.abc import Mapping

from tarsy.config.schema_common import NativeToolsConfig
from tarsy.config.schema_providers import ProviderConfig
from tarsy.config.schema_tarsy import (
    AgentConfig,
    ChainConfig,
    DataMaskingConfig,
    McpServerConfig,
    StageAgentConfig,
    StageConfig,
    SummarizationConfig,
    TransportConfig,
)

KUBERNETES_SERVER = "kubernetes-server"
KUBERNETES_MCP_PACKAGE = "kubernetes-mcp-server@0.0.54"
KUBERNETES_AGENT = "KubernetesAgent"
KUBERNETES_CHAIN = "kubernetes"

_KUBERNETES_INSTRUCTIONS = """\
Working with the Kubernetes tools:
- Several clusters may be reachable. When a tool for listing kubeconfig contexts exists, call it
  first, note each context's API server, and decide which cluster the alert concerns before any
  other call.
- Scope queries to a namespace whenever you can; listing cluster-wide resources on a large
  cluster is slow and noisy.
- Namespaced kinds (Pod, Deployment, Service, ConfigMap, ...) need the namespace argument;
  cluster-scoped kinds (Node, Namespace, PersistentVolume, ClusterRole, ...) must not get one.
  A "could not find the requested resource" error usually means this was mixed up."""

_SYNTHESIS_INSTRUCTIONS = """\
You lead the incident response and receive the reports of several investigators who looked at
the same alert in parallel. Produce one conclusion from them.
- Judge each report by its evidence. Findings backed by tool output outweigh reasoning without
  data. A report that only repeats what the alert already says (because its tools failed or
  returned nothing) is weak evidence, however confident it sounds.
- Where reports disagree, prefer the one with better evidence and say why.
- Attribute each key finding to the investigator (name or number) that produced it, so a human
  can check it.
- State the root cause, the current state and the recommended next steps for people.
- End with an overall confidence of HIGH, MEDIUM or LOW and the reason. If no investigator
  gathered real tool data, say so and use LOW.
Address the incident itself, not the quality of the individual investigators."""

_WEB_RESEARCHER_INSTRUCTIONS = """\
You research on the public web; you have no access to clusters or internal systems.
- Use url_context to read pages whose URLs the task names (repositories, documentation,
  advisories, issue trackers, public route hostnames).
- Use google_search for open questions: error strings, CVEs, known outages, version
  compatibility.
Report what you found with its sources. Only state what the tools returned; if nothing useful
came back, say so instead of guessing."""

_CODE_EXECUTOR_INSTRUCTIONS = """\
You answer computational questions by writing and running Python code.
Show the code you ran and report the results plainly."""

_GENERAL_WORKER_INSTRUCTIONS = """\
You are a general-purpose helper. Do the task you are given thoroughly and answer concisely."""


def builtin_agents() -> dict[str, AgentConfig]:
    """The built-in agent definitions, keyed by name."""
    return {
        KUBERNETES_AGENT: AgentConfig(
            description="Investigates Kubernetes workloads and clusters with read-only tools",
            mcp_servers=(KUBERNETES_SERVER,),
        ),
        "ChatAgent": AgentConfig(
            description="Answers follow-up questions about a finished investigation",
        ),
        "SynthesisAgent": AgentConfig(
            type="synthesis",
            description="Combines the results of parallel investigations into one conclusion",
            custom_instructions=_SYNTHESIS_INSTRUCTIONS,
        ),
        "ExecSummaryAgent": AgentConfig(
            type="exec_summary",
            description="Writes a short executive summary of an investigation for notifications",
        ),
        "ScoringAgent": AgentConfig(
            type="scoring",
            description="Scores the quality of a finished investigation",
        ),
        "WebResearcher": AgentConfig(
            description=(
                "Researches the public web: reads URLs named in the task (repositories, "
                "documentation, advisories, issue trackers, public routes) and searches for "
                "error messages, CVEs, outages and version information. Use it whenever an "
                "external source would confirm a fact; the cluster tools cannot fetch web pages."
            ),
            llm_backend="google-native",
            native_tools=NativeToolsConfig(
                google_search=True, url_context=True, code_execution=False
            ),
            custom_instructions=_WEB_RESEARCHER_INSTRUCTIONS,
        ),
        "CodeExecutor": AgentConfig(
            description="Runs Python code for calculations and data analysis",
            llm_backend="google-native",
            native_tools=NativeToolsConfig(
                google_search=False, url_context=False, code_execution=True
            ),
            custom_instructions=_CODE_EXECUTOR_INSTRUCTIONS,
        ),
        "GeneralWorker": AgentConfig(
            description="General-purpose reasoning, analysis and summarization without tools",
            custom_instructions=_GENERAL_WORKER_INSTRUCTIONS,
        ),
    }


def builtin_mcp_servers(env: Mapping[str, str]) -> dict[str, McpServerConfig]:
    """The built-in MCP servers. ``KUBECONFIG`` comes from ``env``.

    When ``KUBECONFIG`` is unset the ``--kubeconfig`` flag is left out, so the server uses its
    own default lookup (``~/.kube/config`` or the in-cluster service account).
    """
    kubeconfig = env.get("KUBECONFIG", "")
    args = ["-y", KUBERNETES_MCP_PACKAGE, "--read-only", "--disable-destructive"]
    if kubeconfig:
        args += ["--kubeconfig", kubeconfig]
    return {
        KUBERNETES_SERVER: McpServerConfig(
            transport=TransportConfig(type="stdio", command="npx", args=tuple(args)),
            instructions=_KUBERNETES_INSTRUCTIONS,
            data_masking=DataMaskingConfig(
                enabled=True,
                pattern_groups=("kubernetes",),
                patterns=("certificate", "token", "email"),
            ),
            summarization=SummarizationConfig(
                enabled=True, size_threshold_tokens=5000, summary_max_token_limit=1000
            ),
        )
    }


def _gemini(model: str) -> ProviderConfig:
    return ProviderConfig(
        type="google",
        model=model,
        api_key_env="GOOGLE_API_KEY",
        max_tool_result_tokens=950_000,
        native_tools=NativeToolsConfig(google_search=True, url_context=True, code_execution=False),
    )


def builtin_providers() -> dict[str, ProviderConfig]:
    """The built-in LLM providers, keyed by name."""
    return {
        "google-default": _gemini("gemini-3.7-flash"),
        "gemini-3.7-flash": _gemini("gemini-3.7-flash"),
        "gemini-3.5-flash": _gemini("gemini-3.5-flash"),
        "gemini-3.1-pro": _gemini("gemini-3.1-pro-preview"),
        "gemini-3-flash": _gemini("gemini-3-flash-preview"),
        "gemini-2.5-flash": _gemini("gemini-2.5-flash"),
        "gemini-2.5-pro": _gemini("gemini-2.5-pro"),
        "openai-default": ProviderConfig(
            type="openai", model="gpt-5.2", api_key_env="OPENAI_API_KEY"
        ),
        "anthropic-default": ProviderConfig(
            type="anthropic", model="claude-sonnet-5", api_key_env="ANTHROPIC_API_KEY"
        ),
        "xai-default": ProviderConfig(type="xai", model="grok-4.6", api_key_env="XAI_API_KEY"),
        "vertexai-default": ProviderConfig(
            type="vertexai",
            model="claude-sonnet-5",
            project_env="GOOGLE_CLOUD_PROJECT",
            location_env="GOOGLE_CLOUD_LOCATION",
        ),
    }


def builtin_chains() -> dict[str, ChainConfig]:
    """The built-in chains, keyed by chain id."""
    return {
        KUBERNETES_CHAIN: ChainConfig(
            alert_types=(KUBERNETES_CHAIN,),
            description="Single-stage Kubernetes investigation",
            stages=(
                StageConfig(name="analysis", agents=(StageAgentConfig(name=KUBERNETES_AGENT),)),
            ),
        )
    }
