"""Masking benchmark: MB/s of ``Masker.mask`` on mixed kubectl output, one core.

Usage:
    python bench/masking.py [--mb 10] [--repeat 3] [--groups security,all] [--seed 7]

A deterministic corpus of about ``--mb`` megabytes of kubectl-like tool results is generated:
``get pods`` tables, ``describe pod``, application logs (plain and JSON, with trace ids),
ConfigMaps, Secrets (YAML and JSON, with last-applied annotations), Deployments as JSON, event
lists, env dumps and kubeconfigs, with fake credentials sprinkled in. Each result is masked on
its own, as the tool-result chokepoint does, in this thread. Figures are the best of
``--repeat`` runs:

- MB/s of ``build_masker(MaskingRules(groups=(group,))).mask`` per group (the goal: at least
  20 MB/s for ``all`` on one core);
- the time ratio to one plain ``re`` scan of the same bytes: ``re.sub`` of one keyword pattern,
  ``(?i)password\\s*[:=]\\s*\\S+`` (so "3.0x" means masking costs three such scans);
- for comparison, the obvious implementation: one ``re.sub`` per pattern of the group (each
  compiled with ``re.IGNORECASE`` over the original text), plus the Secret masker.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import string
import time
from collections.abc import Callable, Sequence

from tarsy.masking import (
    BUILTIN_PATTERNS,
    PATTERN_GROUPS,
    MaskingRules,
    build_masker,
    mask_kubernetes_secrets,
)

HEX = "0123456789abcdef"
LOWER = string.ascii_lowercase + string.digits


class Corpus:
    """Generates kubectl-like tool results from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def word(self, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def pods(self) -> str:
        rows = ["NAMESPACE   NAME                      READY   STATUS             RESTARTS   AGE"]
        for _ in range(60):
            status = self.rng.choice(["Running"] * 8 + ["CrashLoopBackOff", "Pending"])
            name = f"{self.rng.choice(['api', 'worker', 'payments'])}-{self.word(9, HEX)}"
            rows.append(
                f"prod        {name}-{self.word(5, LOWER)}   1/1     {status:<18} "
                f"{self.rng.randint(0, 40):<10} {self.rng.randint(1, 90)}m"
            )
        return "\n".join(rows) + "\n"

    def describe(self) -> str:
        pod = f"api-7d9f8c6b5-{self.word(5, LOWER)}"
        return (
            f"Name:         {pod}\nNamespace:    prod\nNode:         node-a/10.0.0.12\n"
            "Labels:       app=api\n              pod-template-hash=7d9f8c6b5\n"
            "Status:       Running\nControlled By:  ReplicaSet/api-7d9f8c6b5\nContainers:\n"
            f"  api:\n    Container ID:   containerd://{self.word(64, HEX)}\n"
            "    Image:          registry.example.com/api:v2.14.0\n"
            f"    Image ID:       registry.example.com/api@sha256:{self.word(64, HEX)}\n"
            "    Port:           8080/TCP\n    State:          Running\n    Ready:          True\n"
            "    Restart Count:  3\n    Limits:\n      memory:  512Mi\n    Requests:\n"
            "      cpu:     100m\n    Environment:\n      LOG_LEVEL:  info\n"
            "      DB_HOST:    postgres.prod.svc\n    Mounts:\n"
            "      /etc/api/secrets from secrets (ro)\n"
            "Events:\n  Type    Reason   Age  From     Message\n"
            "  Normal  Pulled   41m  kubelet  Container image already present on machine\n"
            "  Warning BackOff  2m   kubelet  Back-off restarting failed container api\n"
        )

    def logs(self) -> str:
        lines = []
        for _ in range(120):
            stamp = f"2026-11-24T08:{self.rng.randint(0, 59):02d}:{self.rng.randint(0, 59):02d}Z"
            if self.rng.random() < 0.5:
                entry = {
                    "ts": stamp,
                    "level": self.rng.choice(["info", "warn", "error"]),
                    "msg": self.rng.choice(["request served", "cache miss", "upstream timeout"]),
                    "path": f"/api/v1/orders/{self.rng.randint(1, 99999)}",
                    "latency_ms": self.rng.randint(1, 900),
                    "trace_id": self.word(32, HEX),
                }
                lines.append(json.dumps(entry))
            else:
                lines.append(f"{stamp} INFO  GET /healthz 200 {self.rng.randint(1, 50)}ms")
        if self.rng.random() < 0.1:
            lines.append(f"{stamp} DEBUG auth header Authorization: Bearer {self.word(40)}")
        return "\n".join(lines) + "\n"

    def configmap(self) -> str:
        data = "\n".join(
            f'  setting_{i}: "{self.rng.choice(["true", "30s", "info", "https://api.example.com"])}"'
            for i in range(20)
        )
        return (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config-{self.word(4, LOWER)}"
            f"\n  namespace: prod\ndata:\n{data}\n"
        )

    def secret(self) -> str:
        data = {f"KEY_{i}": base64.b64encode(self.word(24).encode()).decode() for i in range(5)}
        applied = {"apiVersion": "v1", "data": data, "kind": "Secret", "type": "Opaque"}
        manifest = {
            "apiVersion": "v1",
            "data": data,
            "kind": "Secret",
            "metadata": {
                "name": f"creds-{self.word(4, LOWER)}",
                "namespace": "prod",
                "annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration": json.dumps(applied)
                },
            },
            "type": "Opaque",
        }
        if self.rng.random() < 0.5:
            return json.dumps(manifest, indent=4) + "\n"
        lines = [f"  {k}: {v}" for k, v in data.items()]
        return (
            "apiVersion: v1\ndata:\n" + "\n".join(lines) + "\nkind: Secret\nmetadata:\n"
            f"  name: {manifest['metadata']['name']}\n  namespace: prod\ntype: Opaque\n"
        )

    def deployment(self) -> str:
        env = [{"name": "LOG_LEVEL", "value": "info"}]
        env.append({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"key": "password"}}})
        container = {"name": "api", "image": "registry.example.com/api:v2.14.0", "env": env}
        spec = {"replicas": 3, "template": {"spec": {"containers": [container]}}}
        doc = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"}}
        return json.dumps({**doc, "spec": spec}, indent=4) + "\n"

    def events(self) -> str:
        return "".join(
            f"{self.rng.randint(1, 59)}m   Warning   BackOff   pod/api-{self.word(5, LOWER)}   "
            "Back-off restarting failed container api\n"
            for _ in range(40)
        )

    def env(self) -> str:
        return (
            "PATH=/usr/local/bin:/usr/bin\nHOME=/root\n"
            f"AWS_ACCESS_KEY_ID=AKIA{self.word(16, string.ascii_uppercase + string.digits)}\n"
            f"AWS_SECRET_ACCESS_KEY={self.word(40)}\nGITHUB_TOKEN=ghp_{self.word(36)}\n"
            f"DATABASE_URL=postgres://app:{self.word(16)}@db.prod.svc:5432/app\n"
        )

    def kubeconfig(self) -> str:
        ca = base64.b64encode(self.rng.randbytes(800)).decode()
        return (
            "apiVersion: v1\nclusters:\n- cluster:\n"
            f"    certificate-authority-data: {ca}\n    server: https://10.0.0.1:6443\n"
            f"  name: prod\nusers:\n- name: ci\n  user:\n    token: {self.word(48)}\n"
        )

    def results(self, total_bytes: int) -> list[str]:
        makers: list[tuple[Callable[[], str], int]] = [
            (self.pods, 10),
            (self.logs, 10),
            (self.describe, 8),
            (self.configmap, 5),
            (self.secret, 2),
            (self.deployment, 4),
            (self.events, 5),
            (self.env, 1),
            (self.kubeconfig, 1),
        ]
        weighted = [maker for maker, weight in makers for _ in range(weight)]
        out: list[str] = []
        size = 0
        while size < total_bytes:
            text = self.rng.choice(weighted)()
            out.append(text)
            size += len(text.encode())
        return out


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def naive(group: str) -> Callable[[str], str]:
    """One ``re.sub`` per pattern of ``group``, each over the original text, ignoring case."""
    names = PATTERN_GROUPS[group]
    regexes = [
        (re.compile(branch.regex, re.IGNORECASE), BUILTIN_PATTERNS[name].marker)
        for name in names
        if name in BUILTIN_PATTERNS
        for branch in BUILTIN_PATTERNS[name].branches
    ]
    structural = "kubernetes_secret" in names

    def mask(text: str) -> str:
        if structural:
            text = mask_kubernetes_secrets(text)
        for regex, marker in regexes:
            text = regex.sub(marker, text)
        return text

    return mask


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--groups", default="security,all")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    results = Corpus(args.seed).results(int(args.mb * 1024 * 1024))
    size = sum(len(r.encode()) for r in results)
    mb = size / 1e6
    print(f"corpus: {len(results)} tool results, {mb:.1f} MB (10^6 bytes), masked one by one")

    plain = re.compile(r"(?i)password\s*[:=]\s*\S+")
    plain_time = best_of(args.repeat, lambda: [plain.sub("[MASKED]", r) for r in results])
    print(f"one plain re scan ({plain.pattern}): {mb / plain_time:7.1f} MB/s")

    for group in args.groups.split(","):
        masker = build_masker(MaskingRules(groups=(group,)))
        seconds = best_of(args.repeat, lambda m=masker: [m.mask(r) for r in results])
        changed = sum(1 for r in results if masker.mask(r) != r)
        slow = naive(group)
        slow_seconds = best_of(1, lambda s=slow: [s(r) for r in results])
        print(
            f"group {group:<9} {mb / seconds:7.1f} MB/s   {seconds / plain_time:4.1f}x one plain "
            f"re scan   ({changed} of {len(results)} results changed; one re.sub per pattern: "
            f"{mb / slow_seconds:.1f} MB/s)"
        )


if __name__ == "__main__":
    main()
