"""YAML sources that remember where every value came from.

``load_yaml`` reads a file with ``yaml.safe_load`` semantics (the same values, the
same safe tags) but composes the node tree first, so that every value keeps the
1-based line it was written on. Validation then reports problems as
``dungeon.yaml:14: states.combat.tempo: 400 is outside 20..300`` and collects all of
them (``Problems``) instead of stopping at the first.

A YAML path is a tuple of mapping keys and sequence indices, e.g.
``("events", 2, "to")``, written ``events[2].to``.

The ``get_*`` helpers read one key of a mapping, record a problem when it is missing
or wrong, and return None in that case so a validator can carry on; they never raise.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

YamlPath = tuple  # of str | int

REQUIRED: Any = object()
"""Default for the getters meaning: the key must be present."""

_MERGE_TAG = "tag:yaml.org,2002:merge"


def format_path(path: Sequence) -> str:
    """``("events", 2, "to")`` -> ``"events[2].to"``; the empty path is ``"(top level)"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a source file, at a line and YAML path."""

    file: str
    line: int
    yaml_path: YamlPath
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {format_path(self.yaml_path)}: {self.message}"


class SourceError(ValueError):
    """A source file is invalid; ``problems`` lists everything found, in file order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Document:
    """A loaded YAML file: plain Python ``data`` plus the line of every YAML path."""

    file: Path
    data: Any
    lines: Mapping[YamlPath, int] = field(default_factory=dict, repr=False)

    @property
    def folder(self) -> Path:
        return self.file.parent

    def line_of(self, path: Sequence) -> int:
        """The line of ``path`` (a mapping entry's key line), else of its nearest parent."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def _syntax_problem(file: str, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {what}" + (f" ({context})" if context else "")
    return Problem(file, line, (), message)


def _index_lines(node: Node, path: YamlPath, constructor, lines: dict, dups: list, depth: int = 0) -> None:
    """Record the line of every path under ``node``; note duplicate mapping keys."""
    if depth > 200:  # a recursive alias; its lines are already known
        return
    if isinstance(node, MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = constructor.construct_object(key_node, deep=True)
            try:
                key_seen = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key; safe_load would have failed already
                continue
            child = path + (key,)
            if key_seen:
                dups.append((child, key_node.start_mark.line + 1))
            lines.setdefault(child, key_node.start_mark.line + 1)
            _index_lines(value_node, child, constructor, lines, dups, depth + 1)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line + 1
            _index_lines(item, path + (index,), constructor, lines, dups, depth + 1)


def load_yaml(path: str | Path, text: str | None = None) -> Document:
    """Read ``path`` (or ``text``, as if read from it) as ``yaml.safe_load`` would,
    keeping the line of every value.

    Raises OSError when the file cannot be read and SourceError (a ValueError) for a
    YAML syntax error or a duplicated mapping key, naming the file and line.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8") if text is None else text
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        lines: dict = {(): 1}
        dups: list = []
        if node is not None:
            lines[()] = node.start_mark.line + 1
            _index_lines(node, (), loader, lines, dups)
    except yaml.YAMLError as exc:
        raise SourceError([_syntax_problem(str(path), exc)]) from None
    finally:
        loader.dispose()
    if dups:
        raise SourceError(Problem(str(path), line, p, f"duplicate key {p[-1]!r}") for p, line in dups)
    return Document(path, data, lines)


