"""The simulated cluster: a small, consistent ``prod`` namespace with four realistic failures.

- ``api``: CrashLoopBackOff. Revision 14 reads ``DATABASE_URL`` from the mounted Secret
  ``api-db-credentials``, which only has ``DB_HOST``/``DB_USER``/``DB_PASSWORD`` keys.
- ``worker``: OOMKilled; a 256Mi limit against a batch job that grows to ~250Mi and spikes.
- ``frontend``: ImagePullBackOff; tag ``v3.2.0-rc1`` does not exist in the registry.
- ``payments``: readiness probe on port 8080 while the app now listens on 8081.
Secret values are real-looking on purpose: TARSy must mask them before any model sees them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Container:
    name: str
    image: str
    state: str  # Running | Waiting | Terminated
    reason: str = ""
    ready: bool = True
    restarts: int = 0
    last_state: str = ""
    mem_limit: str = "512Mi"
    cpu_m: int = 5
    mem_mi: int = 40
    logs: tuple[str, ...] = ()
    previous_logs: tuple[str, ...] = ()
    mounts: tuple[str, ...] = ()
    readiness: str = ""


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    owner: str
    node: str
    ip: str
    age: str
    containers: tuple[Container, ...]
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> str:
        for c in self.containers:
            if c.state != "Running" and c.reason:
                return c.reason
        return "Running"


@dataclass(frozen=True)
class Event:
    last_seen: str
    type: str
    reason: str
    obj: str
    namespace: str
    message: str


@dataclass(frozen=True)
class Secret:
    name: str
    namespace: str
    data: dict[str, str]

    def encoded(self) -> dict[str, str]:
        return {k: base64.b64encode(v.encode()).decode() for k, v in self.data.items()}


API_LOG = (
    "2026-11-24T08:01:12Z INFO  starting api v2.14.0",
    "2026-11-24T08:01:12Z INFO  reading secrets from /etc/api/secrets",
    "2026-11-24T08:01:12Z ERROR open /etc/api/secrets/DATABASE_URL: no such file or directory",
    "2026-11-24T08:01:12Z FATAL required setting DATABASE_URL is missing; exiting with code 1",
)
WORKER_LOG = (
    "2026-11-24T07:58:40Z INFO  batch reconcile-invoices started (48213 records)",
    "2026-11-24T07:58:52Z INFO  loaded 31000 records into memory (rss=231Mi)",
    "2026-11-24T07:58:55Z INFO  loaded 44000 records into memory (rss=249Mi)",
)
PAYMENTS_LOG = (
    "2026-11-24T06:12:03Z INFO  payments v5.1.0 listening on :8081 (changed from :8080)",
    "2026-11-24T06:12:03Z INFO  connected to postgres.prod.svc:5432",
)

PODS: tuple[Pod, ...] = (
    Pod(
        "api-7d9f8c6b5-x2k4q",
        "prod",
        "ReplicaSet/api-7d9f8c6b5",
        "node-a",
        "10.1.0.21",
        "41m",
        (
            Container(
                "api",
                "registry.example.com/api:v2.14.0",
                "Waiting",
                "CrashLoopBackOff",
                ready=False,
                restarts=12,
                last_state="Terminated (Error, exit code 1)",
                previous_logs=API_LOG,
                mounts=("/etc/api/secrets from secret api-db-credentials",),
            ),
        ),
        {"app": "api", "pod-template-hash": "7d9f8c6b5"},
    ),
    Pod(
        "api-7d9f8c6b5-m8w1z",
        "prod",
        "ReplicaSet/api-7d9f8c6b5",
        "node-b",
        "10.1.1.14",
        "41m",
        (
            Container(
                "api",
                "registry.example.com/api:v2.14.0",
                "Waiting",
                "CrashLoopBackOff",
                ready=False,
                restarts=11,
                last_state="Terminated (Error, exit code 1)",
                previous_logs=API_LOG,
                mounts=("/etc/api/secrets from secret api-db-credentials",),
            ),
        ),
        {"app": "api", "pod-template-hash": "7d9f8c6b5"},
    ),
    Pod(
        "api-5c4b7d9e8-q7r2t",
        "prod",
        "ReplicaSet/api-5c4b7d9e8",
        "node-a",
        "10.1.0.9",
        "6d",
        (
            Container(
                "api",
                "registry.example.com/api:v2.13.2",
                "Running",
                cpu_m=120,
                mem_mi=180,
                logs=("2026-11-24T08:30:00Z INFO  GET /v1/orders 200 12ms",),
            ),
        ),
        {"app": "api", "pod-template-hash": "5c4b7d9e8"},
    ),
    Pod(
        "worker-6f5d4c3b2-a1b2c",
        "prod",
        "ReplicaSet/worker-6f5d4c3b2",
        "node-b",
        "10.1.1.30",
        "6d",
        (
            Container(
                "worker",
                "registry.example.com/worker:v1.9.0",
                "Waiting",
                "OOMKilled",
                ready=False,
                restarts=7,
                last_state="Terminated (OOMKilled, exit code 137)",
                mem_limit="256Mi",
                cpu_m=410,
                mem_mi=252,
                previous_logs=WORKER_LOG,
            ),
        ),
        {"app": "worker"},
    ),
    Pod(
        "frontend-84c9d7f6d-p3n5k",
        "prod",
        "ReplicaSet/frontend-84c9d7f6d",
        "node-a",
        "10.1.0.33",
        "18m",
        (
            Container(
                "frontend",
                "registry.example.com/frontend:v3.2.0-rc1",
                "Waiting",
                "ImagePullBackOff",
                ready=False,
            ),
        ),
        {"app": "frontend"},
    ),
    Pod(
        "payments-5b8c7d6e4-z9y8x",
        "prod",
        "ReplicaSet/payments-5b8c7d6e4",
        "node-b",
        "10.1.1.41",
        "2h",
        (
            Container(
                "payments",
                "registry.example.com/payments:v5.1.0",
                "Running",
                ready=False,
                cpu_m=35,
                mem_mi=140,
                logs=PAYMENTS_LOG,
                readiness="http-get http://:8080/ready delay=5s timeout=1s period=10s #failure=3",
            ),
        ),
        {"app": "payments"},
    ),
    Pod(
        "postgres-0",
        "prod",
        "StatefulSet/postgres",
        "node-c",
        "10.1.2.5",
        "21d",
        (Container("postgres", "postgres:16.4", "Running", cpu_m=95, mem_mi=610, mem_limit="2Gi"),),
        {"app": "postgres"},
    ),
    Pod(
        "coredns-5d78c9869d-4kq2w",
        "kube-system",
        "ReplicaSet/coredns-5d78c9869d",
        "node-c",
        "10.1.2.2",
        "40d",
        (
            Container(
                "coredns",
                "registry.k8s.io/coredns/coredns:v1.11.1",
                "Running",
                cpu_m=4,
                mem_mi=22,
                mem_limit="170Mi",
            ),
        ),
        {"k8s-app": "kube-dns"},
    ),
)

SECRETS: tuple[Secret, ...] = (
    Secret(
        "api-db-credentials",
        "prod",
        {
            "DB_HOST": "postgres.prod.svc",
            "DB_USER": "api",
            "DB_PASSWORD": "Xk9#mP2vQ7!tR4wz",
        },
    ),
    Secret(
        "registry-pull",
        "prod",
        {
            ".dockerconfigjson": '{"auths":{"registry.example.com":'
            '{"auth":"Ym90OnM0ZmUtcHVsbC10b2tlbi05OTI4"}}}'
        },
    ),
)

EVENTS: tuple[Event, ...] = (
    Event(
        "2m",
        "Warning",
        "BackOff",
        "pod/api-7d9f8c6b5-x2k4q",
        "prod",
        "Back-off restarting failed container api in pod api-7d9f8c6b5-x2k4q",
    ),
    Event(
        "2m",
        "Warning",
        "BackOff",
        "pod/api-7d9f8c6b5-m8w1z",
        "prod",
        "Back-off restarting failed container api in pod api-7d9f8c6b5-m8w1z",
    ),
    Event(
        "4m",
        "Warning",
        "Failed",
        "pod/frontend-84c9d7f6d-p3n5k",
        "prod",
        'Failed to pull image "registry.example.com/frontend:v3.2.0-rc1": manifest unknown',
    ),
    Event(
        "4m",
        "Normal",
        "BackOff",
        "pod/frontend-84c9d7f6d-p3n5k",
        "prod",
        'Back-off pulling image "registry.example.com/frontend:v3.2.0-rc1"',
    ),
    Event(
        "6m",
        "Warning",
        "OOMKilling",
        "node/node-b",
        "",
        "Memory cgroup out of memory: Killed process 48121 (worker) total-vm:1.1Gi, "
        "anon-rss:262144kB",
    ),
    Event(
        "6m",
        "Warning",
        "BackOff",
        "pod/worker-6f5d4c3b2-a1b2c",
        "prod",
        "Back-off restarting failed container worker in pod worker-6f5d4c3b2-a1b2c",
    ),
    Event(
        "30s",
        "Warning",
        "Unhealthy",
        "pod/payments-5b8c7d6e4-z9y8x",
        "prod",
        'Readiness probe failed: Get "http://10.1.1.41:8080/ready": dial tcp '
        "10.1.1.41:8080: connect: connection refused",
    ),
    Event(
        "41m",
        "Normal",
        "ScalingReplicaSet",
        "deployment/api",
        "prod",
        "Scaled up replica set api-7d9f8c6b5 to 2",
    ),
)

DEPLOYMENTS: dict[str, str] = {
    "api": "revision 14 (previous: 13), image registry.example.com/api:v2.14.0 "
    "(13: v2.13.2); 2 desired | 1 available | 2 unavailable; volume secrets <- Secret "
    "api-db-credentials; change-cause: 'read DATABASE_URL from secret instead of DB_* keys'",
    "worker": "revision 3, image registry.example.com/worker:v1.9.0; 1 desired | 0 available; "
    "resources limits memory=256Mi cpu=500m, requests memory=128Mi",
    "frontend": "revision 22 (previous: 21), image registry.example.com/frontend:v3.2.0-rc1 "
    "(21: v3.1.4); 1 desired | 0 available",
    "payments": "revision 9, image registry.example.com/payments:v5.1.0; 1 desired | 0 ready; "
    "readinessProbe httpGet :8080/ready; containerPort 8080",
}

NODES: tuple[tuple[str, int, int, str], ...] = (
    # name, cpu millicores used, memory MiB used, condition
    ("node-a", 640, 5120, "Ready"),
    ("node-b", 1480, 7010, "Ready, MemoryPressure=False"),
    ("node-c", 390, 3900, "Ready"),
)
