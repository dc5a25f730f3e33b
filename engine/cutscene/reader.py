"""Reading a cutscene: YAML file (and the editorial timeline it names) -> validated, frozen ``Cutscene``.

``load_cutscene`` checks everything once (unknown keys, times and their order, one
end, names that exist in the score, a length not far past the end) and raises one
``SourceError`` listing every problem, each as ``ambush.yaml:14: cues[3].at: ...``
(``cut.otio: marker 'door' at 00:00:04:12: accent: ...`` for a timeline's marker).
Paths in the file (``score``, ``timeline``) are relative to the file's real folder,
wherever the command runs, and must stay under the folder above it unless the
caller names another ``root``. ``load_timeline_cutscene`` scores a timeline file
alone, with the score and seed given by the caller.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from engine.cutscene import scene as fmt
from engine.cutscene.sources import CueProblems, MarkerRef
from engine.cutscene.timecode import FrameRate, format_timecode, parse_frame_rate, parse_time
from engine.score import source as src
from engine.score.source import Document, Problems, SourceError, load_yaml

log = logging.getLogger(__name__)

TOP_KEYS = ("title", "score", "timeline", "seed", "length", "max_tail", "fps", "drop_frame", "tempo", "cues")
TEMPO_KEYS = ("max_change_per_bar", "leeway")
CUE_KEYS = {
    "state": ("at", "state"),
    "event": ("at", "event"),
    "parameter": ("at", "parameter", "value", "ramp"),
    "stinger": ("at", "stinger"),
    "hit": ("at", "hit", "on", "stinger", "accent"),
    "end": ("at", "end", "fade"),
}


@dataclass(frozen=True)
class ScoreNames:
    """The names a cutscene may use, from its score."""

    states: frozenset[str] = frozenset()
    events: frozenset[str] = frozenset()
    parameters: frozenset[str] = frozenset()
    stingers: frozenset[str] = frozenset()


def score_names(score) -> ScoreNames:
    """The names of an ``engine.score.format.Score``."""
    return ScoreNames(frozenset(score.states), frozenset(score.events),
                      frozenset(score.parameters), frozenset(score.stingers))


def names_from_score_file(path: Path) -> ScoreNames:
    """Load the score at ``path`` (raising its SourceError) and return its names."""
    from engine.score.load import load_score  # the score layer, only when names are checked

    return score_names(load_score(path))


def read_time(p: Problems, path: tuple, value: Any, rate: FrameRate) -> Fraction | None:
    """A time (seconds or timecode) or None, recording a problem for a bad one."""
    try:
        return parse_time(value, rate)
    except (TypeError, ValueError) as exc:
        p.add(path, str(exc))
        return None


def read_frame_rate(p: Problems, data: dict, timeline=None) -> FrameRate:
    """``fps`` (24 by default), or the timeline's rate; a timeline at another rate is a problem."""
    drop = data.get("drop_frame")
    if drop is not None and not isinstance(drop, bool):
        p.add(("drop_frame",), f"expected true or false, got {drop!r}")
        drop = None
    if "fps" not in data and timeline is not None:
        return timeline.frame_rate
    try:
        rate = parse_frame_rate(data.get("fps", 24), drop)
    except ValueError as exc:
        p.add(("fps",), str(exc))
        return FrameRate(24)
    if timeline is not None and timeline.frame_rate.fps != rate.fps:
        p.add(("fps",), f"fps {rate} but the timeline {timeline.file.name} runs at {timeline.frame_rate}")
    return rate


def read_path(p: Problems, data: dict, key: str, folder: Path, root: Path) -> Path | None:
    """``data[key]``, a file named relative to ``folder`` (the cutscene's real folder), that
    must exist and stay under ``root``; None (and a problem) otherwise."""
    name = src.get_str(p, (), data, key)
    if name is None:
        return None
    resolved = (folder / name).resolve()
    if not resolved.is_relative_to(root):
        p.add((key,), f"{key} {name!r} leads outside {root} (it must live under that folder; "
                      "pass --root DIR to allow another)")
        return None
    if not resolved.is_file():
        p.add((key,), f"{key} file {name!r} does not exist")
        return None
    return resolved


