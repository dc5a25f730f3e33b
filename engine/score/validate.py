"""Small check functions that turn each section of a score YAML into dataclasses.

Each ``read_*`` takes the ``Problems`` collector, the YAML path of what it reads and
the names already known (moods, parameters, states, stingers), records every problem
it finds and returns what it could build (or None). ``load.py`` runs them in order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from engine.music.form import Form
from engine.music.intent import LAYERS, Instrumentation
from engine.music.keys import MODES, Key, parse_pitch_class
from engine.music.notes import Meter
from engine.music.theme import GENERATED, load_theme
from engine.score import source as src
from engine.score.format import (
    ANY_STATE, CURVES, SMOOTHING_SHAPES, STINGER_SYNC_POINTS, SYNC_POINTS,
    Event, Intensity, Mood, Parameter, Segments, State, StingerSpec, ThemeRef, Transition,
)
from engine.score.gm import gm_names, gm_program
from engine.score.source import Problems

MIN_BPM, MAX_BPM = 20, 300
MOOD_KEYS = ("valence", "arousal", "instruments")
PARAMETER_KEYS = ("range", "default", "smoothing_s", "smoothing")
INTENSITY_KEYS = ("parameter", "curve", "low", "high", "steepness", "points")
STATE_KEYS = ("mood", "intensity", "key", "mode", "tempo", "meter", "layers", "segments",
              "duration_bars", "then", "tempo_ramp_bars", "theme", "form")
THEME_KEYS = ("file", "key")
SEGMENT_KEYS = ("intro", "loop", "outro")
TRANSITION_KEYS = ("from", "to", "sync", "fade_s", "segment", "stinger", "resume")
EVENT_KEYS = TRANSITION_KEYS + ("transitions", "set")
STINGER_KEYS = ("mood", "file", "length_beats", "sync", "duck", "min_interval_s")


def check_reference(p: Problems, path, name: Any, kind: str, known) -> bool:
    """Record ``unknown <kind> 'x' (did you mean 'y'?)`` unless ``name`` is in ``known``."""
    if isinstance(name, str) and name in known:
        return True
    p.add(path, f"unknown {kind} {src.shorten(name)}{src.suggest(name, known)}")
    return False


def named_entries(p: Problems, path, section: Any) -> list[tuple[str, dict]]:
    """The (name, mapping) entries of a named section such as ``states``."""
    if section is None:
        return []
    section = src.check_mapping(p, path, section)
    entries = []
    for name, body in (section or {}).items():
        if not isinstance(name, str) or not name or name == ANY_STATE:
            p.add(path + (name,), f"name {src.shorten(name)} must be a non-empty string other than '*'")
            continue
        body = src.check_mapping(p, path + (name,), body)
        if body is not None:
            entries.append((name, body))
    return entries


# ---- MIDI files -------------------------------------------------------------------

def midi_problem(path: Path) -> str | None:
    """What would stop the player using the MIDI file at ``path`` as a segment or a
    stinger (unreadable, corrupt, truncated, no notes, a tempo out of range), or None."""
    from engine.input_files import InputFileError
    from engine.music.events import Kind
    from engine.music.midi import MidiFileError, read_midi

    try:
        song = read_midi(path)
    except MidiFileError as exc:
        return exc.reason
    except InputFileError as exc:
        return exc.message
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not any(event.kind == Kind.NOTE_ON for track in song.tracks for _, event in track.events):
        return "it has no notes"
    bpm = song.tempo_map.segments[0].bpm
    if not MIN_BPM <= bpm <= MAX_BPM:
        return f"its tempo {bpm:g} bpm is outside {MIN_BPM}..{MAX_BPM}"
    return None


def read_midi_file(p: Problems, path, body: Mapping, key: str) -> Path | None:
    """``body[key]``: a MIDI file in the score's folder that the player can play, or None."""
    file = src.get_file(p, path, body, key, default=None)
    problem = midi_problem(file) if file is not None else None
    if problem is not None:
        p.add(path + (key,), f"MIDI file {src.shorten(body[key])}: {problem}")
        return None
    return file


