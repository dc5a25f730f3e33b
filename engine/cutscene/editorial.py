"""Editorial timelines in: an OpenTimelineIO file's markers become a cutscene's cues.

What an editor exports (``.otio``; EDL, FCP XML and others where their OTIO adapters
are installed) carries **markers**. Each marker with a moodscore meaning becomes one
cue, in the shape a cutscene YAML cue has (``{"at": ..., "hit": "ambush", ...}``),
so the same validation reads both. A marker's meaning comes from, in this order:

1. its metadata ``moodscore``: a cue mapping without ``at`` (``{"hit": "ambush",
   "accent": 1}``), or ``{"kind": "hit", ...}`` whose name is the marker's name; metadata
   with options only (``{"accent": 1, "stinger": "hurt"}``) adds them to the cue that
   the name or colour makes;
2. its name ``KIND: NAME [key=value ...]``: ``hit: ambush accent=1 stinger=hurt``,
   ``state: combat``, ``event: enemy_spotted``, ``stinger: item``,
   ``parameter: danger=0.7 ramp=3``, ``end: cadence``, ``end: fade fade=3``;
3. its colour, the name then being ``NAME [key=value ...]``: RED hit (on a bar),
   ORANGE hit on a beat, GREEN state, BLUE event, YELLOW stinger, PURPLE parameter
   (``danger=0.7``), BLACK end (``cadence`` or ``fade``).

Other markers (notes to the editor: WHITE, CYAN, PINK, MAGENTA without a prefix or
metadata) are left alone and counted in the log. A marker's time is its start, in the
time of the whole timeline (a marker on a clip moves with the clip): 0 is the
timeline's first frame, whatever its ``global_start_time`` says, and the music starts
there. Tracks that moodscore wrote itself (``editorial_out``) are skipped.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from engine.cutscene.timecode import FrameRate, format_timecode, frame_rate_of, parse_time

log = logging.getLogger(__name__)

COLOUR_KINDS: dict[str, tuple[str, dict]] = {
    "RED": ("hit", {}),
    "ORANGE": ("hit", {"on": "beat"}),
    "GREEN": ("state", {}),
    "BLUE": ("event", {}),
    "YELLOW": ("stinger", {}),
    "PURPLE": ("parameter", {}),
    "BLACK": ("end", {}),
}
"""A marker's colour -> the cue kind it makes (and keys it implies)."""
KINDS = ("hit", "state", "event", "stinger", "parameter", "end")
MAX_TIMELINE_BYTES = 64 << 20
"""A feature film's edit as OTIO JSON is a few MB; anything past this is not a timeline."""
GENERATED_KEY = "moodscore"
"""Metadata key of tracks moodscore wrote (``{"generated": true}``), skipped on reading."""
_PREFIX = re.compile(r"^\s*(hit|state|event|stinger|parameter|param|end)\s*:\s*(.*)$", re.IGNORECASE)
_OPTION = re.compile(r"^([A-Za-z_]+)=(.*)$")


@dataclass(frozen=True, slots=True)
class MarkerCue:
    """One marker read as a cue: ``label`` names it in messages, ``cue`` is the mapping."""

    label: str
    cue: dict


@dataclass(frozen=True)
class EditorialTimeline:
    """What a timeline file gives a cutscene: its frame rate, length and marker cues."""

    file: Path
    frame_rate: FrameRate
    length_s: Fraction
    cues: tuple[MarkerCue, ...]
    ignored: int = 0
    name: str = ""


def read_timeline(path: str | os.PathLike, drop_frame: bool | None = None) -> EditorialTimeline:
    """Read the markers of the timeline file at ``path`` (any format OTIO reads).

    Raises OSError when the file cannot be read and ValueError (naming the file) when
    OTIO cannot parse it or its frame rate is not one moodscore scores to.
    """
    import opentimelineio as otio

    from engine.input_files import check_regular

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"timeline {path} does not exist")
    size = check_regular(path, "timeline").st_size      # no FIFO, device or directory
    if size > MAX_TIMELINE_BYTES:
        raise ValueError(f"{path}: is {size >> 20} MiB; a timeline file may be at most {MAX_TIMELINE_BYTES >> 20} MiB")
    try:
        timeline = otio.adapters.read_from_file(str(path))
    except Exception as exc:    # OTIO raises its own, adapters anything: all mean "not a timeline"
        raise ValueError(f"{path}: cannot read it as a timeline: {exc}") from None
    if not isinstance(timeline, otio.schema.Timeline):
        raise ValueError(f"{path}: holds a {type(timeline).__name__}, not a timeline")
    try:
        rate = frame_rate_of(_rate_of(timeline), drop_frame)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    cues, ignored = [], 0
    for marker, start in _markers(timeline):
        seconds = _seconds(start)
        cue = marker_cue(marker.name, marker.color, dict(marker.metadata), _at(seconds, rate))
        if cue is None:
            ignored += 1
            continue
        cues.append(MarkerCue(f"marker {marker.name!r} at {format_timecode(seconds, rate)}", cue))
    if ignored:
        log.info("%s: %d markers have no moodscore meaning (see docs/cutscene-format.md)", path.name, ignored)
    length = _seconds(timeline.tracks.duration())
    return EditorialTimeline(path, rate, length, tuple(sorted(cues, key=lambda m: _order(m, rate))), ignored,
                             timeline.name or "")