def suggest(word: Any, choices: Iterable[str]) -> str:
    """``" (did you mean 'tempo'?)"`` for the closest of ``choices``, else ``""``."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Problems:
    """Collects problems found in one document, so validation reports all of them."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.items: list[Problem] = []

    def add(self, path: Sequence, message: str) -> None:
        self.items.append(Problem(str(self.doc.file), self.doc.line_of(path), tuple(path), message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def raise_if_any(self) -> None:
        """Raise SourceError listing every problem collected, if there is any."""
        if self.items:
            raise SourceError(self.items)


def _type_name(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def check_mapping(problems: Problems, path: Sequence, value: Any) -> dict | None:
    """``value`` if it is a mapping, else record a problem and return None."""
    if isinstance(value, dict):
        return value
    problems.add(path, f"expected a mapping, got {_type_name(value)} {value!r}")
    return None


def check_keys(problems: Problems, path: Sequence, mapping: Mapping, allowed: Iterable[str]) -> None:
    """Record every key of ``mapping`` not in ``allowed``, suggesting the closest one."""
    allowed = list(allowed)
    for key in mapping:
        if key not in allowed:
            hint = suggest(key, allowed) or f" (allowed: {', '.join(sorted(allowed))})"
            problems.add(tuple(path) + (key,), f"unknown key {key!r}{hint}")


def _fetch(problems: Problems, path: Sequence, mapping: Mapping, key: str, default: Any):
    """(found, value): a missing required key is recorded as a problem."""
    if key in mapping and mapping[key] is not None:
        return True, mapping[key]
    if default is REQUIRED:
        problems.add(path, f"missing required key {key!r}")
    return False, (None if default is REQUIRED else default)


def _bounds(lo: float | None, hi: float | None) -> str:
    return f"{'' if lo is None else format(lo, 'g')}..{'' if hi is None else format(hi, 'g')}"


def check_number(problems: Problems, path: Sequence, value: Any, lo=None, hi=None, integer=False):
    """``value`` as float (int when ``integer``) if it is one and in lo..hi, else None."""
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
        wanted = "an integer" if integer else "a number"
        problems.add(path, f"expected {wanted}, got {_type_name(value)} {value!r}")
        return None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        problems.add(path, f"{value!r} is outside {_bounds(lo, hi)}")
        return None
    return value if integer else float(value)


def get_number(problems, path, mapping, key, lo=None, hi=None, default=REQUIRED) -> float | None:
    """``mapping[key]`` as a float in lo..hi; ``default`` when absent (REQUIRED: a problem)."""
    found, value = _fetch(problems, path, mapping, key, default)
    return check_number(problems, tuple(path) + (key,), value, lo, hi) if found else value


def get_int(problems, path, mapping, key, lo=None, hi=None, default=REQUIRED) -> int | None:
    """``mapping[key]`` as an int in lo..hi; ``default`` when absent."""
    found, value = _fetch(problems, path, mapping, key, default)
    return check_number(problems, tuple(path) + (key,), value, lo, hi, integer=True) if found else value


def get_str(problems, path, mapping, key, default=REQUIRED) -> str | None:
    """``mapping[key]`` if it is a string; ``default`` when absent."""
    found, value = _fetch(problems, path, mapping, key, default)
    if found and not isinstance(value, str):
        problems.add(tuple(path) + (key,), f"expected a string, got {_type_name(value)} {value!r}")
        return None
    return value


def get_enum(problems, path, mapping, key, choices: Iterable[str], default=REQUIRED) -> str | None:
    """``mapping[key]`` if it is one of ``choices``; ``default`` when absent."""
    choices = list(choices)
    value = get_str(problems, path, mapping, key, default)
    if value is None or value in choices or value == default:
        return value
    hint = suggest(value, choices) or f" (one of: {', '.join(choices)})"
    problems.add(tuple(path) + (key,), f"{value!r} is not allowed{hint}")
    return None


def get_list(problems, path, mapping, key, default=REQUIRED) -> list | None:
    """``mapping[key]`` if it is a list; ``default`` when absent."""
    found, value = _fetch(problems, path, mapping, key, default)
    if found and not isinstance(value, list):
        problems.add(tuple(path) + (key,), f"expected a list, got {_type_name(value)} {value!r}")
        return None
    return value


def get_mapping(problems, path, mapping, key, default=REQUIRED) -> dict | None:
    """``mapping[key]`` if it is a mapping; ``default`` when absent."""
    found, value = _fetch(problems, path, mapping, key, default)
    return check_mapping(problems, tuple(path) + (key,), value) if found else value


def resolve_inside(folder: str | Path, relative: str | Path, allow_outside: bool = False) -> Path:
    """``folder / relative``, resolved, refusing a path that leads outside ``folder``.

    Absolute paths, ``..`` climbing out and symlinks resolving outside raise
    ValueError unless ``allow_outside``. The file need not exist.
    """
    folder = Path(folder)
    candidate = Path(relative)
    if allow_outside:
        return (folder / candidate).resolve()
    if candidate.is_absolute():
        raise ValueError(f"path {str(relative)!r} is absolute; give it relative to the file's folder")
    resolved = (folder / candidate).resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise ValueError(f"path {str(relative)!r} leads outside the file's folder")
    return resolved


def get_file(problems, path, mapping, key, suffixes=(".mid", ".midi"), default=REQUIRED,
             allow_outside: bool = False) -> Path | None:
    """``mapping[key]`` as an existing file inside the document's folder, ending in ``suffixes``."""
    name = get_str(problems, path, mapping, key, default)
    if name is None or name == default:
        return None if name is None else name
    where = tuple(path) + (key,)
    if not name.lower().endswith(tuple(suffixes)):
        problems.add(where, f"file {name!r} must end {' or '.join(suffixes)}")
        return None
    try:
        resolved = resolve_inside(problems.doc.folder, name, allow_outside)
    except ValueError as exc:
        problems.add(where, str(exc))
        return None
    if not resolved.is_file():
        problems.add(where, f"file {name!r} does not exist")
        return None
    return resolved
