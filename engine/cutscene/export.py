"""What a cutscene render writes beside its WAV: the MIDI file and the cue sheet.

The MIDI holds every event the synth received, each frame converted back to a tick
through the fitted tempo map (``tick = round(quarter(frame) * PPQ)``), with that map
written as MIDI tempo steps and its meters as time signatures, one track per
channel (a layer, the accents, the stingers). Rendered again (``moodscore
render-midi``) it plays the same music; its ticks and the cue sheet's frames agree
through the tempo map.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict

from engine.cutscene.accents import KIT_CHANNEL, TIMPANI_CHANNEL
from engine.music.midi import Song, Track, write_midi
from engine.music.notes import PPQ
from engine.playback.arranger import LAYER_CHANNELS
from engine.playback.stingers import STINGER_CHANNEL

CHANNEL_NAMES = {**{ch: layer for layer, ch in LAYER_CHANNELS.items()},
                 KIT_CHANNEL: "accents: kit", TIMPANI_CHANNEL: "accents: timpani", STINGER_CHANNEL: "stingers"}
CUE_SHEET_COLUMNS = ("name", "kind", "requested_s", "timecode", "frame", "target_frame", "error_frames", "bar", "beat")


def frame_to_tick(tempo_map, frame: int, sample_rate_hz: int) -> int:
    """The tick at which sample ``frame`` falls on ``tempo_map``."""
    return round(tempo_map.quarter_at(frame / sample_rate_hz) * PPQ)


def rendering_song(rendering) -> Song:
    """The rendered events as a ``Song`` on the fitted tempo map, one track per channel."""
    tempo_map, sr = rendering.fit.tempo_map, rendering.sample_rate_hz
    by_channel: dict[int, list] = defaultdict(list)
    for timed in rendering.events:  # already in the order the synth received them
        by_channel[timed.event.channel].append((frame_to_tick(tempo_map, timed.frame, sr), timed.event))
    tracks = tuple(Track(CHANNEL_NAMES.get(ch, f"channel {ch + 1}"), tuple(events))
                   for ch, events in sorted(by_channel.items()))
    meters = tuple((round(span.start_quarter * PPQ), span.meter) for span in rendering.fit.meters)
    return Song(tempo_map, meters, tracks)


def write_rendering_midi(rendering, path: str | os.PathLike) -> None:
    write_midi(rendering_song(rendering), path)


def write_cue_sheet(rendering, path: str | os.PathLike) -> None:
    """One CSV row per cue: name, kind, requested time and timecode, the frame it landed
    on, the frame asked for and the difference, and the bar and beat (0-based)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CUE_SHEET_COLUMNS)
        for row in rendering.cue_rows:
            writer.writerow([row.name, row.kind, f"{row.requested_s:.6f}", row.timecode, row.frame,
                             row.target_frame, row.error_frames, row.bar, row.beat])


def read_cue_sheet(path: str | os.PathLike) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