def read_timeline_key(p: Problems, data: dict, folder: Path, root: Path, drop_frame):
    """The ``EditorialTimeline`` the file's ``timeline`` key names, or None."""
    from engine.cutscene.editorial import read_timeline

    if "timeline" not in data:
        return None
    path = read_path(p, data, "timeline", folder, root)
    if path is None:
        return None
    try:
        return read_timeline(path, drop_frame if isinstance(drop_frame, bool) else None)
    except (OSError, ValueError) as exc:
        p.add(("timeline",), str(exc))
        return None


def _kind(p: Problems, path: tuple, cue: dict) -> str | None:
    kinds = [k for k in fmt.CUE_KINDS if k in cue]
    if "hit" in kinds and "stinger" in kinds:  # a hit may carry a stinger
        kinds.remove("stinger")
    if len(kinds) == 1:
        return kinds[0]
    if kinds:
        p.add(path, f"a cue has one kind, this one has {' and '.join(kinds)}")
    else:
        extra = [k for k in cue if k != "at"]
        hint = src.suggest(extra[0], fmt.CUE_KINDS) if extra else ""
        p.add(path, f"a cue needs one of {', '.join(fmt.CUE_KINDS)}{hint}")
    return None


def read_cue(p: Problems, path: tuple, cue: Any, rate: FrameRate) -> fmt.CutsceneCue | None:
    """One cue, or None after recording what is wrong with it."""
    cue = src.check_mapping(p, path, cue)
    if cue is None:
        return None
    if True in cue and "on" not in cue:  # YAML 1.1 reads the key `on` as true
        cue = {("on" if k is True else k): v for k, v in cue.items()}
    kind = _kind(p, path, cue)
    if kind is None:
        return None
    src.check_keys(p, path, cue, CUE_KEYS[kind])
    time = read_time(p, path + ("at",), cue["at"], rate) if "at" in cue else None
    if "at" not in cue:
        p.add(path, "missing required key 'at'")
    body = _READERS[kind](p, path, cue)
    if time is None or body is None:
        return None
    written = cue["at"] if isinstance(cue["at"], str) and ":" in cue["at"] else format_timecode(time, rate)
    return body(float(time), written)


def _state(p, path, cue):
    name = src.get_str(p, path, cue, "state")
    return None if name is None else lambda t, tc: fmt.StateCue(t, tc, name)


def _event(p, path, cue):
    name = src.get_str(p, path, cue, "event")
    return None if name is None else lambda t, tc: fmt.EventCue(t, tc, name)


def _parameter(p, path, cue):
    name = src.get_str(p, path, cue, "parameter")
    value = src.get_number(p, path, cue, "value")
    ramp = src.get_number(p, path, cue, "ramp", 0, 3600, default=0.0)
    if None in (name, value, ramp):
        return None
    return lambda t, tc: fmt.ParameterCue(t, tc, name, value, ramp)


def _stinger(p, path, cue):
    name = src.get_str(p, path, cue, "stinger")
    return None if name is None else lambda t, tc: fmt.StingerCue(t, tc, name)


def _hit(p, path, cue):
    name = src.get_str(p, path, cue, "hit")
    target = src.get_enum(p, path, cue, "on", fmt.HIT_TARGETS, default="bar")
    stinger = src.get_str(p, path, cue, "stinger", default=None)
    accent = cue.get("accent", 0.0)
    accent = 1.0 if accent is True else 0.0 if accent is False else src.check_number(p, path + ("accent",), accent, 0, 1)
    if None in (name, target, accent):
        return None
    return lambda t, tc: fmt.HitCue(t, tc, name, target == "beat", stinger, accent)


