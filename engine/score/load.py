"""Reading a score: YAML file -> validated, frozen ``Score``.

``load_score`` checks everything once (unknown keys, references, ranges, files) and
raises one ``SourceError`` listing every problem, each with file, line and YAML path.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from engine.score import source as src
from engine.score import validate as v
from engine.score.format import FORMAT_VERSION, Score
from engine.score.moods import DEFAULT_MOODS
from engine.score.source import Document, Problems, SourceError, load_yaml

log = logging.getLogger(__name__)

TOP_KEYS = ("version", "name", "initial_state", "phrase_bars", "moods", "parameters",
            "stingers", "states", "events")


def check_version(p: Problems, data: dict) -> None:
    version = src.get_int(p, (), data, "version")
    if version is not None and version != FORMAT_VERSION:
        p.add(("version",), f"version {version} is not supported (this engine reads {FORMAT_VERSION})")


def build_score(doc: Document) -> Score:
    """Validate a loaded document into a Score, or raise SourceError with every problem."""
    p = Problems(doc)
    data: Any = src.check_mapping(p, (), doc.data)
    if data is None:
        p.raise_if_any()
    src.check_keys(p, (), data, TOP_KEYS)
    check_version(p, data)
    name = src.get_str(p, (), data, "name")
    phrase_bars = src.get_int(p, (), data, "phrase_bars", 1, 64, default=4)
    moods = v.read_moods(p, data.get("moods"), DEFAULT_MOODS)
    parameters = v.read_parameters(p, data.get("parameters"))
    stingers = v.read_stingers(p, data.get("stingers"), moods)
    states = v.read_states(p, src.get_mapping(p, (), data, "states"), moods, parameters)
    if "states" in data and not states and not p.items:
        p.add(("states",), "a score needs at least one state")
    events = v.read_events(p, data.get("events"), states, stingers, parameters)
    initial = src.get_str(p, (), data, "initial_state")
    if initial is not None:
        v.check_reference(p, ("initial_state",), initial, "state", states)
    p.raise_if_any()
    return Score(name, initial, states, moods, parameters, events, stingers, phrase_bars,
                 FORMAT_VERSION, doc.file)


def load_score(path: str | Path, text: str | None = None) -> Score:
    """Read and validate the score at ``path`` (``text``: its contents, already read).

    Raises SourceError (a ValueError) listing every problem found, each as
    ``file:line: yaml.path: message``: a file that cannot be read (missing, a
    directory or device, over 512 KiB, not UTF-8, see ``engine.score.source``)
    included, and every MIDI file the score names that the player could not play.
    """
    score = build_score(load_yaml(path, text=text))
    log.debug("loaded score %s", score.summary())
    return score


__all__ = ["load_score", "build_score", "SourceError"]
