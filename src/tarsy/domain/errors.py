"""The single error root of TARSy and the domain errors that the API maps to HTTP statuses."""

from __future__ import annotations


class TarsyError(Exception):
    """Root of every error TARSy raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(TarsyError):
    """Input was malformed or violated a rule (HTTP 400)."""


class PayloadTooLarge(TarsyError):
    """Input exceeded a size limit (HTTP 413)."""


class NotFound(TarsyError):
    """The addressed entity does not exist or was soft-deleted (HTTP 404)."""


class Conflict(TarsyError):
    """The entity is in a state that forbids the operation (HTTP 409)."""


class Unavailable(TarsyError):
    """A service needed for the operation is not wired or is shutting down (HTTP 503)."""


class ConfigError(TarsyError):
    """Configuration is invalid. The message names the file, the key path and the line."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key_path: str | None = None,
        line: int | None = None,
    ) -> None:
        where = []
        if file:
            where.append(file if line is None else f"{file}:{line}")
        if key_path:
            where.append(key_path)
        full = f"{': '.join(where)}: {message}" if where else message
        super().__init__(full)
        self.detail = message
        self.file = file
        self.key_path = key_path
        self.line = line


class ConfigErrors(TarsyError):
    """Several configuration problems found at once; each is a ``ConfigError``."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.message for e in errors))