# ---- moods ------------------------------------------------------------------------

def read_program(p: Problems, path, value: Any) -> int | None:
    """A GM program: a number 0..127 or a GM instrument name."""
    if isinstance(value, str):
        number = gm_program(value)
        if number is None:
            p.add(path, f"unknown General MIDI instrument {src.shorten(value)}{src.suggest(value, gm_names())}")
        return number
    return src.check_number(p, path, value, 0, 127, integer=True)


def read_instruments(p: Problems, path, body: Mapping, base: Instrumentation) -> Instrumentation:
    """``instruments: {layer: program}`` laid over ``base``."""
    given = src.get_mapping(p, path, body, "instruments", default={}) or {}
    src.check_keys(p, path + ("instruments",), given, LAYERS)
    programs = dict(base.programs)
    for layer, value in given.items():
        if layer in LAYERS:
            program = read_program(p, path + ("instruments", layer), value)
            if program is not None:
                programs[layer] = program
    return Instrumentation(tuple(programs.items()))


def read_moods(p: Problems, section: Any, defaults: Mapping[str, Mood]) -> dict[str, Mood]:
    """The engine's default moods with the score's own added or laid over them."""
    moods = dict(defaults)
    for name, body in named_entries(p, ("moods",), section):
        path = ("moods", name)
        src.check_keys(p, path, body, MOOD_KEYS)
        base = defaults.get(name)
        need = src.REQUIRED if base is None else None
        valence = src.get_number(p, path, body, "valence", 0, 1, default=need)
        arousal = src.get_number(p, path, body, "arousal", 0, 1, default=need)
        instruments = read_instruments(p, path, body, base.instrumentation if base else Instrumentation())
        valence = valence if valence is not None else (base.valence if base else 0.5)
        arousal = arousal if arousal is not None else (base.arousal if base else 0.5)
        moods[name] = Mood(name, valence, arousal, instruments)
    return moods


# ---- parameters -------------------------------------------------------------------

def read_range(p: Problems, path, body: Mapping, key: str, lo=None, hi=None):
    """``[low, high]`` with low < high, each in lo..hi; None when absent or wrong."""
    pair = src.get_list(p, path, body, key, default=None)
    if pair is None:
        return None
    where = path + (key,)
    if len(pair) != 2:
        p.add(where, f"expected [low, high], got {src.shorten(pair)}")
        return None
    low, high = (src.check_number(p, where + (i,), v, lo, hi) for i, v in enumerate(pair))
    if low is None or high is None:
        return None
    if low >= high:
        p.add(where, f"low {low:g} must be below high {high:g}")
        return None
    return low, high


def read_parameter(p: Problems, name: str, body: Mapping) -> Parameter:
    path = ("parameters", name)
    src.check_keys(p, path, body, PARAMETER_KEYS)
    low, high = read_range(p, path, body, "range") or (0.0, 1.0)
    default = src.get_number(p, path, body, "default", low, high, default=low)
    smoothing_s = src.get_number(p, path, body, "smoothing_s", 0, 60, default=0.0)
    shape = src.get_enum(p, path, body, "smoothing", SMOOTHING_SHAPES, default="exponential")
    return Parameter(name, low, high, default if default is not None else low,
                     smoothing_s if smoothing_s is not None else 0.0, shape or "exponential")


def read_parameters(p: Problems, section: Any) -> dict[str, Parameter]:
    return {name: read_parameter(p, name, body) for name, body in named_entries(p, ("parameters",), section)}


# ---- stingers ---------------------------------------------------------------------

def read_stinger(p: Problems, name: str, body: Mapping, moods) -> StingerSpec | None:
    path = ("stingers", name)
    src.check_keys(p, path, body, STINGER_KEYS)
    mood = src.get_str(p, path, body, "mood", default=None)
    if ("mood" in body) == ("file" in body):
        p.add(path, "give a stinger either 'mood' (generated) or 'file' (authored MIDI), exactly one")
    if mood is not None:
        check_reference(p, path + ("mood",), mood, "mood", moods)
    file = read_midi_file(p, path, body, "file")
    length = src.get_number(p, path, body, "length_beats", 0.25, 64, default=2.0)
    sync = src.get_enum(p, path, body, "sync", STINGER_SYNC_POINTS, default="next_beat")
    duck = src.get_number(p, path, body, "duck", 0, 1, default=0.3)
    interval = src.get_number(p, path, body, "min_interval_s", 0, 600, default=0.5)
    if None in (length, sync, duck, interval):
        return None
    return StingerSpec(name, mood, file, length, sync, duck, interval)


