"""YAML parsing that remembers where every key was written (key path -> 1-based line).

Scalars follow the YAML 1.2 core schema, as the reference's Go parser does: only ``true``/``false``
are booleans (``yes``, ``on`` stay strings), dates stay strings, ``012`` is decimal twelve.
Duplicate keys in one mapping are an error (the reference rejects them too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tarsy.domain.errors import ConfigError

KeyPath = tuple[str | int, ...]

_REPLACED_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalar resolution."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_int(loader: yaml.SafeLoader, node: Node) -> int:
    value = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    if value.startswith("0o"):
        return int(value[2:], 8)
    if value.startswith("0x"):
        return int(value[2:], 16)
    return int(value, 10)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


@dataclass(frozen=True, slots=True)
class SourceDoc:
    """A parsed config file: its data and the line of each key path."""

    file: str
    data: object
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def has(self, path: KeyPath) -> bool:
        return path in self.lines

    def line_of(self, path: KeyPath) -> int | None:
        """Line of ``path``, else of its nearest written ancestor; ``None`` for an empty file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def empty_source(file: str, data: object) -> SourceDoc:
    """A document with no line information (built-in data that was never a file)."""
    return SourceDoc(file, data, {})


def parse_yaml(
    text: str, file: str, original_line: Callable[[int], int] = lambda line: line
) -> SourceDoc:
    """Parse ``text``; ``original_line`` maps expanded lines back to the file's lines.

    Raises ``ConfigError`` naming the file and line for invalid YAML or duplicate keys.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[KeyPath, int] = {}
        if node is not None:
            lines[()] = original_line(node.start_mark.line + 1)
            _walk(node, (), lines, file, original_line)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = original_line(mark.line + 1) if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"invalid YAML: {problem}", file=file, line=line) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", file=file) from exc
    finally:
        loader.dispose()
    return SourceDoc(file, data, lines)


def _walk(
    node: Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    file: str,
    original_line: Callable[[int], int],
) -> None:
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = str(key_node.value)
            line = original_line(key_node.start_mark.line + 1)
            if key in seen:
                raise ConfigError(
                    f"duplicate key {key!r} (first written on line {seen[key]})",
                    file=file,
                    line=line,
                )
            seen[key] = line
            lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, file, original_line)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = original_line(item.start_mark.line + 1)
            _walk(item, (*path, index), lines, file, original_line)
