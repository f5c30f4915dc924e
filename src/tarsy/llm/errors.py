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
    """A model call failed. ``retryable`` says whether the same call may succeed later."""

    def __init__(self, message: str, *, code: ErrorCode, retryable: bool = False) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.retryable = retryable
