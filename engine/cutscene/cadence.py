"""The ending of a cutscene: a dominant bar, then a held tonic chord that rings out.

``CadenceComposer`` wraps the composer: the bar before the final downbeat keeps its
melody's rhythm but takes dominant-seventh harmony (V7, with the leading tone in
minor too), its melody pulled onto chord tones; any bar from the final downbeat on
is a plain tonic bar. Other bars and the snapshots are the inner composer's, so the
player's rollback works unchanged. ``final_chord`` is what sounds on the downbeat:
the key's tonic triad voiced for pad, bass and melody, held, then released.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.music.events import note_off, note_on
from engine.music.intent import DEFAULT_PROGRAMS, Intent
from engine.music.keys import CHORD_QUALITIES, Key, diatonic_triads
from engine.music.notes import Bar, Chord, Note
from engine.playback.arranger import LAYER_CHANNELS
from engine.playback.conductor import SyncPoint
from engine.playback.stingers import Stinger
from engine.roles import Composer

DOMINANT = Chord(7, "dom7", 0, 1)
"""V7 in a key-neutral bar (tonic C): G B D F, in major and minor alike."""


def _nearest_tone(pitch: int, pcs: tuple[int, ...]) -> int:
    """The pitch nearest ``pitch`` whose class is in ``pcs`` (the lower one on a tie)."""
    return min((p for p in range(pitch - 6, pitch + 7) if p % 12 in pcs), key=lambda p: (abs(p - pitch), p))


def dominant_bar(bar: Bar) -> Bar:
    """``bar`` with V7 harmony over the whole bar and its melody moved onto V7 tones."""
    pcs = DOMINANT.pitch_classes()
    melody = tuple(Note(_nearest_tone(n.pitch, pcs), n.start_ticks, n.duration_ticks, n.velocity) for n in bar.melody)
    chord = Chord(DOMINANT.root_pc, DOMINANT.quality, 0, bar.ticks)
    return Bar(bar.meter, melody, (chord,), bar.mode, source="cadence: dominant")


def tonic_bar(bar: Bar, mode: str) -> Bar:
    """A bar holding the tonic triad of ``mode`` and the tonic in the melody."""
    root, quality = diatonic_triads(mode)[0]
    return Bar(bar.meter, (Note(72, 0, bar.ticks, 80),), (Chord(root, quality, 0, bar.ticks),), bar.mode,
               source="cadence: tonic")


class CadenceComposer:
    """The ``Composer`` role over ``composer``: bar ``final_bar - 1`` is dominant and bars
    from ``final_bar`` tonic; snapshots are the inner composer's."""

    def __init__(self, composer: Composer, final_bar: int):
        self.inner = composer
        self.final_bar = final_bar

    def compose_bar(self, intent: Intent, bar_index: int) -> Bar:
        bar = self.inner.compose_bar(intent, bar_index)
        if bar_index == self.final_bar - 1:
            return dominant_bar(bar)
        if bar_index >= self.final_bar:
            return tonic_bar(bar, intent.key.mode)
        return bar

    def snapshot(self):
        return self.inner.snapshot()

    def restore(self, state) -> None:
        self.inner.restore(state)

    def reform(self, form) -> None:
        self.inner.reform(form)


@dataclass(frozen=True, slots=True)
class FinalChord:
    """The tonic triad of ``key`` as (channel, pitch, velocity) for each voice."""

    key: Key
    voices: tuple[tuple[int, int, int], ...]

    @property
    def pitch_classes(self) -> frozenset[int]:
        return frozenset(pitch % 12 for _, pitch, _ in self.voices)


def tonic_triad(key: Key) -> tuple[int, int, int]:
    """Pitch classes (root, third, fifth) of the tonic triad of ``key``."""
    _, quality = diatonic_triads(key.mode)[0]
    return tuple((key.tonic_pc + step) % 12 for step in CHORD_QUALITIES[quality])  # type: ignore[return-value]


def _in_range(pc: int, low: int) -> int:
    return low + (pc - low) % 12


def final_chord(key: Key, velocity: int = 88) -> FinalChord:
    """An open voicing of the tonic triad: pad root-fifth-octave-third-fifth, bass root,
    melody root on top."""
    root, third, fifth = tonic_triad(key)
    pad_root = _in_range(root, 48)
    pad = [pad_root, _in_range(fifth, pad_root + 1), pad_root + 12, _in_range(third, pad_root + 13),
           _in_range(fifth, pad_root + 17)]
    voices = [(LAYER_CHANNELS["pad"], p, velocity - 8) for p in pad]
    voices.append((LAYER_CHANNELS["bass"], _in_range(root, 33), velocity))
    voices.append((LAYER_CHANNELS["melody"], _in_range(root, 67), velocity - 4))
    return FinalChord(key, tuple(voices))


def final_chord_stingers(chord: FinalChord, intent: Intent, hold_ticks: int) -> list[Stinger]:
    """One stinger per layer channel that plays ``chord``'s voices from its landing,
    held ``hold_ticks``, in the layer's own instrument (no ducking: it *is* the music)."""
    out = []
    for layer in ("pad", "bass", "melody"):
        channel = LAYER_CHANNELS[layer]
        voices = [(pitch, vel) for ch, pitch, vel in chord.voices if ch == channel]
        events = tuple([(0, note_on(channel, p, v)) for p, v in voices] + [(hold_ticks, note_off(channel, p)) for p, _ in voices])
        number = intent.instrumentation.program(layer)
        out.append(Stinger(name=f"final {layer}", events=events, sync=SyncPoint.IMMEDIATE, channel=channel,
                           program=DEFAULT_PROGRAMS[layer] if number is None else number,
                           duck_gain=1.0, min_interval_s=0.0))
    return out
