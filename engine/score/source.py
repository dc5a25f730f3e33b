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

Hostile files. The bytes are read through ``engine.input_files`` (a regular file, at
most 512 KiB, UTF-8, checked before parsing); composing refuses nesting deeper than
``MAX_DEPTH`` levels and more than ``MAX_VALUES`` values, and before any value is
built the node graph is measured: a file whose aliases would expand past
``MAX_VALUES`` values (a "billion laughs" bomb), or an alias inside its own anchor, is
refused. Every value quoted in a message
is cut to 80 characters, and a ``SourceError`` prints at most ``MAX_REPORTED`` problems.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from engine.input_files import InputFileError, clip, decode_utf8, describe_special, read_input, shorten

YamlPath = tuple  # of str | int

REQUIRED: Any = object()
"""Default for the getters meaning: the key must be present."""

_MERGE_TAG = "tag:yaml.org,2002:merge"

MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences in a source file (a score uses about 6)."""

MAX_VALUES = 10_000
"""Most values (mapping keys, values, sequence items) a file may hold, written out or
once aliases are expanded. A score holds a few hundred, a cutscene of 1,000 cues about
5,000; a nine-level alias bomb would hold 387 million. PyYAML composes about 40,000
values a second on a busy 2-core machine, so even a file at the limit with every
value wrong is read and reported in about half a second."""

MAX_REPORTED = 100
"""Most problems a SourceError prints; the rest are counted."""

MAX_MESSAGE_CHARS = 300
"""Longest problem message printed (values in it are already cut to 80 characters)."""

_PATH_PART_CHARS = 40


def format_path(path: Sequence) -> str:
    """``("events", 2, "to")`` -> ``"events[2].to"``; the empty path is ``"(top level)"``."""
    text = ""
    for part in path:
        if not isinstance(part, int):
            part = str(part) if len(str(part)) <= _PATH_PART_CHARS else shorten(str(part), _PATH_PART_CHARS)
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a source file, at a line and YAML path.

    Line 0 is the file as a whole; a ``yaml_path`` of None is a problem with the text
    itself (its encoding, a character, a limit), printed as ``file:line: message``."""

    file: str
    line: int
    yaml_path: YamlPath | None
    message: str

    def __str__(self) -> str:
        message = clip(self.message, MAX_MESSAGE_CHARS)
        if self.line == 0:
            return f"{self.file}: {message}"
        if self.yaml_path is None:
            return f"{self.file}:{self.line}: {message}"
        return f"{self.file}:{self.line}: {format_path(self.yaml_path)}: {message}"