def read_stingers(p: Problems, section: Any, moods) -> dict[str, StingerSpec]:
    stingers = {}
    for name, body in named_entries(p, ("stingers",), section):
        stinger = read_stinger(p, name, body, moods)
        if stinger is not None:
            stingers[name] = stinger
    return stingers


# ---- states -----------------------------------------------------------------------

def read_points(p: Problems, path, body: Mapping) -> tuple[tuple[float, float], ...]:
    """``points: [[parameter value, intensity], ...]``, at least two, x increasing."""
    raw = src.get_list(p, path, body, "points", default=[]) or []
    points = []
    for i, pair in enumerate(raw):
        where = path + ("points", i)
        if not isinstance(pair, list) or len(pair) != 2:
            p.add(where, f"expected [parameter value, intensity], got {src.shorten(pair)}")
            continue
        x = src.check_number(p, where + (0,), pair[0])
        y = src.check_number(p, where + (1,), pair[1], 0, 1)
        if x is not None and y is not None:
            points.append((x, y))
    xs = [x for x, _ in points]
    if len(raw) < 2:
        p.add(path + ("points",), "a points curve needs at least two [x, y] points")
    elif any(b <= a for a, b in zip(xs, xs[1:])):
        p.add(path + ("points",), "point x values must be strictly increasing")
    return tuple(points)


def read_intensity(p: Problems, path, body: Mapping, parameters) -> Intensity:
    """``intensity: 0.4`` or ``intensity: {parameter: danger, curve: linear, low: 0.2, high: 1}``."""
    value = body.get("intensity", 0.5)
    where = path + ("intensity",)
    if not isinstance(value, dict):
        number = src.check_number(p, where, value, 0, 1)
        return Intensity(constant=number if number is not None else 0.5)
    src.check_keys(p, where, value, INTENSITY_KEYS)
    name = src.get_str(p, where, value, "parameter")
    if name is not None:
        check_reference(p, where + ("parameter",), name, "parameter", parameters)
    curve = src.get_enum(p, where, value, "curve", CURVES, default="points" if "points" in value else "linear")
    low = src.get_number(p, where, value, "low", 0, 1, default=0.0)
    high = src.get_number(p, where, value, "high", 0, 1, default=1.0)
    steepness = src.get_number(p, where, value, "steepness", -20, 20, default=3.0)
    points = read_points(p, where, value) if curve == "points" else ()
    return Intensity(0.5, name, curve or "linear", low or 0.0, 1.0 if high is None else high,
                     3.0 if steepness is None else steepness, points)


def read_key(p: Problems, path, body: Mapping) -> Key:
    """``key: D minor`` (tonic and optional mode), with an optional ``mode:`` beside it."""
    text = src.get_str(p, path, body, "key", default="C major")
    mode = src.get_str(p, path, body, "mode", default=None)
    parts = (text or "C").split()
    if not 1 <= len(parts) <= 2:
        p.add(path + ("key",), f"key {src.shorten(text)} is not of the form 'TONIC [MODE]', e.g. 'D minor'")
        return Key()
    try:
        tonic = parse_pitch_class(parts[0])
    except ValueError as exc:
        p.add(path + ("key",), f"key {src.shorten(text)}: {exc}")
        return Key()
    mode = (mode or (parts[1] if len(parts) == 2 else "major")).lower()
    if mode not in MODES:
        where = path + ("mode" if "mode" in body else "key",)
        p.add(where, f"unknown mode {src.shorten(mode)}{src.suggest(mode, MODES) or ' (one of: ' + ', '.join(MODES) + ')'}")
        return Key(tonic)
    return Key(tonic, mode)


