"""Process settings from environment variables (frozen; ``Settings.from_environ`` for tests).

| variable | field | default |
|---|---|---|
| ``TARSY_DATA_DIR`` | ``data_dir`` | ``./data`` |
| ``TARSY_DATABASE_URL`` | ``database_url`` | ``sqlite+aiosqlite:///<data_dir>/tarsy.db`` |
| ``TARSY_DATABASE_SCHEMA`` | ``database_schema`` | unset: the server's default search_path |
| ``HTTP_PORT`` | ``http_port`` | ``8080`` |
| ``TARSY_HOST`` | ``host`` | ``0.0.0.0`` |
| ``CONFIG_DIR`` | ``config_dir`` | unset: the built-in demo configuration |
| ``LOG_LEVEL`` | ``log_level`` | ``info`` |
| ``LOG_FORMAT`` | ``log_format`` | ``text`` (or ``json``) |
| ``POD_ID``, else ``HOSTNAME`` | ``pod_id`` | ``local`` |
| ``TARSY_MCP_HEALTH_INTERVAL`` | ``mcp_health_interval`` | ``15`` (seconds; 0 = off) |
| ``TARSY_DASHBOARD_DIR`` | ``dashboard_dir`` | the checkout's ``web/dashboard/dist`` |
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["debug", "info", "warning", "error", "critical"]
LogFormat = Literal["text", "json"]


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _sqlite_url(data: dict[str, Any]) -> str:
    data_dir = data.get("data_dir", Path("data"))
    return f"sqlite+aiosqlite:///{Path(data_dir) / 'tarsy.db'}"


DEFAULT_DASHBOARD_DIR = Path(__file__).resolve().parents[3] / "web" / "dashboard" / "dist"


class Settings(BaseSettings):
    """How this process runs. Field names work as constructor keywords; env uses the aliases."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path("data"), validation_alias="TARSY_DATA_DIR")
    database_url: str = Field(default_factory=_sqlite_url, validation_alias="TARSY_DATABASE_URL")
    database_schema: str | None = Field(default=None, validation_alias="TARSY_DATABASE_SCHEMA")
    http_port: int = Field(default=8080, ge=1, le=65535, validation_alias="HTTP_PORT")
    host: str = Field(default="0.0.0.0", validation_alias="TARSY_HOST")
    config_dir: Path | None = Field(default=None, validation_alias="CONFIG_DIR")
    log_level: Annotated[LogLevel, BeforeValidator(_lower)] = Field(
        default="info", validation_alias="LOG_LEVEL"
    )
    log_format: Annotated[LogFormat, BeforeValidator(_lower)] = Field(
        default="text", validation_alias="LOG_FORMAT"
    )
    pod_id: str = Field(default="local", validation_alias=AliasChoices("POD_ID", "HOSTNAME"))
    mcp_health_interval: float = Field(
        default=15.0, ge=0, validation_alias="TARSY_MCP_HEALTH_INTERVAL"
    )
    """Seconds between MCP health checks of every configured server; 0 turns them off."""
    dashboard_dir: Path = Field(
        default_factory=lambda: DEFAULT_DASHBOARD_DIR, validation_alias="TARSY_DASHBOARD_DIR"
    )
    """The built dashboard (``make dashboard``) served at ``/``."""

    @field_validator("config_dir", "database_schema", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from an explicit mapping of environment variables (empty values ignored)."""
        return cls.model_validate({k: v for k, v in environ.items() if v != ""})
