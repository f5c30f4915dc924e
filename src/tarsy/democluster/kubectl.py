"""kubectl-like text views of the simulated cluster: get, describe, logs, events, top."""

from __future__ import annotations

from tarsy.democluster.cluster import DEPLOYMENTS, EVENTS, NODES, PODS, SECRETS, Pod

KINDS = ("pods", "deployments", "secrets", "nodes", "namespaces", "events")
_ALIASES = {
    "pod": "pods", "po": "pods", "deployment": "deployments", "deploy": "deployments",
    "secret": "secrets", "node": "nodes", "no": "nodes", "namespace": "namespaces",
    "ns": "namespaces", "event": "events", "ev": "events",
}  # fmt: skip


class NotFoundError(Exception):
    """What kubectl would print as ``Error from server (NotFound)``."""


def kind_of(kind: str) -> str:
    k = kind.strip().lower()
    k = _ALIASES.get(k, k)
    if k not in KINDS:
        raise NotFoundError(
            f'error: the server doesn\'t have a resource type "{kind}" (known: {", ".join(KINDS)})'
        )
    return k


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)  # fmt: skip


def _pods(namespace: str) -> list[Pod]:
    return [p for p in PODS if not namespace or p.namespace == namespace]


def find_pod(name: str, namespace: str) -> Pod:
    for pod in _pods(namespace):
        if pod.name == name or (pod.name.startswith(name) and name):
            return pod
    where = f' in namespace "{namespace}"' if namespace else ""
    raise NotFoundError(f'Error from server (NotFound): pods "{name}" not found{where}')


def get_pods(namespace: str = "") -> str:
    rows = [["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE"]]
    for p in _pods(namespace):
        ready = sum(c.ready for c in p.containers)
        restarts = sum(c.restarts for c in p.containers)
        rows.append([p.namespace, p.name, f"{ready}/{len(p.containers)}", p.status,
                     str(restarts), p.age, p.node])  # fmt: skip
    return _table(rows) if len(rows) > 1 else f"No resources found in {namespace} namespace."


def get(kind: str, name: str = "", namespace: str = "", output: str = "") -> str:
    k = kind_of(kind)
    if k == "pods":
        if name:
            pod = find_pod(name, namespace)
            return describe_pod(pod) if output == "yaml" else get_pods(pod.namespace)
        return get_pods(namespace)
    if k == "secrets":
        return _get_secrets(name, namespace, output)
    if k == "deployments":
        rows = [["NAMESPACE", "NAME", "SUMMARY"]]
        rows += [["prod", d, s] for d, s in DEPLOYMENTS.items() if not name or d == name]
        return _table(rows)
    if k == "nodes":
        return _table([["NAME", "STATUS"]] + [[n, cond] for n, _, _, cond in NODES])
    if k == "namespaces":
        return _table([["NAME", "STATUS"], ["default", "Active"], ["kube-system", "Active"],
                       ["prod", "Active"]])  # fmt: skip
    return events(namespace)


def _get_secrets(name: str, namespace: str, output: str) -> str:
    secrets = [s for s in SECRETS if (not namespace or s.namespace == namespace)]
    secrets = [s for s in secrets if not name or s.name == name]
    if not secrets:
        raise NotFoundError(f'Error from server (NotFound): secrets "{name}" not found')
    if output != "yaml":
        rows = [["NAMESPACE", "NAME", "TYPE", "DATA"]]
        rows += [[s.namespace, s.name, "Opaque", str(len(s.data))] for s in secrets]
        return _table(rows)
    docs = []
    for s in secrets:
        data = "\n".join(f"  {k}: {v}" for k, v in s.encoded().items())
        docs.append(
            f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {s.name}\n"
            f"  namespace: {s.namespace}\ntype: Opaque\ndata:\n{data}"
        )
    return "\n---\n".join(docs)


