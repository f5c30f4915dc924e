"""Process settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from tarsy.config import Settings


def test_defaults_from_an_empty_environment() -> None:
    settings = Settings.from_environ({})
    assert settings.data_dir == Path("data")
    assert settings.database_url == "sqlite+aiosqlite:///data/tarsy.db"
    assert (settings.http_port, settings.host) == (8080, "0.0.0.0")
    assert settings.config_dir is None
    assert (settings.log_level, settings.log_format, settings.pod_id) == ("info", "text", "local")


def test_values_from_the_environment() -> None:
    settings = Settings.from_environ(
        {
            "TARSY_DATA_DIR": "/var/lib/tarsy",
            "HTTP_PORT": "9090",
            "TARSY_HOST": "127.0.0.1",
            "CONFIG_DIR": "/etc/tarsy",
            "LOG_LEVEL": "DEBUG",
            "LOG_FORMAT": "json",
            "HOSTNAME": "tarsy-7d9",
            "UNRELATED": "x",
        }
    )
    assert settings.database_url == "sqlite+aiosqlite:////var/lib/tarsy/tarsy.db"
    assert (settings.http_port, settings.host) == (9090, "127.0.0.1")
    assert settings.config_dir == Path("/etc/tarsy")
    assert (settings.log_level, settings.log_format, settings.pod_id) == (
        "debug",
        "json",
        "tarsy-7d9",
    )


def test_explicit_database_url_and_pod_id_win() -> None:
    settings = Settings.from_environ(
        {
            "TARSY_DATABASE_URL": "postgresql+asyncpg://u@db/tarsy",
            "POD_ID": "pod-a",
            "HOSTNAME": "host-b",
        }
    )
    assert settings.database_url == "postgresql+asyncpg://u@db/tarsy"
    assert settings.pod_id == "pod-a"


def test_reads_os_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PORT", "8181")
    monkeypatch.setenv("POD_ID", "from-env")
    settings = Settings()
    assert (settings.http_port, settings.pod_id) == (8181, "from-env")


def test_explicit_construction_and_frozen() -> None:
    settings = Settings(http_port=1234, pod_id="p", log_format="json")
    assert (settings.http_port, settings.pod_id, settings.log_format) == (1234, "p", "json")
    with pytest.raises(pydantic.ValidationError):
        settings.http_port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    "environ", [{"HTTP_PORT": "0"}, {"LOG_FORMAT": "xml"}, {"LOG_LEVEL": "loud"}]
)
def test_invalid_values(environ: dict[str, str]) -> None:
    with pytest.raises(pydantic.ValidationError):
        Settings.from_environ(environ)