def read_meter(p: Problems, path, body: Mapping) -> Meter:
    text = body.get("meter", "4/4")
    try:
        return Meter.parse(text)
    except (TypeError, ValueError) as exc:
        p.add(path + ("meter",), str(exc))
        return Meter()


def read_tempo(p: Problems, path, body: Mapping):
    """``tempo: 120`` or ``tempo: [90, 130]`` (a range intensity moves across)."""
    if isinstance(body.get("tempo"), list):
        pair = read_range(p, path, body, "tempo", MIN_BPM, MAX_BPM)
        return (pair[0] if pair else 100.0), pair
    bpm = src.get_number(p, path, body, "tempo", MIN_BPM, MAX_BPM)
    return (bpm if bpm is not None else 100.0), None


def read_layers(p: Problems, path, body: Mapping) -> tuple[str, ...]:
    layers = src.get_list(p, path, body, "layers", default=list(LAYERS)) or []
    for i, layer in enumerate(layers):
        check_reference(p, path + ("layers", i), layer, "layer", LAYERS)
    return tuple(layer for layer in LAYERS if layer in layers)


def read_segments(p: Problems, path, body: Mapping) -> Segments:
    given = src.get_mapping(p, path, body, "segments", default={}) or {}
    where = path + ("segments",)
    src.check_keys(p, where, given, SEGMENT_KEYS)
    return Segments(*(read_midi_file(p, where, given, part) for part in SEGMENT_KEYS))


def read_theme(p: Problems, path, body: Mapping) -> ThemeRef | None:
    """``theme: generated``, ``theme: motif.mid`` or ``theme: {file: motif.mid, key: D minor}``;
    an authored motif is read now, so a file that is no 1..4-bar motif is a problem here."""
    value = body.get("theme")
    if value is None:
        return None
    if value == GENERATED:
        return ThemeRef()
    if isinstance(value, str):
        file, key, where = src.get_file(p, path, body, "theme"), None, path + ("theme",)
    else:
        given = src.check_mapping(p, path + ("theme",), value) or {}
        src.check_keys(p, path + ("theme",), given, THEME_KEYS)
        file, where = src.get_file(p, path + ("theme",), given, "file"), path + ("theme", "file")
        key = read_key(p, path + ("theme",), given) if "key" in given else None
    if file is None:
        return None
    try:
        load_theme(file, key)
    except ValueError as exc:
        p.add(where, str(exc))
        return None
    return ThemeRef(file, key)


def read_form(p: Problems, path, body: Mapping) -> tuple[str, ...]:
    """``form: [A, A', B, A]``: phrase labels, a capital letter and up to three primes each."""
    labels = src.get_list(p, path, body, "form", default=None)
    if labels is None:
        return ()
    try:
        return Form.parse([str(label) for label in labels]).labels
    except ValueError as exc:
        p.add(path + ("form",), str(exc))
        return ()


def read_state(p: Problems, name: str, body: Mapping, moods, parameters) -> State:
    path = ("states", name)
    src.check_keys(p, path, body, STATE_KEYS)
    mood = src.get_str(p, path, body, "mood")
    if mood is not None:
        check_reference(p, path + ("mood",), mood, "mood", moods)
    tempo_bpm, tempo_range = read_tempo(p, path, body)
    duration = src.get_int(p, path, body, "duration_bars", 1, 1024, default=None)
    then = src.get_str(p, path, body, "then", default=None)
    if ("duration_bars" in body) != ("then" in body):
        p.add(path, "'duration_bars' and 'then' go together: a timed state needs both")
    ramp = src.get_number(p, path, body, "tempo_ramp_bars", 0, 64, default=0.0)
    return State(
        name, mood or "calm", read_intensity(p, path, body, parameters), read_key(p, path, body),
        tempo_bpm, tempo_range, read_meter(p, path, body), read_layers(p, path, body),
        read_segments(p, path, body), duration, then, ramp if ramp is not None else 0.0,
        read_theme(p, path, body), read_form(p, path, body),
    )


