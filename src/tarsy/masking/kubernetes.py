"""The structural Kubernetes Secret masker (code masker ``kubernetes_secret``).

``mask_kubernetes_secrets(text)`` replaces the whole ``data`` and ``stringData`` of every
Secret with ``[MASKED_SECRET_DATA]``, key names included, and leaves every other object alone.

- Cheap pre-check: text without ``kind: Secret`` / ``"kind":"Secret"`` (``SecretList`` too,
  JSON-escaped too) is returned as it is, unparsed.
- JSON (text starting with ``{`` or ``[``) is parsed whole; anything else is split into YAML
  documents at ``---`` lines and only documents that pass the pre-check are parsed.
- Secrets are found anywhere in the parsed tree: top level, ``List`` items, ``SecretList``
  items (which the API sends without ``kind``), nested objects, and strings that hold a Secret
  themselves, such as the ``kubectl.kubernetes.io/last-applied-configuration`` annotation
  (compact JSON, re-serialised compactly) or a manifest kept as text.
- Only documents that changed are re-serialised: YAML with 2-space indentation, JSON with the
  input's indentation; the trailing newline is kept. Other documents keep their exact bytes.
- Text that passes the pre-check but cannot be parsed (cut off, a prefix line, ...) gets a
  line-based fallback: the value of every ``data:`` / ``stringData:`` key, and the block
  indented under it, becomes the marker. It never raises for bad input, and returns the very
  same string when it changes nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

try:
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MARKER = "[MASKED_SECRET_DATA]"
SECRET_FIELDS = ("data", "stringData")

_PRECHECK = re.compile(r"""kind\\?["']?[ \t]*:[ \t]*\\?["']?Secret(?:List)?\b""")
_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
_INDENT = re.compile(r"\n([ \t]+)\S")
_BLOCK_KEY = re.compile(r"""^(?P<lead>[ \t]*(?:-[ \t]+)*)(?P<key>["']?(?:data|stringData)["']?):""")
_JSON_FIELD = re.compile(r"""(\\?")(data|stringData)\1[ \t]*:[ \t]*\{[^{}]*\}?""")


class _Dumper(_BaseDumper):
    """Safe dumper that writes multi-line strings as ``|`` blocks."""


def _represent_str(dumper: _Dumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def has_secret(text: str) -> bool:
    """The pre-check: could ``text`` contain a Kubernetes Secret?"""
    return "Secret" in text and _PRECHECK.search(text) is not None


def mask_kubernetes_secrets(text: str) -> str:
    """``text`` with the data of every Kubernetes Secret replaced by ``MARKER``."""
    if not has_secret(text):
        return text
    if _looks_like_json(text):
        return _mask_json_text(text)
    pieces: list[str] = []
    position = 0
    changed = False
    for separator in [*_DOCUMENT_SEPARATOR.finditer(text), None]:
        end = len(text) if separator is None else separator.start()
        chunk = text[position:end]
        masked = _mask_yaml_document(chunk)
        changed = changed or masked is not chunk
        pieces.append(masked)
        if separator is not None:
            pieces.append(separator.group())
            position = separator.end()
    return "".join(pieces) if changed else text


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def _mask_yaml_document(chunk: str) -> str:
    if not has_secret(chunk):
        return chunk
    if _looks_like_json(chunk):
        return _mask_json_text(chunk)
    try:
        documents = list(yaml.load_all(chunk, Loader=_Loader))
        if not any([_mask_tree(document) for document in documents]):
            return chunk
        dumped = yaml.dump_all(
            documents,
            Dumper=_Dumper,
            default_flow_style=False,
            sort_keys=False,
            allow_unicode=True,
            width=2**31 - 1,
        )
    except (yaml.YAMLError, RecursionError, ValueError):
        return _mask_unparsed(chunk)
    return _keep_trailing_newline(chunk, dumped)


def _mask_json_text(text: str) -> str:
    try:
        document = json.loads(text)
        if not _mask_tree(document):
            return text
        body = text.strip()
        if "\n" not in body:
            dumped = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
        else:
            indent = _INDENT.search(body)
            unit: int | str = 2
            if indent is not None:
                spaces = indent.group(1)
                unit = len(spaces) if spaces.strip(" ") == "" else spaces
            dumped = json.dumps(document, indent=unit, ensure_ascii=False)
    except (ValueError, RecursionError):
        return _mask_json_fields(text)
    return _keep_trailing_newline(text, dumped)


def _mask_json_fields(text: str) -> str:
    """Fallback for JSON that does not parse: every ``"data": {...}`` object (also escaped)."""
    masked, count = _JSON_FIELD.subn(_json_field_marker, text)
    return masked if count else text


def _keep_trailing_newline(original: str, dumped: str) -> str:
    dumped = dumped.rstrip("\n")
    return dumped + "\n" if original.endswith("\n") else dumped


def _mask_tree(node: object) -> bool:
    """Mask every Secret in a parsed document in place; whether anything changed."""
    changed = False
    if isinstance(node, dict):
        kind = node.get("kind")
        if kind == "Secret":
            changed = _mask_secret(node)
        elif kind == "SecretList" and isinstance(node.get("items"), list):
            for item in node["items"]:  # the API leaves out the items' kind
                if isinstance(item, dict) and item.get("kind", "Secret") == "Secret":
                    changed = _mask_secret(item) or changed
        changed = _mask_children(node, list(node.items())) or changed
    elif isinstance(node, list):
        changed = _mask_children(node, list(enumerate(node))) or changed
    return changed


def _mask_children(node: Any, children: list[tuple[Any, Any]]) -> bool:
    """Mask the string children of a mapping or list in place and recurse into the others."""
    changed = False
    for key, value in children:
        if isinstance(value, str):
            masked = _mask_string(value)
            if masked is not value:
                node[key] = masked
                changed = True
        elif isinstance(value, dict | list):
            changed = _mask_tree(value) or changed
    return changed


def _mask_secret(secret: dict[object, object]) -> bool:
    changed = False
    for field in SECRET_FIELDS:
        if secret.get(field) not in (None, {}, "", MARKER):
            secret[field] = MARKER
            changed = True
    return changed


def _mask_string(value: str) -> str:
    """A string value that itself holds a Secret (an annotation, a manifest kept as text)."""
    if not has_secret(value):
        return value
    if _looks_like_json(value):
        masked = _mask_json_text(value)
    elif "\n" in value:
        masked = mask_kubernetes_secrets(value)
    else:
        return value
    return value if masked == value else masked


def _mask_unparsed(chunk: str) -> str:
    """Line-based fallback for a document that mentions a Secret but does not parse."""
    out: list[str] = []
    block_column = -1
    changed = False
    for line in chunk.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        if block_column >= 0:
            indent = len(content) - len(content.lstrip(" \t"))
            if not content.strip() or indent > block_column:
                changed = True
                continue
            block_column = -1
        key = _BLOCK_KEY.match(content)
        if key is None or content[key.end() :].strip().strip("'\"") == MARKER:
            out.append(line)
            continue
        newline = line[len(content) :]
        out.append(f"{key.group('lead')}{key.group('key')}: '{MARKER}'{newline}")  # a string
        block_column = len(key.group("lead"))
        changed = True
    return _mask_json_fields("".join(out) if changed else chunk)


def _json_field_marker(match: re.Match[str]) -> str:
    quote, field = match.group(1), match.group(2)
    return f"{quote}{field}{quote}:{quote}{MARKER}{quote}"
