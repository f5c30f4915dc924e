"""Helpers for config tests: write a config directory, load it, find located errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tarsy.config import TarsyConfig, load_config
from tarsy.domain.errors import ConfigError, ConfigErrors

PROVIDERS = """\
llm_providers:
  test:
    type: scripted
    model: scripted-test
"""
TARSY = """\
defaults:
  llm_provider: test
"""
MARK = "#<"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "config"

WriteConfig = Callable[..., Path]


def marked_line(text: str) -> int:
    """1-based line of the one line carrying the ``#<`` marker."""
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if MARK in line]
    assert len(lines) == 1, f"expected one {MARK} marker, found {len(lines)}"
    return lines[0]


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    def write(
        tarsy: str = TARSY,
        providers: str | None = PROVIDERS,
        skills: Mapping[str, str] | None = None,
    ) -> Path:
        (tmp_path / "tarsy.yaml").write_text(tarsy)
        if providers is not None:
            (tmp_path / "llm-providers.yaml").write_text(providers)
        for rel, content in (skills or {}).items():
            path = tmp_path / "skills" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        return tmp_path

    return write


def load(directory: Path, env: Mapping[str, str] | None = None) -> TarsyConfig:
    return load_config(directory, env=env or {})


def load_errors(directory: Path, env: Mapping[str, str] | None = None) -> list[ConfigError]:
    with pytest.raises(ConfigErrors) as info:
        load_config(directory, env=env or {})
    return info.value.errors


def find_error(errors: list[ConfigError], key_path: str) -> ConfigError:
    matches = [e for e in errors if e.key_path == key_path]
    assert matches, f"no error at {key_path}; got: {[str(e) for e in errors]}"
    return matches[0]
