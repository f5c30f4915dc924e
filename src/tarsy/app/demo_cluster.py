"""Canned cluster state served as the ``kubernetes-server`` tools of the built-in demo.

The demo configuration needs no cluster and no MCP server process: these in-process tools answer
with a small, consistent story (a crash-looping ``api`` deployment in ``prod`` whose new
revision points at a database host that does not resolve), so the demo investigation has real
evidence to find.
"""

from __future__ import annotations

from tarsy.domain.tools import StaticToolset, ToolDef

SERVER = "kubernetes-server"

PODS = """\
NAMESPACE  NAME                    READY  STATUS            RESTARTS  AGE
prod       api-7d9f8c6b5-x2k4q     0/1    CrashLoopBackOff  12        41m
prod       api-7d9f8c6b5-m8w1z     0/1    CrashLoopBackOff  11        41m
prod       api-5c4b7d9e8-q7r2t     1/1    Running           0         6d
prod       postgres-0              1/1    Running           0         21d
prod       worker-6f5d4c3b2-a1b2c  1/1    Running           1         6d"""

EVENTS = """\
LAST SEEN  TYPE     REASON     OBJECT                      MESSAGE
2m         Warning  BackOff    pod/api-7d9f8c6b5-x2k4q     Back-off restarting failed container api
3m         Warning  Unhealthy  pod/api-7d9f8c6b5-m8w1z     Readiness probe failed: connection refused
41m        Normal   ScalingReplicaSet  deployment/api      Scaled up replica set api-7d9f8c6b5 to 2"""

LOGS = """\
2026-11-24T08:01:12Z INFO  starting api v2.14.0
2026-11-24T08:01:12Z INFO  loading configuration from /etc/api/config.yaml
2026-11-24T08:01:13Z ERROR database connection failed: dial tcp: lookup postgres-primary.prod.svc: no such host
2026-11-24T08:01:13Z FATAL cannot start without a database; exiting with code 1"""

DEPLOYMENT = """\
Name:        api
Namespace:   prod
Revision:    14 (previous working revision: 13)
Image:       registry.example.com/api:v2.14.0
Environment:
  DATABASE_HOST: postgres-primary.prod.svc   (revision 13: postgres.prod.svc)
Replicas:    2 desired | 1 available | 2 unavailable"""


def demo_cluster_toolset() -> StaticToolset:
    def tool(name: str, description: str) -> ToolDef:
        return ToolDef(f"{SERVER}.{name}", description, {"type": "object", "properties": {}})

    return StaticToolset(
        [
            (tool("pods_list", "List pods in all namespaces with status and restarts"), PODS),
            (tool("events_list", "List recent Kubernetes events"), EVENTS),
            (tool("pods_log", "Logs of the crashing api pod (previous container)"), LOGS),
            (tool("resources_get", "Describe the api deployment"), DEPLOYMENT),
        ]
    )
