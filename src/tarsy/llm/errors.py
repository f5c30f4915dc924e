"""LLM call failures, classified with the error codes the fallback rules act on."""

from __future__ import annotations

from typing import Literal

from tarsy.domain.errors import TarsyError

ErrorCode = Literal[
    "max_retries",
    "credentials",
    "provider_error",
    "invalid_request",
    "initial_response_timeout",
    "stall_timeout",
    "partial_stream_error",
    "loop_detected",
]


class LLMError(TarsyError):
    """A model call failed. ``retryable`` says whether the same call may succeed later.

    ``retry_after`` is the delay in seconds the provider asked for (``Retry-After``), if any.
    ``kept_text`` is set for ``loop_detected``: the text this call produced before the loop
    started, which the caller should keep instead of everything it streamed.
    """

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode,
        retryable: bool = False,
        retry_after: float | None = None,
        kept_text: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.retryable = retryable
        self.retry_after = retry_after
        self.kept_text = kept_text
