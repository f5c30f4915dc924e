"""The argument parsing cascade: JSON, YAML, k=v pairs, raw string, instructive error."""

from __future__ import annotations

import pytest

from tarsy.domain.tools import JsonValue
from tarsy.mcp import parse_arguments

ONE_STRING: dict[str, JsonValue] = {
    "type": "object",
    "properties": {"query": {"type": "string"}},
    "required": ["query"],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("  {}  ", {}),
        ("null", {}),
        ('{"namespace": "prod", "tail": 5}', {"namespace": "prod", "tail": 5}),
        ('"{\\"a\\": 1}"', {"a": 1}),
        ("namespace: prod\ntail: 5", {"namespace": "prod", "tail": 5}),
        ("{namespace: prod}", {"namespace": "prod"}),
        ("namespace=prod, previous=true", {"namespace": "prod", "previous": True}),
        ("namespace=prod tail=10", {"namespace": "prod", "tail": 10}),
        ("name='api pod'\nratio=0.5", {"name": "api pod", "ratio": 0.5}),
    ],
)
def test_structured_forms(text: str, expected: dict[str, JsonValue]) -> None:
    assert parse_arguments(text).arguments == expected


def test_raw_text_goes_to_the_single_string_parameter() -> None:
    parsed = parse_arguments("pods crashing in prod", ONE_STRING)
    assert parsed.arguments == {"query": "pods crashing in prod"}


def test_unparseable_text_is_an_instructive_error() -> None:
    schema: dict[str, JsonValue] = {"properties": {"a": {}, "b": {}}, "required": ["a", "b"]}
    parsed = parse_arguments("add them please", schema)
    assert parsed.arguments is None
    assert parsed.error is not None
    assert "JSON object" in parsed.error and '"a"' in parsed.error


def test_json_list_is_not_an_object() -> None:
    assert parse_arguments("[1, 2]").arguments is None