def _end(p, path, cue):
    style = src.get_enum(p, path, cue, "end", fmt.END_STYLES)
    if style == "cadence" and "fade" in cue:
        p.add(path + ("fade",), "an end with a cadence does not fade; use 'end: fade' for a fade")
        return None
    fade = src.get_number(p, path, cue, "fade", 0.01, 600, default=fmt.DEFAULT_FADE_S)
    if style is None or fade is None:
        return None
    if style == "cadence":
        return lambda t, tc: fmt.EndCue(t, tc, None, True)
    return lambda t, tc: fmt.EndCue(t, tc, fade, False)


_READERS: dict[str, Callable] = {"state": _state, "event": _event, "parameter": _parameter,
                                 "stinger": _stinger, "hit": _hit, "end": _end}


def check_order(p: Problems, cues: list[tuple[tuple, fmt.CutsceneCue]]) -> None:
    """Cues of one file must be written in time order."""
    for (_, before), (path, cue) in zip(cues, cues[1:]):
        if cue.time_s < before.time_s:
            p.add(path + ("at",), f"cues must be in time order: {cue.timecode} comes after {before.timecode}")


def check_timeline(p: Problems, cues: list[tuple[tuple, fmt.CutsceneCue]], length_s: float | None,
                   complete: bool = True) -> None:
    """Times within the length, unique hits; when ``complete`` (every cue read), also a
    state at 0 and one end that comes last. ``cues`` pairs each cue with its path."""
    hits: dict[str, fmt.HitCue] = {}
    for path, cue in cues:
        if length_s is not None and cue.time_s > length_s:
            p.add(path + ("at",), f"{cue.timecode} is past the end of the cutscene ({length_s:g} s)")
        if isinstance(cue, fmt.HitCue):
            _check_hit(p, path, cue, hits)
    if not complete:
        return
    if not any(isinstance(c, fmt.StateCue) and c.time_s == 0 for _, c in cues):
        p.add(("cues",), "the music starts at 0 and needs a state then: add '- {at: 0, state: ...}' "
                         "(on a timeline: a GREEN marker named after the state at its first frame)")
    _check_end(p, cues, length_s)


def _check_hit(p: Problems, path: tuple, cue: fmt.HitCue, hits: dict) -> None:
    if cue.name in hits:
        p.add(path + ("hit",), f"hit {cue.name!r} is named twice; hit names label messages, keep them unique")
    for other in hits.values():
        if other.time_s == cue.time_s:
            p.add(path + ("at",), f"hits {other.name!r} and {cue.name!r} are both at {cue.timecode}")
    hits[cue.name] = cue


def _check_end(p: Problems, cues: list[tuple[tuple, fmt.CutsceneCue]], length_s: float | None) -> None:
    ends = [(path, c) for path, c in cues if isinstance(c, fmt.EndCue)]
    if not ends:
        p.add(("cues",), "a cutscene needs one end cue: '- {at: ..., end: fade, fade: 2}' or 'end: cadence' "
                         "(on a timeline: a BLACK marker named 'cadence' or 'fade')")
        return
    for path, _ in ends[1:]:
        p.add(path + ("end",), "a cutscene has one end cue")
    path, end = ends[0]
    after = [other for other, c in cues if c.time_s > end.time_s]
    if after:
        p.add(after[0] + ("at",), f"cues after the end ({end.timecode}) would not be heard")
    if end.fade_s is not None and length_s is not None and end.time_s + end.fade_s > length_s + 1e-9:
        p.add(path + ("fade",), f"the fade ends at {end.time_s + end.fade_s:g} s, past the length {length_s:g} s")


def check_length(p: Problems, cues: list[tuple[tuple, fmt.CutsceneCue]], length_s: float, max_tail_s: float) -> None:
    """A length typed by hand may run at most ``max_tail_s`` past the end cue (and its fade):
    a slip of the keyboard must not render an hour of silence."""
    ends = [c for _, c in cues if isinstance(c, fmt.EndCue)]
    if not ends:
        return
    end_s = ends[0].time_s + (ends[0].fade_s or 0.0)
    if length_s > end_s + max_tail_s + 1e-9:
        p.add(("length",), f"{length_s:g} s runs {length_s - end_s:g} s past the end of the music at "
                           f"{end_s:g} s; at most {max_tail_s:g} s may follow it (set max_tail to allow more)")


