"""Standard MIDI files in and out through mido, as an immutable ``Song``.

A ``Song`` holds a tempo map, meter changes and tracks of channel messages, every time
in engine ticks (``PPQ`` = 480 per quarter; files at another resolution are rescaled
and rounded to the nearest tick). Kept: tempo and time-signature meta events, track
names, note on/off (a note-on with velocity 0 reads as a note-off), program and control
changes, pitch bend. Dropped: other meta events, sysex and aftertouch.

Round trip: ``read_midi(write_midi(song))`` equals ``song`` when every tempo is a whole
number of microseconds per quarter (as every tempo read from a file is) and no tempo
point ramps. MIDI has no tempo ramps, so a ramp is written as steps every sixteenth
note (``RAMP_STEP_TICKS``), each step's tempo chosen so that the step lasts exactly
as long as under the ramp: positions on the step grid keep their time to within the
microsecond rounding of MIDI tempos. A program event's bank (``MidiEvent.b``) is
written as bank-select controls (CC 0/32) where it differs from the channel's current
bank, and read back from them.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field

import mido

from engine.input_files import read_input
from engine.music.events import Kind, MidiEvent, TimedEvent
from engine.music.notes import PPQ, Meter
from engine.music.tempo import TempoMap, TempoSegment

log = logging.getLogger(__name__)

RAMP_STEP_TICKS = PPQ // 4
_CONVERT = {"note_on", "note_off", "program_change", "control_change", "pitchwheel"}


@dataclass(frozen=True, slots=True)
class Track:
    """One MIDI track: a name and its channel messages as (tick, MidiEvent), sorted by tick."""

    name: str = ""
    events: tuple[tuple[int, MidiEvent], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"track name must be a str, got {self.name!r}")
        check_timed_events(self.events, f"track {self.name!r}")


@dataclass(frozen=True, slots=True)
class Song:
    """A whole piece: tempo map, meter changes as (tick, Meter), and tracks."""

    tempo_map: TempoMap = field(default_factory=lambda: TempoMap.constant(120.0))
    meters: tuple[tuple[int, Meter], ...] = ((0, Meter()),)
    tracks: tuple[Track, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.tempo_map, TempoMap):
            raise TypeError(f"song tempo_map must be a TempoMap, got {self.tempo_map!r}")
        check_meters(self.meters)
        for track in self.tracks:
            if not isinstance(track, Track):
                raise TypeError(f"song tracks must be Track objects, got {track!r}")

    @property
    def end_tick(self) -> int:
        """The tick of the last channel message (0 for an empty song)."""
        return max((track.events[-1][0] for track in self.tracks if track.events), default=0)


def check_timed_events(events, where: str) -> None:
    """Raise unless ``events`` is a sequence of (tick >= 0, MidiEvent) sorted by tick."""
    last = 0
    for index, item in enumerate(events):
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], MidiEvent)):
            raise TypeError(f"{where}, event {index}: expected (tick, MidiEvent), got {item!r}")
        tick = item[0]
        if isinstance(tick, bool) or not isinstance(tick, int):
            raise TypeError(f"{where}, event {index}: tick must be an int, got {tick!r}")
        if tick < 0:
            raise ValueError(f"{where}, event {index}: negative time {tick} ticks")
        if tick < last:
            raise ValueError(f"{where}, event {index}: tick {tick} comes before {last}; events must be sorted")
        last = tick


def check_meters(meters) -> None:
    """Raise unless ``meters`` is a non-empty, strictly increasing tuple of (tick, Meter) from tick 0."""
    if not meters or meters[0][0] != 0:
        raise ValueError(f"song meters must start at tick 0, got {meters!r}")
    for index, (tick, meter) in enumerate(meters):
        if not isinstance(meter, Meter) or isinstance(tick, bool) or not isinstance(tick, int):
            raise TypeError(f"song meter {index}: expected (tick, Meter), got {(tick, meter)!r}")
        if index and tick <= meters[index - 1][0]:
            raise ValueError(f"song meter {index}: tick {tick} must be after {meters[index - 1][0]}")


# ---------------------------------------------------------------- reading


class MidiFileError(ValueError):
    """A MIDI file that cannot be read: ``str()`` is ``path: reason``; ``reason`` alone names what is wrong."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path, self.reason = os.fspath(path), reason
        super().__init__(f"{self.path}: {reason}")


