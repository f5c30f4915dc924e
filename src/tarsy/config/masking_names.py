"""Names of the built-in masking patterns and pattern groups, for config validation only.

The regular expressions and the structural maskers themselves live in ``tarsy.masking``; config
only needs to know which names exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

REGEX_PATTERN_NAMES: frozenset[str] = frozenset(
    {
        "api_key",
        "password",
        "certificate",
        "certificate_authority_data",
        "token",
        "email",
        "ssh_key",
        "base64_secret",
        "base64_short",
        "private_key",
        "secret_key",
        "aws_access_key",
        "aws_secret_key",
        "github_token",
        "slack_token",
    }
)
CODE_MASKER_NAMES: frozenset[str] = frozenset({"kubernetes_secret"})
PATTERN_NAMES: frozenset[str] = REGEX_PATTERN_NAMES | CODE_MASKER_NAMES

PATTERN_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "basic": ("api_key", "password"),
        "secrets": ("api_key", "password", "token", "private_key", "secret_key"),
        "security": (
            "api_key",
            "password",
            "token",
            "certificate",
            "certificate_authority_data",
            "email",
            "ssh_key",
        ),
        "kubernetes": ("kubernetes_secret", "api_key", "password", "certificate_authority_data"),
        "cloud": ("aws_access_key", "aws_secret_key", "api_key", "token"),
        "all": ("kubernetes_secret", *sorted(REGEX_PATTERN_NAMES)),
    }
)
