"""YAML parsing with key-path line numbers and YAML 1.2 scalars."""

from __future__ import annotations

import pytest

from tarsy.config.yaml_source import parse_yaml
from tarsy.domain.errors import ConfigError

TEXT = """\
# comment
agents:
  A:
    mcp_servers:
      - one
      - two
chains: {c: {x: 1}}
"""


def test_lines_of_key_paths() -> None:
    doc = parse_yaml(TEXT, "tarsy.yaml")
    assert doc.line_of(("agents",)) == 2
    assert doc.line_of(("agents", "A", "mcp_servers")) == 4
    assert doc.line_of(("agents", "A", "mcp_servers", 1)) == 6
    assert doc.line_of(("chains", "c", "x")) == 7
    assert doc.line_of(("agents", "A", "missing", "deeper")) == 3  # nearest written ancestor
    assert doc.data == {"agents": {"A": {"mcp_servers": ["one", "two"]}}, "chains": {"c": {"x": 1}}}


def test_invalid_yaml_names_file_and_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_yaml("a: 1\nb: [unclosed\nc: 3\n", "tarsy.yaml")
    assert info.value.file == "tarsy.yaml"
    assert info.value.line is not None and info.value.line >= 2
    assert str(info.value).startswith("tarsy.yaml:")


def test_bad_indentation_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_yaml("a:\n  b: 1\n c: 2\n", "llm-providers.yaml")
    assert (info.value.file, info.value.line) == ("llm-providers.yaml", 3)


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(
        ConfigError, match="duplicate key 'a' \\(first written on line 1\\)"
    ) as info:
        parse_yaml("a: 1\nb: 2\na: 3\n", "tarsy.yaml")
    assert info.value.line == 3


def test_yaml_1_2_scalars() -> None:
    doc = parse_yaml(
        "a: yes\nb: on\nc: true\nd: 012\ne: 2026-01-01\nf: 1e3\ng: 0x10\nh: 1:30\ni: ~\n",
        "x.yaml",
    )
    assert doc.data == {
        "a": "yes",
        "b": "on",
        "c": True,
        "d": 12,
        "e": "2026-01-01",
        "f": 1000.0,
        "g": 16,
        "h": "1:30",
        "i": None,
    }


def test_merge_keys_still_work() -> None:
    doc = parse_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n", "x.yaml")
    assert doc.data == {"base": {"x": 1}, "other": {"x": 1, "y": 2}}


def test_empty_document() -> None:
    doc = parse_yaml("# nothing\n", "x.yaml")
    assert doc.data is None
    assert doc.line_of(("a",)) is None