class SourceError(ValueError):
    """A source file is invalid; ``problems`` lists everything found, in file order."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line))
        super().__init__("\n".join(self.lines()))

    def lines(self, limit: int = MAX_REPORTED) -> list[str]:
        """One line per problem, at most ``limit`` of them, then a count of the rest."""
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit:,} more problems")
        return lines


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


class _Refused(ConstructorError):
    """A YAML file refused for what it would cost (depth, aliases) or a value that cannot be built."""


def _syntax_problem(file: str, exc: yaml.YAMLError, text: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML forbids (BEL, NUL...)
        line = text.count("\n", 0, exc.position) + 1
        return Problem(file, line, None, f"character #x{exc.character:04x} is not allowed in YAML "
                                         f"(offset {exc.position})")
    if isinstance(exc, _Refused):
        return Problem(file, exc.problem_mark.line + 1, None, exc.problem)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {what}" + (f" ({context})" if context else "")
    return Problem(file, line, (), message)


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses deep nesting while composing and names the node
    whose value cannot be built (a bad date, ``!!int x``) instead of raising bare."""

    def __init__(self, text: str):
        super().__init__(text)
        self._depth = self._values = 0

    def fetch_flow_collection_start(self, token_class):
        # the scanner looks up to 1,024 characters ahead for a simple key, and its cost
        # grows with the open brackets: stop a run of '[' or '{' before it starts
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(None, None, f"nested deeper than {MAX_DEPTH} levels", self.get_mark())
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent, index):
        self._depth += 1
        self._values += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            if self._values > MAX_VALUES:
                raise _Refused(None, None, f"the file holds more than {MAX_VALUES:,} values",
                               self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # PyYAML lets ValueError, AttributeError... out of its constructors
            raise _Refused(None, None, f"cannot read this value: {clip(str(exc))}", node.start_mark) from None


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: Node) -> None:
    """Raise _Refused if aliases would expand ``root`` past ``MAX_VALUES`` values or
    an alias sits inside its own anchor; linear in the size of the node graph."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _Refused(None, None, "an alias refers to the value that contains it",
                                              node.start_mark)
        active.add(key)
        total = 1 + sum(size(child) for child in _children(node))
        active.discard(key)
        if total > MAX_VALUES:
            raise _Refused(
                None, None, f"aliases expand this value past {MAX_VALUES:,} values (an alias bomb?)", node.start_mark)
        sizes[key] = total
        return total

    size(root)


def _index_lines(node: Node, path: YamlPath, constructor, lines: dict, dups: list) -> None:
    """Record the line of every path under ``node``; note duplicate mapping keys."""
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
            _index_lines(value_node, child, constructor, lines, dups)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line + 1
            _index_lines(item, path + (index,), constructor, lines, dups)


def read_source_text(path: str | Path, kind: str = "score") -> str:
    """The text of a user's YAML source file, read through ``engine.input_files``; any
    failure (missing, a directory or device, too large, not UTF-8) is a SourceError."""
    try:
        return decode_utf8(read_input(path, kind), path)
    except InputFileError as exc:
        raise SourceError([Problem(str(path), exc.line, None, exc.message)]) from None
    except OSError as exc:
        raise SourceError([Problem(str(path), 0, None, f"cannot read: {exc.strerror or exc}")]) from None


def load_yaml(path: str | Path, kind: str = "score", text: str | None = None) -> Document:
    """Read ``path`` (or take ``text``, its contents already read with
    ``read_source_text``) as ``yaml.safe_load`` would, keeping the line of every value.

    ``kind`` (score, cutscene) chooses the size limit. Raises SourceError (a
    ValueError) naming the file, and the line where there is one, for a file that
    cannot be read or is not a regular file, is too large or not UTF-8, for a YAML
    syntax error, nesting or alias expansion past the limits, and a duplicated key.
    """
    path = Path(path)
    text = read_source_text(path, kind) if text is None else text
    loader = None
    try:
        loader = _BoundedLoader(text)  # the reader checks every character here
        node = loader.get_single_node()
        if node is not None:
            _check_expansion(node)
        data = loader.construct_document(node) if node is not None else None
        lines: dict = {(): 1}
        dups: list = []
        if node is not None:
            lines[()] = node.start_mark.line + 1
            _index_lines(node, (), loader, lines, dups)
    except yaml.YAMLError as exc:
        raise SourceError([_syntax_problem(str(path), exc, text)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if dups:
        raise SourceError(Problem(str(path), line, p, f"duplicate key {shorten(p[-1])}") for p, line in dups)
    return Document(path, data, lines)


def suggest(word: Any, choices: Iterable[str]) -> str:
    """``" (did you mean 'tempo'?)"`` for the closest of ``choices``, else ``""``."""
    if len(str(word)) > 2 * _PATH_PART_CHARS:  # no name is that long; spare difflib a megabyte
        return ""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {shorten(close[0])}?)" if close else ""


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
    problems.add(path, f"expected a mapping, got {_type_name(value)} {shorten(value)}")
    return None


def check_keys(problems: Problems, path: Sequence, mapping: Mapping, allowed: Iterable[str]) -> None:
    """Record every key of ``mapping`` not in ``allowed``, suggesting the closest one."""
    allowed = list(allowed)
    for key in mapping:
        if key not in allowed:
            hint = suggest(key, allowed) or f" (allowed: {', '.join(sorted(allowed))})"
            problems.add(tuple(path) + (key,), f"unknown key {shorten(key)}{hint}")


def _fetch(problems: Problems, path: Sequence, mapping: Mapping, key: str, default: Any):
    """(found, value): a missing required key is recorded as a problem."""
    if key in mapping and mapping[key] is not None:
        return True, mapping[key]
    if default is REQUIRED:
        problems.add(path, f"missing required key {shorten(key)}")
    return False, (None if default is REQUIRED else default)


def _bounds(lo: float | None, hi: float | None) -> str:
    return f"{'' if lo is None else format(lo, 'g')}..{'' if hi is None else format(hi, 'g')}"


def check_number(problems: Problems, path: Sequence, value: Any, lo=None, hi=None, integer=False):
    """``value`` as float (int when ``integer``) if it is one and in lo..hi, else None."""
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
        wanted = "an integer" if integer else "a number"
        problems.add(path, f"expected {wanted}, got {_type_name(value)} {shorten(value)}")
        return None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        problems.add(path, f"{shorten(value)} is outside {_bounds(lo, hi)}")
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
        problems.add(tuple(path) + (key,), f"expected a string, got {_type_name(value)} {shorten(value)}")
        return None
    return value


def get_enum(problems, path, mapping, key, choices: Iterable[str], default=REQUIRED) -> str | None:
    """``mapping[key]`` if it is one of ``choices``; ``default`` when absent."""
    choices = list(choices)
    value = get_str(problems, path, mapping, key, default)
    if value is None or value in choices or value == default:
        return value
    hint = suggest(value, choices) or f" (one of: {', '.join(choices)})"
    problems.add(tuple(path) + (key,), f"{shorten(value)} is not allowed{hint}")
    return None


def get_list(problems, path, mapping, key, default=REQUIRED) -> list | None:
    """``mapping[key]`` if it is a list; ``default`` when absent."""
    found, value = _fetch(problems, path, mapping, key, default)
    if found and not isinstance(value, list):
        problems.add(tuple(path) + (key,), f"expected a list, got {_type_name(value)} {shorten(value)}")
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
        raise ValueError(f"path {shorten(str(relative))} is absolute; give it relative to the file's folder")
    resolved = (folder / candidate).resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise ValueError(f"path {shorten(str(relative))} leads outside the file's folder")
    return resolved


def get_file(problems, path, mapping, key, suffixes=(".mid", ".midi"), default=REQUIRED,
             allow_outside: bool = False) -> Path | None:
    """``mapping[key]`` as an existing file inside the document's folder, ending in ``suffixes``."""
    name = get_str(problems, path, mapping, key, default)
    if name is None or name == default:
        return None if name is None else name
    where = tuple(path) + (key,)
    if not name.lower().endswith(tuple(suffixes)):
        problems.add(where, f"file {shorten(name)} must end {' or '.join(suffixes)}")
        return None
    try:
        resolved = resolve_inside(problems.doc.folder, name, allow_outside)
    except ValueError as exc:
        problems.add(where, str(exc))
        return None
    try:
        special = describe_special(resolved.stat().st_mode)
    except OSError:
        problems.add(where, f"file {shorten(name)} does not exist")
        return None
    if special is not None:
        problems.add(where, f"file {shorten(name)} is {special}")
        return None
    return resolved
