"""The structural Kubernetes Secret masker: YAML, JSON, lists, annotations, fallbacks."""

from __future__ import annotations

import json

import yaml

from tarsy.masking import SECRET_DATA_MARKER, has_secret, mask_kubernetes_secrets

SECRET_YAML = """\
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: prod
type: Opaque
data:
  DB_USER: YXBp
  DB_PASSWORD: WGs5I21QMnZRNyF0UjR3eg==
"""
CONFIGMAP_YAML = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings   # keep this comment
data:
  LOG_LEVEL: "debug"
  password_hint: ask the on-call
"""


def secret(name: str = "db", **extra: object) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "prod"},
        "type": "Opaque",
        "data": {"password": "c2VjcmV0LXZhbHVl"},
        **extra,
    }


def test_yaml_secret_data_becomes_one_marker_hiding_the_key_names_too() -> None:
    masked = mask_kubernetes_secrets(SECRET_YAML)
    assert "WGs5I21QMnZRNyF0UjR3eg==" not in masked and "DB_PASSWORD" not in masked
    parsed = yaml.safe_load(masked)
    assert parsed["data"] == SECRET_DATA_MARKER
    assert parsed["metadata"] == {"name": "db", "namespace": "prod"}
    assert masked.endswith("\n") and not masked.endswith("\n\n")


def test_string_data_is_masked_too_and_empty_data_is_left_alone() -> None:
    text = yaml.safe_dump(secret(stringData={"password": "plain"}, data={}))
    parsed = yaml.safe_load(mask_kubernetes_secrets(text))
    assert parsed["stringData"] == SECRET_DATA_MARKER
    assert parsed["data"] == {}


def test_text_without_a_secret_is_returned_as_is() -> None:
    for text in (CONFIGMAP_YAML, "kind: Secretive\n", "no kubernetes here", ""):
        assert mask_kubernetes_secrets(text) is text
    assert not has_secret(CONFIGMAP_YAML)
    assert has_secret('{"kind":"SecretList"}') and has_secret('\\"kind\\":\\"Secret\\"')


def test_only_the_secret_document_of_a_stream_is_rewritten() -> None:
    text = f"{CONFIGMAP_YAML}---\n{SECRET_YAML}---\n{CONFIGMAP_YAML}"
    masked = mask_kubernetes_secrets(text)
    first, middle, last = masked.split("---\n")
    assert first == CONFIGMAP_YAML and last == CONFIGMAP_YAML  # byte for byte, comment kept
    assert yaml.safe_load(middle)["data"] == SECRET_DATA_MARKER


def test_json_list_masks_secret_items_and_keeps_configmaps_and_indentation() -> None:
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}
    text = json.dumps({"kind": "List", "items": [secret(), configmap]}, indent=4) + "\n"
    masked = mask_kubernetes_secrets(text)
    parsed = json.loads(masked)
    assert parsed["items"][0]["data"] == SECRET_DATA_MARKER
    assert parsed["items"][1] == configmap
    assert masked.startswith('{\n    "kind"') and masked.endswith("}\n")


def test_secret_list_items_without_kind_are_found_by_the_list_kind() -> None:
    items = [{"metadata": {"name": "a"}, "data": {"k": "dmFsdWUxMjM0NTY="}}]
    text = json.dumps({"kind": "SecretList", "apiVersion": "v1", "items": items})
    parsed = json.loads(mask_kubernetes_secrets(text))
    assert parsed["items"][0]["data"] == SECRET_DATA_MARKER


def test_compact_json_stays_compact() -> None:
    text = json.dumps(secret(), separators=(",", ":"))
    masked = mask_kubernetes_secrets(text)
    assert "\n" not in masked and '"data":"[MASKED_SECRET_DATA]"' in masked


def test_last_applied_annotation_is_masked_and_reserialised_compactly() -> None:
    applied = json.dumps(secret(), separators=(",", ":")) + "\n"
    annotated = secret(metadata={"name": "db", "annotations": {"last-applied": applied}})
    for text in (yaml.safe_dump(annotated), json.dumps(annotated, indent=2)):
        masked = mask_kubernetes_secrets(text)
        assert "c2VjcmV0LXZhbHVl" not in masked
        loader = json.loads if text.startswith("{") else yaml.safe_load
        annotation = loader(masked)["metadata"]["annotations"]["last-applied"]
        assert annotation.endswith("}\n")
        assert json.loads(annotation)["data"] == SECRET_DATA_MARKER


def test_a_secret_embedded_in_a_non_secret_is_found() -> None:
    pod = {"kind": "Pod", "metadata": {"annotations": {"copy": json.dumps(secret())}}}
    masked = json.loads(mask_kubernetes_secrets(json.dumps(pod)))
    assert json.loads(masked["metadata"]["annotations"]["copy"])["data"] == SECRET_DATA_MARKER
    holder = {"kind": "ConfigMap", "data": {"secret.yaml": SECRET_YAML}}
    masked = yaml.safe_load(mask_kubernetes_secrets(yaml.safe_dump(holder)))
    assert yaml.safe_load(masked["data"]["secret.yaml"])["data"] == SECRET_DATA_MARKER


def test_yaml_sequence_of_secrets() -> None:
    text = yaml.safe_dump([secret("a"), secret("b")])
    parsed = yaml.safe_load(mask_kubernetes_secrets(text))
    assert [item["data"] for item in parsed] == [SECRET_DATA_MARKER] * 2


def test_unparseable_yaml_falls_back_to_masking_data_blocks_by_indentation() -> None:
    text = f"Here is the secret\n{SECRET_YAML}  oops: [unclosed\nafter: kept\n"
    masked = mask_kubernetes_secrets(text)
    assert "WGs5I21QMnZRNyF0UjR3eg==" not in masked and "YXBp" not in masked
    assert f"data: '{SECRET_DATA_MARKER}'\n" in masked
    assert masked.startswith("Here is the secret\napiVersion: v1\n")
    assert masked.endswith("after: kept\n")


def test_truncated_json_falls_back_to_masking_data_objects() -> None:
    text = json.dumps(secret(), indent=4)
    cut = text[: text.index("c2VjcmV0LXZhbHVl") + 8]
    masked = mask_kubernetes_secrets(cut)
    assert "c2VjcmV0" not in masked
    assert f'"data":"{SECRET_DATA_MARKER}"' in masked


def test_masking_twice_changes_nothing_more() -> None:
    text = f"{CONFIGMAP_YAML}---\n{SECRET_YAML}"
    once = mask_kubernetes_secrets(text)
    assert mask_kubernetes_secrets(once) == once
    bad = f"Here is the secret\n{SECRET_YAML}  oops: [unclosed\n"
    once = mask_kubernetes_secrets(bad)
    assert mask_kubernetes_secrets(once) == once


def test_deeply_nested_json_does_not_raise() -> None:
    deep = '{"kind":"Secret","x":' + "[" * 5000 + "]" * 5000 + "}"
    assert isinstance(mask_kubernetes_secrets(deep), str)
