"""Skills loader: ``<config_dir>/skills/<dir>/SKILL.md`` or flat ``skills/*.md`` files.

Each file starts with YAML front matter between ``---`` lines holding at least ``name`` and
``description``; the markdown after it is the body. Names starting with ``.`` are ignored (they
are the bookkeeping entries of Kubernetes ConfigMap mounts). A missing ``skills/`` is fine.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tarsy.config.model import Skill
from tarsy.domain.errors import ConfigError


def load_skills(config_dir: Path) -> tuple[dict[str, Skill], list[ConfigError]]:
    """All skills by name, plus every problem found (each names the skill file and line)."""
    skills_dir = config_dir / "skills"
    if not skills_dir.is_dir():
        return {}, []
    skills: dict[str, Skill] = {}
    errors: list[ConfigError] = []
    for entry in sorted(skills_dir.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            path = entry / "SKILL.md"
            if not path.is_file():
                continue
        elif entry.is_file() and entry.suffix == ".md":
            path = entry
        else:
            continue
        source = path.relative_to(config_dir).as_posix()
        try:
            skill = parse_skill(path.read_text(encoding="utf-8"), source)
        except ConfigError as exc:
            errors.append(exc)
            continue
        except OSError as exc:
            errors.append(ConfigError(f"cannot read skill: {exc}", file=source))
            continue
        if skill.name in skills:
            errors.append(
                ConfigError(
                    f"duplicate skill name {skill.name!r} (also defined in "
                    f"{skills[skill.name].source})",
                    file=source,
                    key_path="name",
                    line=_name_line(path),
                )
            )
            continue
        skills[skill.name] = skill
    return skills, errors


def parse_skill(text: str, source: str) -> Skill:
    """Split front matter from body and check the required keys."""
    lines = text.lstrip("\ufeff").splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].strip() != "---":
        raise ConfigError(
            "missing front matter: the file must start with a '---' line", file=source, line=1
        )
    end = next((i for i in range(first + 1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise ConfigError("front matter is not closed by a '---' line", file=source, line=first + 1)
    try:
        meta = yaml.safe_load("\n".join(lines[first + 1 : end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first + 2 + mark.line if mark is not None else first + 1
        raise ConfigError(f"invalid front matter YAML: {exc}", file=source, line=line) from exc
    if not isinstance(meta, dict):
        raise ConfigError("front matter must be a mapping", file=source, line=first + 1)
    values: dict[str, str] = {}
    for key in ("name", "description"):
        value = meta.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(
                f"front matter needs a non-empty {key!r}",
                file=source,
                key_path=key,
                line=first + 1,
            )
        values[key] = value.strip()
    body = "\n".join(lines[end + 1 :]).strip()
    return Skill(values["name"], values["description"], body, source)


def _name_line(path: Path) -> int | None:
    """1-based line of the ``name:`` key in a skill file (for duplicate-name errors)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((i + 1 for i, line in enumerate(lines) if line.startswith("name:")), None)
