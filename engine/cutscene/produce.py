"""Scoring a cutscene end to end: load and fit, render, deliver the audio, write the extras.

``score_cutscene`` is what ``moodscore score`` runs. Everything that can be checked
is checked before the first file is made (the cutscene, its score, the tempo fit, the
output format); the audio files are opened only when the first block exists; and on
any failure every file this call made is removed, so a failed render leaves nothing
behind. Beside the mix it writes (``outputs``) the MIDI, the cue sheet, the timeline
picture and an OpenTimelineIO file with the cues as markers on a music track.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.cutscene.delivery import Delivery, DeliverySpec
from engine.playback.audio_formats import choose_format


def outputs(audio_path: str | os.PathLike) -> dict[str, Path]:
    """The files written for ``audio_path``: audio, mid, cues (CSV), png and otio (the
    music track, named ``.music.otio`` so it never overwrites a timeline it read)."""
    audio = Path(audio_path)
    stem = audio.with_suffix("")
    return {"wav": audio, "mid": stem.with_suffix(".mid"), "cues": Path(f"{stem}.cues.csv"),
            "png": stem.with_suffix(".png"), "otio": Path(f"{stem}.music.otio")}


def delivery_spec(output, audio_format: str | None = None, stems_dir=None, loudness_lufs: float | None = None,
                  ceiling_dbtp: float | None = None) -> DeliverySpec:
    """A DeliverySpec for ``output``; ValueError (naming the file) for a format that does not fit it."""
    from engine.cutscene.normalise import DEFAULT_CEILING_DBTP

    output = Path(output)
    return DeliverySpec(output, choose_format(output, audio_format), None if stems_dir is None else Path(stems_dir),
                        loudness_lufs, DEFAULT_CEILING_DBTP if ceiling_dbtp is None else ceiling_dbtp)


def _check_clashes(cutscene, spec: DeliverySpec, files: dict[str, Path]) -> None:
    inputs = {p.resolve() for p in (cutscene.file, cutscene.timeline_file, cutscene.score_path) if p is not None}
    for path in files.values():
        if path.resolve() in inputs:
            raise ValueError(f"{path}: writing it would overwrite an input of the cutscene; choose another -o")


def score_cutscene(cutscene, output, *, soundfont=None, model=None, sample_rate_hz: int = 48000,
                   progress=None, extras: bool = True):
    """Render ``cutscene`` (a path, a ``Cutscene`` or a prepared tuple) to ``output`` (a path
    or a ``DeliverySpec``) and, with ``extras``, the MIDI, cue sheet, timeline picture and
    music-track OTIO beside it; return the ``Rendering`` (its ``loudness`` measured on the
    delivered mix). Raises before making any file for a broken cutscene, an impossible
    fit or a bad output; removes every file it made when it fails later."""
    from engine.cutscene.scoring import TAIL_S, prepare, render_cutscene

    spec = output if isinstance(output, DeliverySpec) else delivery_spec(output)
    prepared = cutscene if isinstance(cutscene, tuple) else prepare(cutscene, sample_rate_hz)
    files = outputs(spec.output)
    _check_clashes(prepared[0], spec, files)
    expected = round((prepared[0].length_s + TAIL_S) * sample_rate_hz)
    delivery = Delivery(spec, sample_rate_hz, expected_frames=expected)
    made: list[Path] = []
    try:
        rendering = render_cutscene(prepared, soundfont=soundfont, model=model, sample_rate_hz=sample_rate_hz,
                                    sink=delivery.write_mix, progress=progress,
                                    stem_sink=delivery.write_stems if spec.stems_dir is not None else None)
        rendering.loudness = delivery.finish(measure=extras)
        rendering.clipped_samples = delivery.clipped_samples
        if extras:
            _write_extras(rendering, files, made)
    except BaseException:
        delivery.discard()
        for path in made:
            path.unlink(missing_ok=True)
        raise
    rendering.files = delivery.files() + made
    return rendering


def _write_extras(rendering, files: dict[str, Path], made: list[Path]) -> None:
    from engine.cutscene.editorial_out import write_music_timeline
    from engine.cutscene.export import write_cue_sheet, write_rendering_midi
    from engine.cutscene.timeline import write_timeline

    writers = (("mid", lambda p: write_rendering_midi(rendering, p)), ("cues", lambda p: write_cue_sheet(rendering, p)),
               ("png", lambda p: write_timeline(rendering, p)),
               ("otio", lambda p: write_music_timeline(rendering, files["wav"], p)))
    for key, write in writers:
        made.append(files[key])
        write(files[key])
