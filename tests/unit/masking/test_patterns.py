"""Each built-in pattern: what it masks, what it keeps, and the names config validation knows."""

from __future__ import annotations

import pytest

from tarsy.config import masking_names
from tarsy.masking import (
    BUILTIN_PATTERNS,
    CODE_MASKERS,
    PATTERN_GROUPS,
    PATTERN_NAMES,
    MaskingRules,
    Scanner,
    build_masker,
)


def only(name: str, text: str) -> str:
    return Scanner([name]).scan(text)


MASKED = [
    ("api_key", "api_key=AbCdEfGhIjKlMnOpQrStUvWx", "api_key=[MASKED_API_KEY]"),
    ("api_key", "X-API-Key: 0123456789abcdef0123456789", "X-API-Key: [MASKED_API_KEY]"),
    ("api_key", '{"apiKey": "abcdefghijklmnopqrstuvwx"}', '{"apiKey": "[MASKED_API_KEY]"}'),
    ("password", "password: hunter22", "password: [MASKED_PASSWORD]"),
    ("password", "DB_PASSWORD=Xk9#mP2vQ7!tR4wz", "DB_PASSWORD=[MASKED_PASSWORD]"),
    ("password", '{"password": "a b c"}', '{"password": "[MASKED_PASSWORD]"}'),
    ("password", r"{\"passwd\":\"s3cr3tX\"}", r"{\"passwd\":\"[MASKED_PASSWORD]\"}"),
    ("password", "pass=abc123def", "pass=[MASKED_PASSWORD]"),
    ("password", "PWD=/home/app", "PWD=[MASKED_PASSWORD]"),
    ("password", "passphrase: 'long phrase'", "passphrase: '[MASKED_PASSWORD]'"),
    (
        "password",
        "postgres://admin:S3cr3t@db.example.com:5432/app",
        "postgres://admin:[MASKED_PASSWORD]@db.example.com:5432/app",
    ),
    ("password", "redis://:p4ss@redis:6379", "redis://:[MASKED_PASSWORD]@redis:6379"),
    (
        "password",
        "Server=db;User Id=sa;Password=P@ssw0rd!;Database=app",
        "Server=db;User Id=sa;Password=[MASKED_PASSWORD]",
    ),
    (
        "certificate",
        "a\n-----BEGIN CERTIFICATE-----\nMIIB\nxyz\n-----END CERTIFICATE-----\nb",
        "a\n[MASKED_CERTIFICATE]\nb",
    ),
    (
        "certificate",
        '"key": "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n"',
        '"key": "[MASKED_CERTIFICATE]\\n"',
    ),
    ("certificate", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpA\nqwe", "[MASKED_CERTIFICATE]"),
    (
        "certificate_authority_data",
        "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
        "    certificate-authority-data: [MASKED_CA_CERTIFICATE]",
    ),
    (
        "certificate_authority_data",
        '"client-key-data": "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVk="',
        '"client-key-data": "[MASKED_CA_CERTIFICATE]"',
    ),
    ("token", "token: abcdefghijklmnopqrstuvwxyz", "token: [MASKED_TOKEN]"),
    (
        "token",
        "Authorization: Bearer abcdefghijklmnopqrstu",
        "Authorization: Bearer [MASKED_TOKEN]",
    ),
    ("token", "Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [MASKED_TOKEN]"),
    ("token", "kubectl --token abcdefghijklmnopqrstuvwx get", "kubectl --token [MASKED_TOKEN] get"),
    ("token", "kubectl --token=abcdefghijklmnopqrstuvwx get", "kubectl --token=[MASKED_TOKEN] get"),
    ("token", "JWT_SECRET=abcdefghijklmnopqrstuvwxyz", "JWT_SECRET=[MASKED_TOKEN]"),
    (
        "token",
        "link eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fw done",
        "link [MASKED_TOKEN] done",
    ),
    ("email", "mail ops@example.com now", "mail [MASKED_EMAIL] now"),
    ("email", "<First.Last+tag@mail.example.co.uk>", "<[MASKED_EMAIL]>"),
    (
        "ssh_key",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0 deploy@ci",
        "ssh-ed25519 [MASKED_SSH_KEY] deploy@ci",
    ),
    (
        "ssh_key",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY= bob",
        "ecdsa-sha2-nistp256 [MASKED_SSH_KEY] bob",
    ),
    (
        "base64_secret",
        "blob c2VjcmV0LXZhbHVlLWhlcmUtMTIzNA== end",
        "blob [MASKED_BASE64_VALUE] end",
    ),
    ("base64_secret", "id=Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZg", "id=[MASKED_BASE64_VALUE]"),
    ("base64_short", "  DB_USER: YWRtaW4=\n", "  DB_USER: [MASKED_SHORT_BASE64]\n"),
    ("base64_short", '"k": c2VjcmV0MTIz,', '"k": [MASKED_SHORT_BASE64],'),
    (
        "private_key",
        "private_key = abcdefghijklmnopqrstuvwxyz",
        "private_key = [MASKED_PRIVATE_KEY]",
    ),
    ("secret_key", "SECRET_KEY=abcdefghijklmnopqrstuvwxyz", "SECRET_KEY=[MASKED_SECRET_KEY]"),
    ("secret_key", "client_secret: abcdefghijklmnopqrstuv", "client_secret: [MASKED_SECRET_KEY]"),
    ("aws_access_key", "key AKIAIOSFODNN7EXAMPLE in log", "key [MASKED_AWS_KEY] in log"),
    (
        "aws_access_key",
        "aws_access_key_id = ASIAIOSFODNN7EXAMPLE",
        "aws_access_key_id = [MASKED_AWS_KEY]",
    ),
    (
        "aws_secret_key",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY=[MASKED_AWS_SECRET]",
    ),
    (
        "github_token",
        "push with ghp_1234567890abcdefghijABCDEFGHIJ123456 now",
        "push with [MASKED_GITHUB_TOKEN] now",
    ),
    ("github_token", "GITHUB_TOKEN=v1.abcdef0123", "GITHUB_TOKEN=[MASKED_GITHUB_TOKEN]"),
    ("github_token", "github_pat_11ABCDEFGHIJ0123456789_xyz", "[MASKED_GITHUB_TOKEN]"),
    (
        "slack_token",
        "client xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp",
        "client [MASKED_SLACK_TOKEN]",
    ),
    (
        "slack_token",
        "POST https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX",
        "POST https://hooks.slack.com/services/[MASKED_SLACK_TOKEN]",
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), MASKED)
def test_pattern_masks_the_secret_and_keeps_its_introduction(
    name: str, text: str, expected: str
) -> None:
    assert only(name, text) == expected


KEPT = [
    ("api_key", "api_key=short"),
    ("api_key", "secretKeyRef:\n  key: DB_PASSWORD"),
    ("password", "password: 12345"),
    ("password", "bypass: enabled-by-default"),
    ("password", "passthrough: true"),
    ("password", "DB_PASSWORD:  16 bytes"),
    ("password", "http://host:8080/path"),
    ("token", "token: short"),
    ("token", "token_uri: https://oauth2.googleapis.com/token"),
    ("email", "image registry.example.com/api@sha256:abc"),
    ("email", "user@localhost"),
    ("base64_secret", "/var/lib/kubelet/pods/1234567890/volumes/kubernetes.io~secret"),
    ("base64_secret", "ReplicaSetControllerManagerName"),
    ("base64_secret", "abcdefghijklmnopqrstuvwxyz0123456789" + "=" * 3),
    ("base64_short", "  cpu: 100m\n  port: 8080\n  namespace: prod\n"),
    ("aws_access_key", "XAKIAIOSFODNN7EXAMPLE"),
    ("aws_secret_key", "aws_secret_access_key=tooshort"),
    ("certificate", "BEGIN CERTIFICATE without dashes"),
]


@pytest.mark.parametrize(("name", "text"), KEPT)
def test_pattern_leaves_lookalikes_alone(name: str, text: str) -> None:
    assert only(name, text) == text


def test_every_built_in_is_case_insensitive() -> None:
    assert only("password", "PASSWORD: HUNTER22") == "PASSWORD: [MASKED_PASSWORD]"
    assert only("token", "TOKEN=ABCDEFGHIJKLMNOPQRSTUVWX") == "TOKEN=[MASKED_TOKEN]"


def test_text_whose_length_changes_when_lower_cased_is_still_masked() -> None:
    text = "İstanbul password: hunter22 İ"  # 'İ'.lower() is two characters
    assert len(text.lower()) != len(text)
    assert only("password", text) == "İstanbul password: [MASKED_PASSWORD] İ"


def test_names_match_what_config_validation_knows() -> None:
    assert frozenset(BUILTIN_PATTERNS) == masking_names.REGEX_PATTERN_NAMES
    assert CODE_MASKERS == masking_names.CODE_MASKER_NAMES
    assert PATTERN_NAMES == masking_names.PATTERN_NAMES
    assert {k: set(v) for k, v in PATTERN_GROUPS.items()} == {
        k: set(v) for k, v in masking_names.PATTERN_GROUPS.items()
    }
    assert set(PATTERN_GROUPS["all"]) == PATTERN_NAMES


def test_leftmost_match_wins_then_pattern_order() -> None:
    masker = build_masker(MaskingRules(groups=("all",)))
    # aws_access_key_id starts before "key": the AWS pattern wins over api_key.
    assert masker.mask("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE") == (
        "AWS_ACCESS_KEY_ID=[MASKED_AWS_KEY]"
    )
    assert masker.mask("token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3In0.abc") == (
        "token: [MASKED_TOKEN]"
    )
    assert masker.mask("x ops@example.com y") == "x [MASKED_EMAIL] y"
