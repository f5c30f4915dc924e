"""The demo cluster as an MCP server: kubectl-like tools over the simulated ``prod`` cluster."""

from __future__ import annotations

from collections.abc import Callable

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from tarsy.democluster import kubectl

NAME = "tarsy-demo-cluster"
INSTRUCTIONS = """\
This is a simulated Kubernetes cluster (TARSy demo), one context, namespaces prod and kube-system.
Start with pods_list and events_list, then use pods_log (previous=true for crashed
containers), resources_describe and metrics_top on what looks wrong."""


def _safe(call: Callable[[], str]) -> str:
    try:
        return call()
    except kubectl.NotFoundError as exc:
        raise ToolError(str(exc)) from exc


def build_server() -> MCPServer:
    """A new ``MCPServer`` with the demo cluster's tools (note: it configures logging)."""
    server: MCPServer = MCPServer(NAME, instructions=INSTRUCTIONS, log_level="WARNING")

    @server.tool()
    def pods_list(namespace: str = "") -> str:
        """List pods (all namespaces when namespace is empty) with readiness, status, restarts."""
        return kubectl.get_pods(namespace)

    @server.tool()
    def events_list(namespace: str = "") -> str:
        """List recent Kubernetes events, warnings included (all namespaces when empty)."""
        return kubectl.events(namespace)

    @server.tool()
    def resources_get(kind: str, name: str = "", namespace: str = "", output: str = "") -> str:
        """kubectl get: kind is pods, deployments, secrets, nodes, namespaces or events;
        output "yaml" prints the full object."""
        return _safe(lambda: kubectl.get(kind, name, namespace, output))

    @server.tool()
    def resources_describe(kind: str, name: str, namespace: str = "") -> str:
        """kubectl describe of a pod, deployment, secret or node, with its recent events."""
        return _safe(lambda: kubectl.describe(kind, name, namespace))

    @server.tool()
    def pods_log(
        name: str = "",
        namespace: str = "",
        container: str = "",
        previous: bool = False,
        tail: int = 100,
    ) -> str:
        """Logs of a pod's container; previous=true for the last terminated (crashed) run.
        Without a name: the last crashed run of the pod with the most restarts."""
        return _safe(lambda: kubectl.logs(name, namespace, container, previous, tail))

    @server.tool()
    def metrics_top(kind: str = "pods", namespace: str = "") -> str:
        """kubectl top: CPU and memory use of pods (with limits) or nodes."""
        return _safe(lambda: kubectl.top(kind, namespace))

    return server
