"""Vendor failures classified into LLMError codes; Retry-After parsing; argument checks."""

from __future__ import annotations

import email.utils
import time

import pytest

from tarsy.llm.errors import LLMError
from tarsy.llm.providers.failures import (
    ProviderLabel,
    checked_arguments,
    retry_after,
    status_error,
    stream_error,
)

LABEL = ProviderLabel("openai-main", "OpenAI", "OPENAI_API_KEY")


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (401, "credentials", False),
        (403, "credentials", False),
        (400, "invalid_request", False),
        (404, "invalid_request", False),
        (422, "invalid_request", False),
        (408, "provider_error", True),
        (429, "provider_error", True),
        (500, "provider_error", True),
        (503, "provider_error", True),
        (529, "provider_error", True),
    ],
)
def test_status_codes(status: int, code: str, retryable: bool) -> None:
    error = status_error(LABEL, status, "detail")
    assert (error.code, error.retryable) == (code, retryable)
    assert "'openai-main'" in error.message


def test_credentials_errors_name_the_env_var() -> None:
    error = status_error(LABEL, 401, "Incorrect API key")
    assert "OPENAI_API_KEY" in error.message


def test_retry_after_forms() -> None:
    assert retry_after({"Retry-After": "12"}) == 12.0
    assert retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    parsed = retry_after({"retry-after": future})
    assert parsed is not None and 25 <= parsed <= 31
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None
    assert status_error(LABEL, 429, "slow down", {"retry-after": "4"}).retry_after == 4.0


def test_mid_stream_errors() -> None:
    assert stream_error(LABEL, "overloaded_error", "Overloaded").retryable
    assert stream_error(LABEL, "invalid_thing", "bad").code == "partial_stream_error"


def test_arguments_must_be_a_json_object() -> None:
    assert checked_arguments(LABEL, "t", "") == "{}"
    assert checked_arguments(LABEL, "t", ' {"a": 1} ') == '{"a": 1}'
    for bad in ('{"a": ', "[1, 2]", "null"):
        with pytest.raises(LLMError) as caught:
            checked_arguments(LABEL, "k8s.pods", bad)
        assert caught.value.code == "partial_stream_error"
        assert not caught.value.retryable