def check_names(p: Problems, cues: list[tuple[tuple, fmt.CutsceneCue]], names: ScoreNames) -> None:
    """Record every state, event, parameter or stinger the score does not define."""
    for path, cue in cues:
        for key, name, known, what in _references(cue, names):
            if name not in known:
                hint = src.suggest(name, known) or f" (the score has: {', '.join(sorted(known)) or 'none'})"
                p.add(path + (key,), f"{what} {name!r} is not in the score{hint}")


def _references(cue: fmt.CutsceneCue, names: ScoreNames):
    if isinstance(cue, fmt.StateCue):
        yield "state", cue.state, names.states, "state"
    elif isinstance(cue, fmt.EventCue):
        yield "event", cue.event, names.events, "event"
    elif isinstance(cue, fmt.ParameterCue):
        yield "parameter", cue.parameter, names.parameters, "parameter"
    elif isinstance(cue, fmt.StingerCue):
        yield "stinger", cue.stinger, names.stingers, "stinger"
    elif isinstance(cue, fmt.HitCue) and cue.stinger is not None:
        yield "stinger", cue.stinger, names.stingers, "stinger"


def read_length(p: Problems, data: dict, rate: FrameRate, timeline) -> Fraction | None:
    """``length`` (seconds or timecode), else the timeline's duration."""
    if "length" not in data:
        if timeline is not None:
            return timeline.length_s
        p.add((), "missing required key 'length'")
        return None
    length = read_time(p, ("length",), data["length"], rate)
    if length is not None and not 0 < length <= fmt.MAX_LENGTH_S:
        p.add(("length",), f"the length must be more than 0 s and at most {fmt.MAX_LENGTH_S:g} s")
        return None
    return length


def read_cues(p: Problems, data: dict, rate: FrameRate, timeline) -> tuple[list[tuple[tuple, fmt.CutsceneCue]], bool]:
    """The file's cues and the timeline's, merged in time order (the file's first at equal
    times), each with its path; and whether every cue could be read."""
    raw = src.get_list(p, (), data, "cues", default=[] if timeline is not None else src.REQUIRED) or []
    written = [(("cues", i), read_cue(p, ("cues", i), c, rate)) for i, c in enumerate(raw)]
    markers = [((MarkerRef(timeline.file, m.label),), read_cue(p, (MarkerRef(timeline.file, m.label),), m.cue, rate))
               for m in (timeline.cues if timeline is not None else ())]
    complete = all(c is not None for _, c in written + markers)
    written = [(path, c) for path, c in written if c is not None]
    check_order(p, written)
    merged = heapq.merge(written, [(path, c) for path, c in markers if c is not None], key=lambda pc: pc[1].time_s)
    return list(merged), complete


