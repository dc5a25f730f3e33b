"""Composed bars as a MIDI file: a melody track and a chord track, transposed to the key.

Used by ``moodscore compose``. Writes through ``engine.music.midi.write_midi`` (mido),
so music21 and the fluidsynth CLI both read the result.
"""

from __future__ import annotations

from pathlib import Path

from engine.music.events import note_off, note_on, program
from engine.music.intent import Intent
from engine.music.keys import Key, parse_pitch_class
from engine.music.midi import Song, Track, write_midi
from engine.music.notes import Bar, Meter
from engine.music.tempo import TempoMap

MELODY_PROGRAM, CHORD_PROGRAM = 73, 48  # flute, strings (General MIDI, 0-based)
CHORD_VELOCITY = 60
CHORD_OCTAVE_BASE = 48  # chord tones are voiced from C3 up


def intent_from_args(args) -> Intent:
    """An Intent from the compose command's flags (mode from valence when not given)."""
    mode = args.mode or ("minor" if args.valence < 0.5 else "major")
    key = Key(parse_pitch_class(args.key), mode)
    return Intent(mood="compose", valence=args.valence, arousal=args.arousal, intensity=args.intensity, key=key,
                  tempo_bpm=args.tempo, meter=Meter.parse(args.meter))


def compose_bars(composer, intent: Intent, count: int) -> list[Bar]:
    return [composer.compose_bar(intent, index) for index in range(count)]


def bars_to_song(bars: list[Bar], key: Key, tempo_bpm: float) -> Song:
    """Two tracks (melody on channel 0, block chords on channel 1) in ``key``."""
    offset = key.transpose_offset()
    melody, chords, tick = [], [], 0
    for bar in bars:
        for note in bar.melody:
            melody += [(tick + note.start_ticks, note_on(0, note.pitch + offset, note.velocity)), (tick + note.end_ticks, note_off(0, note.pitch + offset))]
        for chord in bar.harmony:
            for pc in chord.pitch_classes():
                pitch = CHORD_OCTAVE_BASE + (pc + offset) % 12
                chords += [(tick + chord.start_ticks, note_on(1, pitch, CHORD_VELOCITY)), (tick + chord.end_ticks, note_off(1, pitch))]
        tick += bar.ticks
    melody_track = Track("melody", tuple([(0, program(0, MELODY_PROGRAM))] + sorted(melody, key=_event_order)))
    chord_track = Track("chords", tuple([(0, program(1, CHORD_PROGRAM))] + sorted(chords, key=_event_order)))
    return Song(TempoMap.constant(tempo_bpm), ((0, bars[0].meter),), (melody_track, chord_track))


def _event_order(item) -> tuple[int, int]:
    """Note-offs before note-ons at the same tick, so repeated pitches re-strike."""
    tick, event = item
    return tick, 0 if event == note_off(event.channel, event.a) else 1


def form_from_args(args, intent: Intent):
    """The form planner's settings from ``--form``, ``--phrase-bars``, ``--theme`` (None with ``--no-form``)."""
    from engine.composer.planner import FormConfig, SectionSpec
    from engine.music.form import Form
    from engine.music.theme import load_theme

    if getattr(args, "no_form", False):
        return None
    form = Form.parse(args.form) if getattr(args, "form", None) else None
    theme = None
    if getattr(args, "theme", None) is not None:
        key = Key.parse(args.theme_key) if getattr(args, "theme_key", None) else None
        theme = load_theme(args.theme, key)
    return FormConfig(getattr(args, "phrase_bars", 4), ((intent.mood, SectionSpec(form, theme)),))


def compose_song(args) -> tuple[Song, Intent, list[Bar]]:
    """Compose ``args.bars`` bars with the requested model, intent and form; ValueError for a bad theme or form."""
    from engine.composer.composer import Composer

    intent = intent_from_args(args)
    form = form_from_args(args, intent)
    composer = Composer.load(args.model, seed=args.seed, temperature=args.temperature, top_p=args.top_p, form=form)
    bars = compose_bars(composer, intent, args.bars)
    return bars_to_song(bars, intent.key, intent.tempo_bpm), intent, bars


def form_summary(bars: list[Bar]) -> list[str]:
    """One line per phrase: its bars (1-based), role and label, and the bars that state or develop the theme."""
    groups: list[list] = []
    for index, bar in enumerate(bars):
        words = bar.source.split(" ")
        if len(words) < 3:
            continue
        if not groups or words[2].startswith("1/") or groups[-1][0] != words[:2]:
            groups.append([words[:2], index, index, []])
        groups[-1][2] = index
        if len(words) > 3:
            groups[-1][3].append(f"{index + 1} {words[3]}")
    return [f"  bars {a + 1}-{b + 1}: {' '.join(words)}" + (f" ({', '.join(marks)})" if marks else "")
            for words, a, b, marks in groups]


def write_song_midi(song: Song, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_midi(song, path)


def render_wav(midi_path: Path, wav_path: Path) -> None:
    """Render through the playback synth (FluidSynth); raises if it is not installed."""
    from engine.playback.render_midi import render_midi_file

    render_midi_file(midi_path, wav_path)
