"""Properties (hypothesis): idempotent, ConfigMaps untouched, text without a hit unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tarsy.masking import (
    BUILTIN_PATTERNS,
    PATTERN_GROUPS,
    SECRET_DATA_MARKER,
    CustomRule,
    Masker,
    MaskingRules,
    build_masker,
    mask_kubernetes_secrets,
)

CORPUS = Path(__file__).parents[2] / "fixtures" / "masking" / "samples"
CUSTOM_MARKER = "[MASKED_INTERNAL_ID]"
MARKERS = frozenset(
    {p.marker for p in BUILTIN_PATTERNS.values()} | {SECRET_DATA_MARKER, CUSTOM_MARKER}
)
GROUPS = sorted(PATTERN_GROUPS)
MASKERS: dict[str, Masker] = {g: build_masker(MaskingRules(groups=(g,))) for g in GROUPS}
MASKERS["all+custom"] = build_masker(
    MaskingRules(groups=("all",), custom=(CustomRule(r"INTERNAL_[A-Z0-9]{4,}", CUSTOM_MARKER),))
)

# Pieces that patterns are made of, so that generated text hits them (and near misses).
PIECES = [
    "password",
    "PASSWORD",
    "pass",
    "pwd",
    "token",
    "Bearer ",
    "--token ",
    "key",
    "api_key",
    "secret_key",
    "private_key",
    "aws_secret_access_key",
    "aws_access_key_id",
    "github_token",
    "client_secret",
    "authorization",
    "certificate-authority-data",
    "client-key-data",
    ": ",
    "=",
    '"',
    "'",
    "\\",
    '\\"',
    "\n",
    "  ",
    "://",
    "://user:",
    "@",
    "@example.com",
    ".",
    "-----BEGIN CERTIFICATE-----",
    "-----END CERTIFICATE-----",
    "ssh-rsa AAAA",
    "ecdsa-sha2-nistp256 AAAA",
    "AKIA",
    "ASIA",
    "ghp_",
    "xoxb-",
    "https://hooks.slack.com/services/",
    "eyJ",
    "==",
    "[MASKED_",
    "[REDACTED",
    "]",
    "INTERNAL_",
    "kind: Secret\n",
    "data:\n",
    '{"kind":"Secret","data":{"a":"b"}}',
    "c2VjcmV0LXZhbHVl",
    "Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZg",
    "YWRtaW4=",
    "abcdefghij",
    "ABCDEFGHIJ0123456789",
    "0123456789",
    "/",
    "+",
    "İ",
]
SAMPLES = sorted(path.read_text() for path in CORPUS.iterdir())
text_pieces = st.one_of(
    st.sampled_from(PIECES),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.text(alphabet="abcXYZ019+/=:_-. \n\"'@", min_size=1, max_size=24),
)
mixed_text = st.lists(text_pieces, max_size=16).map("".join)
corpus_slices = st.tuples(
    st.sampled_from(SAMPLES), st.integers(0, 4000), st.integers(0, 4000), mixed_text
).map(lambda t: t[3] + t[0][min(t[1], t[2]) : max(t[1], t[2])] + t[3])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(mixed_text, corpus_slices), group=st.sampled_from(sorted(MASKERS)))
def test_masking_is_idempotent(text: str, group: str) -> None:
    masker = MASKERS[group]
    once = masker.mask(text)
    assert masker.mask(once) == once


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(mixed_text, st.text()), group=st.sampled_from(sorted(MASKERS)))
def test_text_changes_only_where_a_marker_was_put(text: str, group: str) -> None:
    masked = MASKERS[group].mask(text)
    if not any(marker in masked and marker not in text for marker in MARKERS):
        assert masked is text


# Realistic kubectl output with no secret in it: every group returns it byte for byte.
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)
hashes = st.text(alphabet="bcdfghjklmnpqrstvwxz2456789", min_size=5, max_size=10)
counts = st.integers(0, 400)
pod_lines = st.builds(
    lambda ns, name, h, r, age: f"{ns:<12}{name}-{h}-{h[:5]}   1/1   Running   {r}   {age}m",
    names,
    names,
    hashes,
    counts,
    counts,
)
event_lines = st.builds(
    lambda age, name, reason: (
        f"{age}m   Warning   {reason.title()}   pod/{name}   "
        f"Back-off restarting failed container {name} (exit code {age % 3})"
    ),
    counts,
    names,
    names,
)
log_lines = st.builds(
    lambda m, s, path, ms: f"2026-11-24T08:{m % 60:02d}:{s % 60:02d}Z INFO  GET /{path} 200 {ms}ms",
    counts,
    counts,
    names,
    counts,
)
# Field names of `kubectl describe`: random words could spell a credential key ("pwd").
describe_keys = st.sampled_from(["Image", "Node", "Status", "Reason", "Limits", "Mounts", "Ready"])
describe_lines = st.builds(
    lambda key, value, n: f"    {key}:   {value} (limit {n}Mi, port {n}/TCP)",
    describe_keys,
    names,
    counts,
)
benign = st.lists(st.one_of(pod_lines, event_lines, log_lines, describe_lines), max_size=30).map(
    lambda lines: "\n".join(lines) + "\n"
)


@settings(max_examples=150, deadline=None)
@given(text=benign, group=st.sampled_from(GROUPS))
def test_kubectl_output_without_secrets_comes_back_byte_identical(text: str, group: str) -> None:
    assert MASKERS[group].mask(text) is text


# ConfigMaps: keys and values of any content; the Secret masker never touches them.
config_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789._-", min_size=1)
config_data = st.dictionaries(config_keys, st.text(), max_size=8)


def configmap(data: dict[str, str]) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "prod"},
        "data": data,
    }


SECRET = {"apiVersion": "v1", "kind": "Secret", "data": {"password": "c2VjcmV0LXZhbHVl"}}


@settings(max_examples=150, deadline=None)
@given(data=config_data)
def test_configmap_data_is_untouched(data: dict[str, str]) -> None:
    as_yaml = yaml.safe_dump(configmap(data), sort_keys=False)
    as_json = json.dumps(configmap(data), indent=4)
    assert mask_kubernetes_secrets(as_yaml) == as_yaml
    assert mask_kubernetes_secrets(as_json) == as_json

    stream = f"{as_yaml}---\n{yaml.safe_dump(SECRET)}"
    first, second = mask_kubernetes_secrets(stream).split("---\n", 1)
    assert first == as_yaml
    assert yaml.safe_load(second)["data"] == SECRET_DATA_MARKER

    listed = json.dumps({"kind": "List", "items": [configmap(data), SECRET]}, indent=2)
    items = json.loads(mask_kubernetes_secrets(listed))["items"]
    assert items[0]["data"] == data
    assert items[1]["data"] == SECRET_DATA_MARKER


def test_a_url_password_holding_a_base64_run_stays_masked_once() -> None:
    """Found by hypothesis: the base64 run was masked first, and the marker then looked like a
    URL password to the next pass."""
    masker = MASKERS["all"]
    once = masker.mask("://user:api_keypasswordpassword0A/@")
    assert masker.mask(once) == once