def describe_pod(pod: Pod) -> str:
    lines = [f"Name:         {pod.name}", f"Namespace:    {pod.namespace}",
             f"Node:         {pod.node}", f"IP:           {pod.ip}",
             f"Controlled By: {pod.owner}",
             "Labels:       " + ",".join(f"{k}={v}" for k, v in pod.labels.items()),
             f"Status:       {pod.status}", "Containers:"]  # fmt: skip
    for c in pod.containers:
        lines += [f"  {c.name}:", f"    Image:          {c.image}",
                  f"    State:          {c.state}" + (f" ({c.reason})" if c.reason else ""),
                  f"    Ready:          {c.ready}", f"    Restart Count:  {c.restarts}",
                  f"    Limits:         memory={c.mem_limit}"]  # fmt: skip
        if c.last_state:
            lines.append(f"    Last State:     {c.last_state}")
        if c.readiness:
            lines.append(f"    Readiness:      {c.readiness}")
        lines += [f"    Mounts:         {m}" for m in c.mounts]
    lines.append("Events:")
    mine = [e for e in EVENTS if e.obj == f"pod/{pod.name}"]
    lines += [f"  {e.type}  {e.reason}  {e.last_seen}  {e.message}" for e in mine] or ["  <none>"]
    return "\n".join(lines)


def describe(kind: str, name: str, namespace: str = "") -> str:
    k = kind_of(kind)
    if k == "pods":
        return describe_pod(find_pod(name, namespace))
    if k == "deployments" and name in DEPLOYMENTS:
        return f"Name:       {name}\nNamespace:  prod\nDetails:    {DEPLOYMENTS[name]}"
    if k == "secrets":
        for s in SECRETS:
            if s.name == name:
                sizes = "\n".join(f"{key}:  {len(v)} bytes" for key, v in s.data.items())
                return f"Name:       {s.name}\nNamespace:  {s.namespace}\nType:  Opaque\n\nData\n====\n{sizes}"  # noqa: E501
    if k == "nodes":
        for n, cpu, mem, cond in NODES:
            if n == name:
                return f"Name:  {n}\nConditions:  {cond}\nAllocated:  cpu {cpu}m, memory {mem}Mi"
    raise NotFoundError(f'Error from server (NotFound): {k} "{name}" not found')


def logs(name: str, namespace: str = "", container: str = "", previous: bool = False,
         tail: int = 100) -> str:  # fmt: skip
    if not name:
        pod = max(_pods(namespace), key=lambda p: sum(c.restarts for c in p.containers))
        previous = previous or any(c.state == "Waiting" for c in pod.containers)
    else:
        pod = find_pod(name, namespace)
    chosen = [c for c in pod.containers if not container or c.name == container]
    if not chosen:
        raise NotFoundError(f"error: container {container} is not valid for pod {pod.name}")
    c = chosen[0]
    if previous and not c.previous_logs:
        return f'Error: previous terminated container "{c.name}" in pod "{pod.name}" not found'
    lines = c.previous_logs if previous else c.logs
    if not lines and c.state == "Waiting":
        hint = " (try previous=true)" if c.previous_logs else ""
        return f'container "{c.name}" in pod "{pod.name}" is waiting to start: {c.reason}{hint}'
    return "\n".join(lines[-max(tail, 1) :])


def events(namespace: str = "") -> str:
    rows = [["NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]]
    rows += [[e.namespace or "-", e.last_seen, e.type, e.reason, e.obj, e.message]
             for e in EVENTS if not namespace or e.namespace in (namespace, "")]  # fmt: skip
    return _table(rows)


def top(kind: str = "pods", namespace: str = "") -> str:
    if kind_of(kind) == "nodes":
        rows = [["NAME", "CPU(cores)", "MEMORY(bytes)"]]
        rows += [[n, f"{cpu}m", f"{mem}Mi"] for n, cpu, mem, _ in NODES]
        return _table(rows)
    rows = [["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)", "MEMORY LIMIT"]]
    for p in _pods(namespace):
        for c in p.containers:
            if c.state == "Running" or c.reason == "OOMKilled":
                rows.append([p.namespace, p.name, f"{c.cpu_m}m", f"{c.mem_mi}Mi", c.mem_limit])
    return _table(rows)
