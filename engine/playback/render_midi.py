"""``moodscore render-midi IN.mid -o OUT.wav``: any MIDI file through the synth to a WAV.

Offline rendering pulls ``Synth.render_block`` in blocks of ``BLOCK_FRAMES`` (a
multiple of FluidSynth's 64-frame grid, so events land on their nearest grid point)
as fast as the CPU allows and streams 16-bit PCM to the file.
"""

from __future__ import annotations

import argparse
import bisect
import os
import time
from typing import Callable

BLOCK_FRAMES = 4096
TAIL_S = 2.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.cli_types import SAMPLE_RATE_HZ, existing_file

    parser.add_argument("midi", metavar="IN.mid", help="MIDI file to render (type 0 or 1)")
    parser.add_argument("-o", "--output", metavar="OUT.wav", required=True, help="WAV file to write (16-bit stereo)")
    parser.add_argument("--soundfont", type=existing_file("SoundFont"), metavar="PATH",
                        help="SoundFont (.sf2/.sf3); default: see find_soundfont")
    parser.add_argument("--sample-rate", type=SAMPLE_RATE_HZ, default=48000, metavar="HZ",
                        help=f"sample rate, {SAMPLE_RATE_HZ.span} (default 48000)")
    parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")


def run(args: argparse.Namespace) -> int:
    from engine.progress import AudioProgress

    progress = None if args.no_progress else AudioProgress(args.sample_rate, "render-midi")
    started = time.perf_counter()
    try:
        frames = render_midi_file(args.midi, args.output, soundfont=args.soundfont,  # errors: engine.cli prints them
                                  sample_rate_hz=args.sample_rate, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    elapsed = time.perf_counter() - started
    audio_s = frames / args.sample_rate
    print(f"wrote {args.output}: {audio_s:.1f} s of audio in {elapsed:.2f} s ({audio_s / max(elapsed, 1e-9):.0f}x real time)")
    return 0


def render_midi_file(midi_path, wav_path, *, soundfont=None, sample_rate_hz: int = 48000,
                     progress: Callable[[int, int], None] | None = None) -> int:
    """Render the MIDI file ``midi_path`` to the WAV file ``wav_path``; return the frames
    written. Errors name the MIDI file (bad program numbers included)."""
    from engine.music.midi import read_midi, song_events
    from engine.playback.synth import Synth
    from engine.playback.wav import WavWriter

    song = read_midi(midi_path)
    events = song_events(song, sample_rate_hz)
    total = (events[-1].frame if events else 0) + round(TAIL_S * sample_rate_hz)
    with Synth(soundfont, sample_rate_hz=sample_rate_hz) as synth, \
            WavWriter(wav_path, sample_rate_hz, expected_frames=total) as wav:
        try:
            render_events(synth, events, total, wav.write, progress)
        except ValueError as exc:
            raise ValueError(f"{os.fspath(midi_path)}: {exc}") from None
    return total


def render_events(synth, events, total_frames: int, sink: Callable, progress=None,
                  block_frames: int = BLOCK_FRAMES) -> None:
    """Render ``total_frames`` frames from frame 0 through ``synth``, applying the sorted
    TimedEvents ``events``, and hand each filled block (reused between calls) to ``sink``."""
    import numpy as np

    buffer = np.zeros((block_frames, 2), dtype=np.float32)
    frames_of = [timed.frame for timed in events]
    first = start = 0
    while start < total_frames:
        count = min(block_frames, total_frames - start)
        last = bisect.bisect_left(frames_of, start + count, first)
        block = buffer[:count]
        synth.render_block(block, start, events[first:last])
        sink(block)
        first, start = last, start + count
        if progress is not None:
            progress(start, total_frames)


def render_song(song, synth, tail_s: float = TAIL_S):
    """Render a ``Song`` through ``synth`` into one float32 (frames, 2) array."""
    import numpy as np

    from engine.music.midi import song_events

    events = song_events(song, synth.sample_rate_hz)
    total = (events[-1].frame if events else 0) + round(tail_s * synth.sample_rate_hz)
    out = np.empty((total, 2), dtype=np.float32)
    position = [0]

    def sink(block):
        out[position[0]:position[0] + len(block)] = block
        position[0] += len(block)

    render_events(synth, events, total, sink)
    return out
