"""What a cutscene render writes beside its audio: the MIDI file and the cue sheet.

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


def cue_sheet_notes(rendering) -> dict[str, str]:
    """The lines above the cue sheet's table: what was rendered and how loud it came out."""
    cutscene = rendering.cutscene
    notes = {"title": cutscene.title or cutscene.source, "seed": str(cutscene.seed),
             "frame_rate": str(cutscene.frame_rate), "sample_rate_hz": str(rendering.sample_rate_hz),
             "length_s": f"{rendering.total_frames / rendering.sample_rate_hz:.3f}",
             "bars_and_beats": "counted from 1, as a DAW counts (bar 1 beat 1 is the first downbeat)"}
    report = rendering.loudness
    if report is not None:
        notes["integrated_loudness_lufs"] = _db(report.integrated_lufs)
        notes["true_peak_dbtp"] = _db(report.true_peak_dbtp)
        notes["sample_peak_dbfs"] = _db(report.sample_peak_dbfs)
        notes["loudness_target_lufs"] = "none (level as rendered)" if report.target_lufs is None else \
            f"{report.target_lufs:g}" + (" (held short by the true-peak ceiling)" if report.limited_by_peak else "")
        notes["gain_db"] = f"{report.gain_db:+.2f}"
    return notes


def _db(value: float) -> str:
    return f"{value:.2f}" if value != float("-inf") else "-inf"


def write_cue_sheet(rendering, path: str | os.PathLike) -> None:
    """``# key: value`` lines (``cue_sheet_notes``: title, seed, rates, length, measured
    loudness and peaks), then one CSV row per cue: name, kind, requested time and
    timecode, the frame it landed on, the frame asked for and the difference, and the
    bar and beat (from 1)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        for key, value in cue_sheet_notes(rendering).items():
            handle.write(f"# {key}: {value}\n")
        writer = csv.writer(handle)
        writer.writerow(CUE_SHEET_COLUMNS)
        for row in rendering.cue_rows:
            writer.writerow([row.name, row.kind, f"{row.requested_s:.6f}", row.timecode, row.frame,
                             row.target_frame, row.error_frames, row.bar + 1, row.beat + 1])


def read_cue_sheet(path: str | os.PathLike) -> list[dict]:
    """The rows of a cue sheet, as dicts by column (the ``#`` lines above them skipped)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def read_cue_sheet_notes(path: str | os.PathLike) -> dict[str, str]:
    """The ``# key: value`` lines above a cue sheet's table."""
    with open(path, encoding="utf-8") as handle:
        pairs = (line[1:].strip().split(":", 1) for line in handle if line.startswith("#"))
        return {key.strip(): value.strip() for key, value in pairs}
