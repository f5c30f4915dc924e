"""Vendor failures to ``LLMError``: HTTP statuses, transport errors, malformed tool arguments.

- 401/403 -> ``credentials`` (names the provider and the env var holding the key);
- 400, 404, 413, 422 and other 4xx -> ``invalid_request`` (not retryable);
- 408, 409, 429, 5xx and transport failures -> ``provider_error`` (retryable), carrying the
  ``Retry-After`` delay when the vendor sent one;
- tool-call arguments that are not a JSON object -> ``partial_stream_error`` (not retryable:
  the agent loop asks the model again with the error explained);
- a response the SDK cannot parse (``MALFORMED_RESPONSE``) -> ``partial_stream_error``,
  retryable (it is retried only if nothing had been streamed yet).
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
import httpx2

from tarsy.llm.errors import LLMError

RETRYABLE_4XX = frozenset({408, 409, 429})
TRANSPORT_ERRORS = (httpx2.TransportError, httpx.TransportError)
MALFORMED_RESPONSE = (ValueError, TypeError, KeyError)
MESSAGE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class ProviderLabel:
    """How errors name a provider: its key in llm-providers.yaml, vendor and credential source."""

    name: str
    vendor: str
    credential_env: str | None = None

    def __str__(self) -> str:
        return f"LLM provider {self.name!r} ({self.vendor})"


def status_error(
    label: ProviderLabel, status: int, detail: str, headers: Mapping[str, str] | None = None
) -> LLMError:
    """The ``LLMError`` for an HTTP error status returned by the vendor."""
    detail = detail.strip()[:MESSAGE_LIMIT]
    if status in (401, 403):
        source = (
            f"check the key in environment variable {label.credential_env}"
            if label.credential_env
            else "check its configured credentials"
        )
        return LLMError(
            f"{label} rejected the credentials (HTTP {status}): {source}. {detail}",
            code="credentials",
        )
    if status in RETRYABLE_4XX or status >= 500:
        return LLMError(
            f"{label} failed (HTTP {status}): {detail}",
            code="provider_error",
            retryable=True,
            retry_after=retry_after(headers or {}),
        )
    return LLMError(
        f"{label} refused the request (HTTP {status}): {detail}", code="invalid_request"
    )


def transport_error(label: ProviderLabel, exc: BaseException) -> LLMError:
    """The retryable ``LLMError`` for a connection failure, timeout or broken stream."""
    return LLMError(
        f"{label} could not be reached or the stream broke: {type(exc).__name__}: {exc}",
        code="provider_error",
        retryable=True,
    )


def malformed_response(label: ProviderLabel, exc: BaseException) -> LLMError:
    """The ``LLMError`` for a response the SDK could not parse (bad JSON, unexpected shape)."""
    return LLMError(
        f"{label} sent a response that could not be read: {type(exc).__name__}: "
        f"{str(exc)[:MESSAGE_LIMIT]}",
        code="partial_stream_error",
        retryable=True,
    )


def stream_error(label: ProviderLabel, kind: str, detail: str) -> LLMError:
    """The ``LLMError`` for an error event sent inside a successful (HTTP 200) stream."""
    overloaded = any(word in kind.lower() for word in ("overload", "rate", "unavailable", "api"))
    return LLMError(
        f"{label} reported {kind} mid-stream: {detail[:MESSAGE_LIMIT]}",
        code="provider_error" if overloaded else "partial_stream_error",
        retryable=overloaded,
    )


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if _looks_like_date(value) else None
        return None if parsed is None else max(0.0, parsed.timestamp() - time.time())


def _looks_like_date(value: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(value) is not None
    except (TypeError, ValueError):
        return False


def checked_arguments(label: ProviderLabel, tool: str, raw: str) -> str:
    """The tool call's argument text if it is a JSON object (empty means ``{}``); else raises."""
    text = raw.strip()
    if not text:
        return "{}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LLMError(
            f"{label} produced malformed JSON arguments for tool {tool!r}: {exc.msg} at "
            f"position {exc.pos}: {text[:200]!r}",
            code="partial_stream_error",
        ) from None
    if not isinstance(value, dict):
        raise LLMError(
            f"{label} produced arguments for tool {tool!r} that are not a JSON object: "
            f"{text[:200]!r}",
            code="partial_stream_error",
        )
    return text