def read_states(p: Problems, section: Any, moods, parameters) -> dict[str, State]:
    states = {name: read_state(p, name, body, moods, parameters)
              for name, body in named_entries(p, ("states",), section)}
    for state in states.values():
        if state.then_state is not None:
            check_reference(p, ("states", state.name, "then"), state.then_state, "state", states)
    return states


# ---- events -----------------------------------------------------------------------

def read_from(p: Problems, path, body: Mapping, states) -> tuple[str, ...]:
    value = body.get("from", ANY_STATE)
    names = value if isinstance(value, list) else [value]
    for i, name in enumerate(names):
        where = path + ("from", i) if isinstance(value, list) else path + ("from",)
        if name != ANY_STATE:
            check_reference(p, where, name, "state", states)
    return tuple(str(name) for name in names)


def read_transition(p: Problems, path, body: Mapping, states, stingers) -> Transition | None:
    to = src.get_str(p, path, body, "to")
    ok = to is not None and check_reference(p, path + ("to",), to, "state", states)
    from_states = read_from(p, path, body, states)
    sync = src.get_enum(p, path, body, "sync", SYNC_POINTS, default="next_bar")
    fade_s = src.get_number(p, path, body, "fade_s", 0, 60, default=1.0)
    segment = read_midi_file(p, path, body, "segment")
    stinger = src.get_str(p, path, body, "stinger", default=None)
    if stinger is not None:
        check_reference(p, path + ("stinger",), stinger, "stinger", stingers)
    resume = read_flag(p, path, body, "resume")
    if not ok or sync is None or fade_s is None:
        return None
    return Transition(from_states, to, sync, fade_s, segment, stinger, resume)


def read_flag(p: Problems, path, body: Mapping, key: str) -> bool:
    """``body[key]`` if it is true or false; false when absent."""
    value = body.get(key, False)
    if not isinstance(value, bool):
        p.add(tuple(path) + (key,), f"expected true or false, got {value!r}")
        return False
    return value


def read_sets(p: Problems, path, body: Mapping, parameters) -> tuple[tuple[str, float], ...]:
    """``set: {health: 0.2}``: parameters the event sets, each checked against its range."""
    given = src.get_mapping(p, path, body, "set", default={}) or {}
    sets = []
    for name, value in given.items():
        where = path + ("set", name)
        if check_reference(p, where, name, "parameter", parameters):
            param = parameters[name]
            number = src.check_number(p, where, value, param.min_value, param.max_value)
            if number is not None:
                sets.append((name, number))
    return tuple(sets)


def read_event(p: Problems, name: str, body: Mapping, states, stingers, parameters) -> Event:
    path = ("events", name)
    src.check_keys(p, path, body, EVENT_KEYS)
    transitions = []
    if "transitions" in body:
        if set(TRANSITION_KEYS[:2]) & set(body):
            p.add(path, "give either 'to' (one transition) or 'transitions' (a list), not both")
        for i, item in enumerate(src.get_list(p, path, body, "transitions") or []):
            item = src.check_mapping(p, path + ("transitions", i), item)
            if item is not None:
                src.check_keys(p, path + ("transitions", i), item, TRANSITION_KEYS)
                transitions.append(read_transition(p, path + ("transitions", i), item, states, stingers))
    elif "to" in body or "from" in body:
        transitions.append(read_transition(p, path, body, states, stingers))
    stinger = None
    if "stinger" in body and ("transitions" in body or not transitions):
        stinger = src.get_str(p, path, body, "stinger")
        if stinger is not None:
            check_reference(p, path + ("stinger",), stinger, "stinger", stingers)
    sets = read_sets(p, path, body, parameters)
    if not ({"to", "from", "transitions", "stinger", "set"} & set(body)):
        p.add(path, "this event does nothing: give it 'to', 'transitions', 'stinger' or 'set'")
    return Event(name, tuple(t for t in transitions if t is not None), stinger, sets)


def read_events(p: Problems, section: Any, states, stingers, parameters) -> dict[str, Event]:
    return {name: read_event(p, name, body, states, stingers, parameters)
            for name, body in named_entries(p, ("events",), section)}
