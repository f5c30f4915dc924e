"""The deployment files hang together: the Containerfile, the compose file and the kustomize
manifests reference each other's names, ports, probes and secrets correctly, and the
configuration they ship loads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tarsy.config import load_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBE = DEPLOY / "kubernetes"


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def kube_objects() -> dict[tuple[str, str], dict[str, Any]]:
    kustomization = documents(KUBE / "kustomization.yaml")[0]
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for resource in kustomization["resources"]:
        assert (KUBE / resource).is_file(), f"kustomization lists a missing {resource}"
        for doc in documents(KUBE / resource):
            objects[(doc["kind"], doc["metadata"]["name"])] = doc
    for generated in kustomization.get("configMapGenerator", []):
        files = {}
        for entry in generated["files"]:
            key, _, source = entry.partition("=")
            assert (KUBE / source).is_file(), f"configMapGenerator reads a missing {source}"
            files[key] = (KUBE / source).read_text()
        objects[("ConfigMap", generated["name"])] = {"kind": "ConfigMap", "data": files}
    return objects


def test_the_deployment_references_what_exists() -> None:
    objects = kube_objects()
    deployment = objects[("Deployment", "tarsy")]
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert spec["replicas"] >= 2
    assert pod["securityContext"]["runAsNonRoot"] is True
    containers = {c["name"]: c for c in pod["containers"]}
    tarsy = containers["tarsy"]
    env = {e["name"]: e for e in tarsy["env"]}
    assert env["POD_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name", "stable ids"
    ports = {p["name"]: p["containerPort"] for c in containers.values() for p in c["ports"]}
    assert ports["api"] == int(env["HTTP_PORT"]["value"])
    for probe in ("readinessProbe", "livenessProbe"):
        assert tarsy[probe]["httpGet"] == {"path": "/health", "port": "api"}
    # Every secret key and config map the pod uses exists.
    for container in containers.values():
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                secret = objects[("Secret", ref["name"])]
                assert ref["key"] in secret["stringData"], ref
            for probe in ("readinessProbe", "livenessProbe"):
                if probe in container:
                    assert container[probe]["httpGet"]["port"] in {
                        p["name"] for p in container["ports"]
                    }
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in tarsy["volumeMounts"]:
        config_map = volumes[mount["name"]]["configMap"]["name"]
        assert ("ConfigMap", config_map) in objects
        assert mount["mountPath"] == env["CONFIG_DIR"]["value"]
    # oauth2-proxy forwards to TARSy's port; the Service reaches oauth2-proxy, not TARSy.
    proxy = containers["oauth2-proxy"]
    assert f"--upstream=http://127.0.0.1:{ports['api']}" in proxy["args"]
    listen = next(a for a in proxy["args"] if a.startswith("--http-address="))
    assert listen.endswith(f":{ports['http']}")
    service = objects[("Service", "tarsy")]
    assert service["spec"]["selector"].items() <= labels.items()
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]
    pdb = objects[("PodDisruptionBudget", "tarsy")]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert 0 < pdb["spec"]["minAvailable"] < spec["replicas"]


def test_the_shipped_configuration_loads_and_fits_the_pod(tmp_path: Path) -> None:
    config_map = kube_objects()[("ConfigMap", "tarsy-config")]["data"]
    for name, text in config_map.items():
        (tmp_path / name).write_text(text)
    config = load_config(tmp_path, env={"GOOGLE_API_KEY": "x"})
    assert config.system.auth.modes == ("proxy",)
    assert "127.0.0.1/32" in config.system.auth.trusted_proxies, "the sidecar proxy is trusted"
    pod = kube_objects()[("Deployment", "tarsy")]["spec"]["template"]["spec"]
    grace = config.queue.graceful_shutdown_timeout.total_seconds()
    assert pod["terminationGracePeriodSeconds"] > grace, "sessions may finish before SIGKILL"


def test_compose_and_containerfile_agree() -> None:
    compose = documents(DEPLOY / "compose.yaml")[0]
    services = compose["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on a missing {dependency}"
        for network in service.get("networks", []):
            assert network in compose["networks"]
    tarsy = services["tarsy"]
    containerfile = (DEPLOY / tarsy["build"]["context"] / tarsy["build"]["dockerfile"]).resolve()
    assert containerfile == DEPLOY / "Containerfile"
    text = containerfile.read_text()
    assert len(re.findall(r"^FROM ", text, re.MULTILINE)) >= 3, "multi-stage"
    assert re.search(r"^USER 10001$", text, re.MULTILINE), "runs as non-root"
    exposed = int(re.search(r"^EXPOSE (\d+)$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert int(tarsy["environment"]["HTTP_PORT"]) == exposed
    assert "ports" not in tarsy, "TARSy is reached through oauth2-proxy only"
    proxy = services["oauth2-proxy"]
    assert f"--upstream=http://tarsy:{exposed}" in proxy["command"]
    assert "--skip-auth-route=^/health$" in proxy["command"]
    assert "postgres:5432/tarsy" in tarsy["environment"]["TARSY_DATABASE_URL"]
    for volume in tarsy["volumes"]:
        source, target = volume.split(":")[:2]
        assert (DEPLOY / source).is_dir() and target == tarsy["environment"]["CONFIG_DIR"]
    subnet = compose["networks"]["tarsy"]["ipam"]["config"][0]["subnet"]
    shipped = yaml.safe_load((DEPLOY / "config" / "tarsy.yaml").read_text())
    assert subnet in shipped["system"]["auth"]["trusted_proxies"], "the proxy's network is trusted"
    # The Containerfile copies what the build needs.
    for needed in ("web/dashboard/package-lock.json", "uv.lock", "src/"):
        assert needed in text