def build_cutscene(doc: Document, root: Path | None = None,
                   names_of: Callable[[Path], ScoreNames] | None = names_from_score_file,
                   timeline_path: str | Path | None = None) -> fmt.Cutscene:
    """Validate a loaded document into a Cutscene, or raise SourceError with every problem.

    Paths in it are relative to the file's real folder. ``root`` is the folder they
    must live under (default: the folder above the file's, so ``../scores/x.yaml``
    works). ``timeline_path`` (given explicitly, so not held to ``root``) replaces
    the file's ``timeline``. ``names_of`` reads the names the score defines; None
    skips that check.
    """
    p = CueProblems(doc)
    data: Any = src.check_mapping(p, (), doc.data)
    if data is None:
        p.raise_if_any()
    src.check_keys(p, (), data, TOP_KEYS)
    folder = doc.file.resolve().parent
    limit = Path(root).resolve() if root is not None else folder.parent
    score_path = read_path(p, data, "score", folder, limit)
    timeline = _timeline(p, data, folder, limit, timeline_path)
    title = src.get_str(p, (), data, "title", default=timeline.name if timeline is not None else "")
    rate = read_frame_rate(p, data, timeline)
    seed = src.get_int(p, (), data, "seed", 0, 2**32 - 1, default=fmt.DEFAULT_SEED)
    length = read_length(p, data, rate, timeline)
    max_tail = src.get_number(p, (), data, "max_tail", 0, fmt.MAX_LENGTH_S, default=fmt.DEFAULT_MAX_TAIL_S)
    tempo = src.get_mapping(p, (), data, "tempo", default={}) or {}
    src.check_keys(p, ("tempo",), tempo, TEMPO_KEYS)
    change = src.get_number(p, ("tempo",), tempo, "max_change_per_bar", 0.005, 0.5, default=fmt.DEFAULT_MAX_CHANGE_PER_BAR)
    leeway = src.get_number(p, ("tempo",), tempo, "leeway", 0.0, 0.5, default=fmt.DEFAULT_TEMPO_LEEWAY)
    cues, complete = read_cues(p, data, rate, timeline)
    check_timeline(p, cues, None if length is None else float(length), complete=complete)
    if length is not None and "length" in data and max_tail is not None:
        check_length(p, cues, float(length), max_tail)
    if score_path is not None and names_of is not None:
        try:
            check_names(p, cues, names_of(score_path))
        except SourceError as exc:
            p.add(("score",), f"score {data['score']!r} is invalid ({len(exc.problems)} problems below)")
            p.extend(exc.problems)
    p.raise_if_any()
    return fmt.Cutscene(score_path, seed, float(length), rate, tuple(c for _, c in cues), title,
                        change, leeway, doc.file, timeline.file if timeline is not None else None)


def _timeline(p: Problems, data: dict, folder: Path, root: Path, explicit: str | Path | None):
    from engine.cutscene.editorial import read_timeline

    if explicit is None:
        return read_timeline_key(p, data, folder, root, data.get("drop_frame"))
    try:
        drop = data.get("drop_frame")
        return read_timeline(explicit, drop if isinstance(drop, bool) else None)
    except (OSError, ValueError) as exc:
        p.add(("timeline",), str(exc))
        return None


def load_cutscene(path: str | Path, root: str | Path | None = None,
                  names_of: Callable[[Path], ScoreNames] | None = names_from_score_file,
                  timeline: str | Path | None = None) -> fmt.Cutscene:
    """Read and validate the cutscene at ``path`` (see ``build_cutscene``).

    Raises SourceError (a ValueError) listing every problem found, each as
    ``file:line: yaml.path: message``, a file that cannot be read included.
    """
    cutscene = build_cutscene(load_yaml(path, "cutscene"), None if root is None else Path(root), names_of, timeline)
    log.debug("loaded cutscene %s", cutscene.summary())
    return cutscene


def load_timeline_cutscene(timeline: str | Path, score: str | Path, seed: int | None = None,
                           names_of: Callable[[Path], ScoreNames] | None = names_from_score_file,
                           title: str = "") -> fmt.Cutscene:
    """A cutscene made of a timeline file alone: its markers are the cues, its rate the
    fps, its duration the length; ``score`` and ``seed`` (default ``DEFAULT_SEED``)
    come from the caller. Both paths are given explicitly, so any folder will do."""
    data = {"score": str(Path(score).resolve()), "seed": fmt.DEFAULT_SEED if seed is None else seed}
    if title:
        data["title"] = title
    doc = Document(Path(timeline), data, {})
    cutscene = build_cutscene(doc, Path("/"), names_of, timeline)
    log.debug("loaded timeline cutscene %s", cutscene.summary())
    return cutscene


__all__ = ["load_cutscene", "load_timeline_cutscene", "build_cutscene", "check_names", "score_names",
           "ScoreNames", "SourceError"]
