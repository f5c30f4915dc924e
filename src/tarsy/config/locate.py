"""Where a problem is: dotted key paths, the file and line they were written on, and the
translation of pydantic validation errors into located messages.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from tarsy.config.model import ConfigWarning
from tarsy.config.yaml_source import KeyPath, SourceDoc
from tarsy.domain.errors import ConfigError

TARSY_FILE = "tarsy.yaml"
PROVIDERS_FILE = "llm-providers.yaml"
BUILTIN = "built-in"
_NAMED_SECTIONS = frozenset({"mcp_servers", "agents", "agent_chains", "llm_providers"})
_PLAIN_KEY = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def format_path(path: Sequence[str | int]) -> str:
    """``("agent_chains", "k8s", "stages", 0, "name")`` -> ``agent_chains.k8s.stages[0].name``.

    Keys with characters other than letters, digits, ``_`` and ``-`` are quoted:
    ``model_rates["gemini-2.5-pro"]``.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and set(part) <= _PLAIN_KEY:
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out


@dataclass(frozen=True, slots=True)
class Location:
    file: str | None
    key_path: str
    line: int | None


class Locator:
    """Turns key paths into file + line, knowing which entries came from built-ins."""

    def __init__(self, tarsy: SourceDoc, providers: SourceDoc) -> None:
        self._docs = {TARSY_FILE: tarsy, PROVIDERS_FILE: providers}

    def doc_for(self, path: KeyPath) -> SourceDoc:
        return self._docs[PROVIDERS_FILE if path[:1] == ("llm_providers",) else TARSY_FILE]

    def locate(self, path: KeyPath) -> Location:
        doc = self.doc_for(path)
        key_path = format_path(path)
        if len(path) >= 2 and path[0] in _NAMED_SECTIONS and not doc.has(path[:2]):
            return Location(BUILTIN, key_path, None)
        return Location(doc.file, key_path, doc.line_of(path))

    def error(self, path: KeyPath, message: str) -> ConfigError:
        where = self.locate(path)
        return ConfigError(message, file=where.file, key_path=where.key_path, line=where.line)

    def warning(self, path: KeyPath, message: str) -> ConfigWarning:
        where = self.locate(path)
        return ConfigWarning(message, file=where.file, key_path=where.key_path, line=where.line)


def schema_errors(
    exc: ValidationError, prefix: KeyPath, raw: object, model: type[BaseModel]
) -> list[tuple[KeyPath, str]]:
    """Each pydantic error of validating ``raw`` (found at ``prefix``) as ``(path, message)``."""
    found: list[tuple[KeyPath, str]] = []
    for err in exc.errors(include_url=False):
        loc = _data_path(err["loc"], raw)
        kind = err["type"]
        if kind == "extra_forbidden":
            allowed = _allowed_keys(model, loc[:-1])
            hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
            message = f"unknown key {loc[-1]!r}{hint}"
        elif kind == "missing":
            message = f"required key {loc[-1]!r} is missing" if loc else "required value missing"
        elif kind in ("literal_error", "enum"):
            message = f"invalid value {err['input']!r}: {err['msg']}"
        else:
            message = str(err["msg"]).removeprefix("Value error, ")
        found.append(((*prefix, *loc), message))
    return found


def _data_path(loc: Sequence[str | int], raw: object) -> KeyPath:
    """Keep the elements of a pydantic ``loc`` that address the data (drop union member tags)."""
    path: list[str | int] = []
    current: object = raw
    for index, part in enumerate(loc):
        in_mapping = isinstance(current, Mapping) and part in current
        in_list = (
            isinstance(current, list | tuple) and isinstance(part, int) and part < len(current)
        )
        if in_mapping or in_list:
            path.append(part)
            current = current[part]  # type: ignore[index]
        elif index == len(loc) - 1:
            path.append(part)
    return tuple(path)


def _allowed_keys(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """Field names of the model found at ``loc`` inside ``model`` (empty when not a model)."""
    target: object = model
    for part in loc:
        target = _unwrap(target)
        if isinstance(target, type) and issubclass(target, BaseModel):
            if not isinstance(part, str) or part not in target.model_fields:
                return []
            target = target.model_fields[part].annotation
            continue
        origin = typing.get_origin(target)
        args = typing.get_args(target)
        if origin in (list, tuple) and args:
            target = args[0]
        elif origin is dict and len(args) == 2:
            target = args[1]
        else:
            return []
    target = _unwrap(target)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return list(target.model_fields)
    return []


def _unwrap(annotation: object) -> object:
    """Strip ``Annotated`` and ``X | None`` down to the one interesting type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation
