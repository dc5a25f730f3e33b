"""Editorial timelines out: the cue sheet as OpenTimelineIO markers on a music track.

``write_music_timeline`` writes an ``.otio`` file an editor opens beside the picture:
the cutscene's own timeline when it came from one (so every shot is still there),
with one audio track added, ``moodscore music``, holding a clip of the rendered mix.
On that clip, a marker for every row of the cue sheet where the cue landed (named
``hit: ambush``, coloured as ``editorial`` reads colours, the frame, error, bar and
beat in its metadata) and a CYAN marker on every bar line (``bar 12``), so the editor
sees where the bars fall. The track is marked as moodscore's own
(``metadata.moodscore.generated``): reading the file back as a cutscene's timeline
skips it, so the round trip gives the same cues.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.cutscene.editorial import GENERATED_KEY

TRACK_NAME = "moodscore music"
KIND_COLOURS = {"hit": "RED", "state": "GREEN", "event": "BLUE", "stinger": "YELLOW", "parameter": "PURPLE",
                "end fade": "BLACK", "end cadence": "BLACK"}
BAR_COLOUR = "CYAN"


def _time(otio, frame: int, rendering, rate: float):
    """Sample frame -> RationalTime at the picture rate (fractional frames kept)."""
    return otio.opentime.RationalTime(frame / rendering.sample_rate_hz * rate, rate)


def _bar_frames(rendering):
    """(1-based bar number, sample frame) of every bar line within the render."""
    fit, sr, bar = rendering.fit, rendering.sample_rate_hz, 0
    while True:
        frame = round(fit.tempo_map.seconds_at(fit.bar_quarter(bar)) * sr)
        if frame > rendering.total_frames:
            return
        yield bar + 1, frame
        bar += 1


def _markers(otio, rendering, rate: float):
    zero = otio.opentime.RationalTime(0, rate)
    for row in rendering.cue_rows:
        meta = {"kind": row.kind, "name": row.name, "timecode": row.timecode, "frame": row.frame,
                "target_frame": row.target_frame, "error_frames": row.error_frames,
                "bar": row.bar + 1, "beat": row.beat + 1, "sample_rate_hz": rendering.sample_rate_hz}
        yield otio.schema.Marker(name=f"{row.kind}: {row.name}", color=KIND_COLOURS.get(row.kind, "WHITE"),
                                 marked_range=otio.opentime.TimeRange(_time(otio, row.frame, rendering, rate), zero),
                                 metadata={GENERATED_KEY: meta})
    for number, frame in _bar_frames(rendering):
        yield otio.schema.Marker(name=f"bar {number}", color=BAR_COLOUR,
                                 marked_range=otio.opentime.TimeRange(_time(otio, frame, rendering, rate), zero),
                                 metadata={GENERATED_KEY: {"kind": "bar", "bar": number, "frame": frame}})


def _base_timeline(otio, rendering, rate: float):
    """The cutscene's own timeline (less any music track written before), or a new one."""
    source = rendering.cutscene.timeline_file
    if source is None:
        return otio.schema.Timeline(name=rendering.cutscene.title or rendering.cutscene.source,
                                    global_start_time=otio.opentime.RationalTime(0, rate))
    timeline = otio.adapters.read_from_file(str(source))
    for track in [t for t in timeline.tracks if t.name == TRACK_NAME]:
        timeline.tracks.remove(track)
    return timeline


def write_music_timeline(rendering, audio_path: str | os.PathLike, path: str | os.PathLike) -> None:
    """Write ``path`` (.otio): the picture's timeline plus a music track with a clip of
    ``audio_path`` carrying the cue sheet and the bar lines as markers."""
    import opentimelineio as otio

    rate = float(rendering.cutscene.frame_rate.fps)
    timeline = _base_timeline(otio, rendering, rate)
    length = _time(otio, rendering.total_frames, rendering, rate)
    zero = otio.opentime.RationalTime(0, rate)
    audio = Path(audio_path)
    reference = otio.schema.ExternalReference(target_url=os.path.relpath(audio.resolve(), Path(path).resolve().parent),
                                              available_range=otio.opentime.TimeRange(zero, length))
    clip = otio.schema.Clip(name=audio.name, media_reference=reference, source_range=otio.opentime.TimeRange(zero, length))
    clip.markers.extend(_markers(otio, rendering, rate))
    track = otio.schema.Track(name=TRACK_NAME, kind=otio.schema.TrackKind.Audio,
                              metadata={GENERATED_KEY: {"generated": True, "seed": rendering.cutscene.seed}})
    track.append(clip)
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, os.fspath(path))