def read_midi(path: str | os.PathLike) -> Song:
    """Read a type 0 or type 1 MIDI file into a ``Song``. A missing file raises OSError;
    a directory, a device or a file over 4 MiB raises ``InputFileError`` and anything
    that does not parse as MIDI ``MidiFileError``: both ValueErrors naming the file."""
    data = read_input(path, "MIDI")
    broken = diagnose(data)  # the chunks first: a truncated file is refused before mido reads it
    if broken is not None:
        raise MidiFileError(path, broken)
    try:
        midi = mido.MidiFile(file=io.BytesIO(data), clip=False)
    except Exception as exc:  # mido raises OSError, EOFError, KeyError, ValueError...
        raise MidiFileError(path, f"not a MIDI file or corrupt ({exc or type(exc).__name__})") from None
    if midi.type == 2:
        raise MidiFileError(path, "MIDI type 2 (independent sequences) is not supported")
    if not midi.tracks:
        raise MidiFileError(path, "not a MIDI file or corrupt (it has no tracks)")
    try:
        return _song_from_midi(midi, os.fspath(path))
    except (ValueError, TypeError, ZeroDivisionError, OverflowError) as exc:  # a tempo of 0, a bad meter...
        raise MidiFileError(path, f"corrupt: {str(exc).removeprefix(os.fspath(path) + ', ')}") from None


def diagnose(data: bytes) -> str | None:
    """What is wrong with the chunk structure of MIDI bytes (empty, no header, truncated),
    or None when the chunks are whole (the fault, if any, is inside a track)."""
    if not data:
        return "not a MIDI file: it is empty (0 bytes)"
    if not data.startswith(b"MThd"):
        return f"not a MIDI file: it starts with {data[:4]!r}, not b'MThd'"
    if len(data) < 14:
        return f"truncated MIDI file: the 14-byte header ends after {len(data)} bytes"
    tracks, position = int.from_bytes(data[10:12], "big"), 8 + int.from_bytes(data[4:8], "big")
    for index in range(1, tracks + 1):
        if position + 8 > len(data):
            return f"truncated MIDI file: it ends at byte {len(data)}, before track {index} of {tracks}"
        size = int.from_bytes(data[position + 4:position + 8], "big")
        if position + 8 + size > len(data):
            return (f"truncated MIDI file: track {index} of {tracks} should hold {size} bytes "
                    f"but the file ends after {len(data) - position - 8}")
        position += 8 + size
    return None


def _song_from_midi(midi: mido.MidiFile, where: str) -> Song:
    ppq = midi.ticks_per_beat
    if ppq <= 0:
        raise ValueError(f"{where}: not a MIDI file or corrupt (SMPTE time division is not supported)")
    tempos: dict[int, int] = {}
    meters: dict[int, Meter] = {}
    tracks = []
    for index, mtrack in enumerate(midi.tracks):
        name, events = _read_track(mtrack, ppq, tempos, meters, f"{where}, track {index}")
        if index == 0 and midi.type == 1 and not events:
            continue  # the conductor track: tempo and meter only
        tracks.append(Track(name, tuple(events)))
    return Song(_tempo_map(tempos), _meters(meters), tuple(tracks))


def _read_track(mtrack, ppq: int, tempos: dict, meters: dict, where: str):
    name, events, banks = "", [], {}
    tick_in_file = 0
    for msg in mtrack:
        tick_in_file += msg.time
        tick = round(tick_in_file * PPQ / ppq)
        if msg.type == "track_name" and not name:
            name = msg.name
        elif msg.type == "set_tempo":
            tempos[tick] = msg.tempo
        elif msg.type == "time_signature":
            meters[tick] = _meter(msg, where)
        elif msg.type in _CONVERT:
            events.append((tick, _event(msg, banks)))
    return name, events


def _meter(msg, where: str) -> Meter:
    try:
        return Meter(msg.numerator, msg.denominator)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: bad time signature {msg.numerator}/{msg.denominator} ({exc})") from None


def _event(msg, banks: dict) -> MidiEvent:
    ch = msg.channel
    if msg.type == "note_on" and msg.velocity > 0:
        return MidiEvent(Kind.NOTE_ON, ch, msg.note, msg.velocity)
    if msg.type in ("note_on", "note_off"):
        return MidiEvent(Kind.NOTE_OFF, ch, msg.note, 0)
    if msg.type == "program_change":
        return MidiEvent(Kind.PROGRAM, ch, msg.program, banks.get(ch, 0))
    if msg.type == "control_change":
        _track_bank(banks, ch, msg.control, msg.value)
        return MidiEvent(Kind.CONTROL, ch, msg.control, msg.value)
    return MidiEvent(Kind.PITCH_BEND, ch, msg.pitch + 8192, 0)


def _track_bank(banks: dict, channel: int, control: int, value: int) -> None:
    bank = banks.get(channel, 0)
    if control == 0:
        banks[channel] = (value << 7) | (bank & 127)
    elif control == 32:
        banks[channel] = (bank & ~127) | value


def _tempo_map(tempos: dict[int, int]) -> TempoMap:
    points = [TempoSegment(tick / PPQ, 60_000_000 / us) for tick, us in sorted(tempos.items())]
    if not points or points[0].start_quarter != 0:
        points.insert(0, TempoSegment(0.0, 120.0))
    return TempoMap(points)


