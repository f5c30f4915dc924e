"""Vertex AI settings from the environment: project, location and service-account credentials."""

from __future__ import annotations

import os
from dataclasses import dataclass

from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from google.oauth2 import service_account

from tarsy.config import ProviderConfig
from tarsy.llm.errors import LLMError

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
DEFAULT_LOCATION = "global"


@dataclass(frozen=True, slots=True)
class VertexSettings:
    project: str
    location: str
    credentials: Credentials | None


def vertex_settings(provider_name: str, config: ProviderConfig) -> VertexSettings:
    """Project and location from ``project_env``/``location_env``; credentials from the file
    named by ``credentials_env`` (else Application Default Credentials)."""
    project = _env(config.project_env) or os.environ.get("GOOGLE_CLOUD_PROJECT", "")
    if not project:
        raise LLMError(
            f"LLM provider {provider_name!r} (Vertex AI) needs a project: set environment "
            f"variable {config.project_env or 'GOOGLE_CLOUD_PROJECT'}",
            code="credentials",
        )
    location = _env(config.location_env) or DEFAULT_LOCATION
    credentials: Credentials | None = None
    path = _env(config.credentials_env)
    if config.credentials_env and not path:
        raise LLMError(
            f"LLM provider {provider_name!r} (Vertex AI): environment variable "
            f"{config.credentials_env} (service-account key file) is not set",
            code="credentials",
        )
    if path:
        try:
            credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                path, scopes=SCOPES
            )
        except (OSError, ValueError) as exc:
            raise LLMError(
                f"LLM provider {provider_name!r} (Vertex AI): cannot load the service-account "
                f"key named by {config.credentials_env}: {exc}",
                code="credentials",
            ) from None
    return VertexSettings(project, location, credentials)


def auth_error(provider_name: str, config: ProviderConfig, exc: GoogleAuthError) -> LLMError:
    """The ``credentials`` error for a failure to obtain a Google access token."""
    source = config.credentials_env or "Application Default Credentials"
    return LLMError(
        f"LLM provider {provider_name!r} (Vertex AI) could not authenticate with {source}: {exc}",
        code="credentials",
    )


def _env(name: str | None) -> str:
    return os.environ.get(name, "") if name else ""
