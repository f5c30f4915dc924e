"""Parse the model's raw tool-argument text into a JSON object (JSON, YAML, ``k=v``, raw text).

Models do not always send clean JSON. The cascade tries, in order: a JSON object, a YAML
mapping, ``key=value`` pairs (separated by commas, newlines or spaces) and finally the raw text,
which is handed to the tool's single required string parameter when it has one. Anything else
is an instructive error for the model, never an exception.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

from tarsy.domain.tools import JsonValue

_PAIR = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*[=:]\s*(.*?)\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ParsedArguments:
    """Either the arguments object or an error message for the model (exactly one is set)."""

    arguments: dict[str, JsonValue] | None
    error: str | None = None


def parse_arguments(text: str, schema: Mapping[str, JsonValue] | None = None) -> ParsedArguments:
    """Turn ``text`` into a JSON object for a tool whose input schema is ``schema``."""
    stripped = text.strip()
    if not stripped or stripped in ("null", "{}", "None"):
        return ParsedArguments({})
    for attempt in (_as_json, _as_yaml, _as_pairs):
        parsed = attempt(stripped)
        if parsed is not None:
            return ParsedArguments(parsed)
    target = _single_string_parameter(schema or {})
    if target is not None:
        return ParsedArguments({target: stripped})
    return ParsedArguments(
        None,
        "Error: could not parse the tool arguments. Send a JSON object whose keys are the "
        f"tool's parameters, for example {_example(schema or {})}. Received: {stripped[:200]!r}",
    )


def _as_json(text: str) -> dict[str, JsonValue] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, str) and value.strip().startswith("{"):
        return _as_json(value.strip())  # double-encoded JSON
    return value if isinstance(value, dict) else None


def _as_yaml(text: str) -> dict[str, JsonValue] | None:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return None
    try:
        # Round trip through JSON: dates and other YAML-only scalars become strings.
        normalised = json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return None
    return normalised if isinstance(normalised, dict) else None


def _as_pairs(text: str) -> dict[str, JsonValue] | None:
    separator = "\n" if "\n" in text else ","
    parts = [p for p in text.split(separator) if p.strip()]
    if len(parts) == 1 and " " in text.strip():
        try:
            parts = shlex.split(text)
        except ValueError:
            return None
    pairs: dict[str, JsonValue] = {}
    for part in parts:
        match = _PAIR.match(part)
        if match is None:
            return None
        pairs[match.group(1)] = _scalar(match.group(2).strip("'\""))
    return pairs or None


def _scalar(value: str) -> JsonValue:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value


def _properties(schema: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    props = schema.get("properties")
    return props if isinstance(props, dict) else {}


def _single_string_parameter(schema: Mapping[str, JsonValue]) -> str | None:
    props = _properties(schema)
    required = schema.get("required")
    names = [str(r) for r in required] if isinstance(required, list) and required else list(props)
    if len(names) != 1:
        return None
    spec = props.get(names[0])
    return names[0] if isinstance(spec, dict) and spec.get("type") == "string" else None


def _example(schema: Mapping[str, JsonValue]) -> str:
    names = list(_properties(schema))[:3]
    return json.dumps({n: "..." for n in names}) if names else '{"name": "value"}'