def _meters(meters: dict[int, Meter]) -> tuple[tuple[int, Meter], ...]:
    items = sorted(meters.items())
    if not items or items[0][0] != 0:
        items.insert(0, (0, Meter()))
    return tuple(items)


# ---------------------------------------------------------------- writing


def write_midi(song: Song, path: str | os.PathLike) -> None:
    """Write ``song`` as a type 1 MIDI file at 480 ticks per quarter: a conductor track
    (tempo and meters; ramps as sixteenth-note steps) then one track per song track."""
    if not isinstance(song, Song):
        raise TypeError(f"write_midi needs a Song, got {type(song).__name__}")
    midi = mido.MidiFile(type=1, ticks_per_beat=PPQ)
    midi.tracks.append(_conductor_track(song))
    for track in song.tracks:
        midi.tracks.append(_channel_track(track))
    midi.save(os.fspath(path))


def _conductor_track(song: Song) -> mido.MidiTrack:
    metas = [(tick, mido.MetaMessage("set_tempo", tempo=us)) for tick, us in tempo_steps(song.tempo_map, song.end_tick)]
    metas += [
        (tick, mido.MetaMessage("time_signature", numerator=m.numerator, denominator=m.denominator))
        for tick, m in song.meters
    ]
    return _delta_track(sorted(metas, key=lambda item: item[0]))


def tempo_steps(tempo_map: TempoMap, end_tick: int) -> list[tuple[int, int]]:
    """(tick, microseconds per quarter) for each MIDI tempo event that renders ``tempo_map``;
    a ramp becomes one step every ``RAMP_STEP_TICKS`` lasting exactly as long as the ramp."""
    steps = []
    segments = tempo_map.segments
    for index, seg in enumerate(segments):
        start = round(seg.start_quarter * PPQ)
        if not seg.ramp:
            steps.append((start, round(60_000_000 / seg.bpm)))
            continue
        stop = round(segments[index + 1].start_quarter * PPQ)
        for tick in range(start, stop, RAMP_STEP_TICKS):
            nxt = min(tick + RAMP_STEP_TICKS, stop)
            seconds = tempo_map.seconds_at(nxt / PPQ) - tempo_map.seconds_at(tick / PPQ)
            steps.append((tick, round(seconds * 1_000_000 * PPQ / (nxt - tick))))
    return [(tick, min(max(us, 1), 0xFFFFFF)) for tick, us in steps]


def _channel_track(track: Track) -> mido.MidiTrack:
    items: list = [(0, mido.MetaMessage("track_name", name=track.name))] if track.name else []
    banks: dict[int, int] = {}
    for tick, event in track.events:
        items.extend((tick, msg) for msg in _messages(event, banks))
    return _delta_track(items)


def _messages(event: MidiEvent, banks: dict) -> list:
    ch, a, b = event.channel, event.a, event.b
    kind = event.kind
    if kind == Kind.NOTE_ON:
        return [mido.Message("note_on", channel=ch, note=a, velocity=b)]
    if kind == Kind.NOTE_OFF:
        return [mido.Message("note_off", channel=ch, note=a, velocity=0)]
    if kind == Kind.CONTROL:
        _track_bank(banks, ch, a, b)
        return [mido.Message("control_change", channel=ch, control=a, value=b)]
    if kind == Kind.PITCH_BEND:
        return [mido.Message("pitchwheel", channel=ch, pitch=a - 8192)]
    out = []
    if banks.get(ch, 0) != b:
        banks[ch] = b
        out = [mido.Message("control_change", channel=ch, control=0, value=b >> 7),
               mido.Message("control_change", channel=ch, control=32, value=b & 127)]
    return out + [mido.Message("program_change", channel=ch, program=a)]


def _delta_track(items) -> mido.MidiTrack:
    track = mido.MidiTrack()
    now = 0
    for tick, msg in items:
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


# ---------------------------------------------------------------- to frames


def song_events(song: Song, sample_rate_hz: int) -> list[TimedEvent]:
    """Every channel message of ``song`` stamped with its sample frame through the song's
    tempo map, sorted (by frame, then note-offs before set-up before note-ons)."""
    if isinstance(sample_rate_hz, bool) or not isinstance(sample_rate_hz, int) or sample_rate_hz <= 0:
        raise ValueError(f"sample_rate_hz: {sample_rate_hz!r} must be a positive int")
    frame_at, out = song.tempo_map.frame_at, []
    cache: dict[int, int] = {}
    for track in song.tracks:
        for tick, event in track.events:
            frame = cache.get(tick)
            if frame is None:
                frame = cache[tick] = frame_at(tick / PPQ, sample_rate_hz)
            out.append(TimedEvent(frame, event))
    out.sort()
    return out