def _rate_of(timeline) -> float:
    """The picture rate: the timeline's start time's, else its first clip's."""
    if timeline.global_start_time is not None:
        return timeline.global_start_time.rate
    for clip in timeline.find_clips():
        return clip.trimmed_range().duration.rate
    return timeline.tracks.duration().rate


def _markers(timeline):
    """(marker, start in the timeline's time) for every marker not on a track moodscore wrote."""
    stack = timeline.tracks
    for marker in stack.markers:
        yield marker, marker.marked_range.start_time
    for track in stack:
        if _generated(track):
            continue
        for marker in track.markers:
            yield marker, track.transformed_time(marker.marked_range.start_time, stack)
        for item in track.find_children():
            shown = item.trimmed_range() if hasattr(item, "trimmed_range") else None
            for marker in getattr(item, "markers", ()):
                if shown is None or shown.contains(marker.marked_range.start_time):   # trimmed off: not in the cut
                    yield marker, item.transformed_time(marker.marked_range.start_time, stack)


def _generated(track) -> bool:
    meta = track.metadata.get(GENERATED_KEY) if hasattr(track.metadata, "get") else None
    return bool(meta and hasattr(meta, "get") and meta.get("generated"))


def _exact_rate(rate: float) -> Fraction:
    """30000/1001 for 29.97002997 (or 29.97), 24000/1001 for 23.976, else the rate itself."""
    for exact in (Fraction(30000, 1001), Fraction(24000, 1001), Fraction(60000, 1001)):
        if abs(float(exact) - rate) < 0.005:
            return exact
    return Fraction(rate).limit_denominator(1001)


def _seconds(time) -> Fraction:
    """A RationalTime as exact seconds (its value rounded to a millionth of a frame)."""
    value = Fraction(round(time.value * 10**6), 10**6)
    return value / _exact_rate(time.rate)


def _at(seconds: Fraction, rate: FrameRate) -> str:
    """The cue's ``at``: timecode when the time is a whole frame (exact), else seconds."""
    frames = seconds * rate.fps
    if frames.denominator == 1:
        return format_timecode(seconds, rate)
    return f"{float(seconds)!r}s"


def _order(marker: MarkerCue, rate: FrameRate) -> Fraction:
    return parse_time(marker.cue["at"], rate)


def marker_cue(name: str, colour: str | None, metadata: dict, at: str) -> dict | None:
    """The cue mapping a marker stands for (see the module docstring), or None.

    Metadata that names no kind (only options such as ``accent``) adds its keys to the
    cue the name or colour makes."""
    meta = metadata.get(GENERATED_KEY)
    meta = {str(k): _plain(v) for k, v in meta.items()} if hasattr(meta, "keys") else {}
    if "kind" in meta:
        kind = str(meta.pop("kind"))
        return {"at": at, kind: meta.pop("name", name), **meta}
    if any(kind in meta for kind in KINDS if kind != "stinger"):   # a hit may carry a stinger
        return {"at": at, **meta}
    cue = _from_name(name or "", colour, at)
    if cue is None:
        return {"at": at, **meta} if "stinger" in meta else None
    return {**cue, **meta}


def _from_name(name: str, colour: str | None, at: str) -> dict | None:
    match = _PREFIX.match(name)
    if match:
        kind = "parameter" if match.group(1).lower() == "param" else match.group(1).lower()
        return _from_words(kind, match.group(2), {}, at)
    if colour in COLOUR_KINDS:
        kind, implied = COLOUR_KINDS[colour]
        return _from_words(kind, name, implied, at)
    return None


def _plain(value: Any) -> Any:
    """OTIO metadata values as YAML would give them (its AnyDictionary -> dict)."""
    if hasattr(value, "keys"):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _from_words(kind: str, text: str, implied: dict, at: str) -> dict:
    """``ambush accent=1 stinger=hurt`` -> ``{"hit": "ambush", "accent": 1, ...}``;
    for a parameter ``danger=0.7 ramp=3`` -> ``{"parameter": "danger", "value": 0.7, "ramp": 3}``."""
    words = text.split()
    first = words[0] if words else ""
    cue: dict = {"at": at}
    if kind == "parameter" and "=" in first:
        name, value = first.split("=", 1)
        cue.update(parameter=name, value=_value(value))
    else:
        cue[kind] = first
    cue.update(implied)
    for word in words[1:]:
        option = _OPTION.match(word)
        cue[option.group(1) if option else word] = _value(option.group(2)) if option else None
    return cue


def _value(text: str):
    """A number where the text is one (``1``, ``0.5``), true/false, else the text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
