"""FluidSynth through pyfluidsynth: the one module that imports ``fluidsynth``.

``Synth.render_block(out, start_frame, events)`` is the primitive the sequencer, the
offline renderer and ``moodscore render-midi`` share: it fills ``out`` (float32,
shape (frames, 2)) with the frames from ``start_frame`` on, applying each timed event
on the way, straight into the numpy buffer through ``fluid_synth_write_float`` (no
allocation per call).

Sample accuracy. libfluidsynth renders in fixed blocks of 64 frames (``FLUID_BUFSIZE``,
a compile-time constant) and a message sent between two renders takes effect at the
start of the next block it computes; there is no per-event frame offset in its API
(FluidSynth issue #126; LMMS PR #938 reached the same limit), and its own sequencer
dispatches from the same per-block timer, so it is no finer. Envelope delays are also
counted in blocks. What we can control is *which* grid point an event lands on: the
synth counts the frames it has produced, and ``render_block`` renders up to the 64-frame
grid point nearest each event's frame, then sends it, so the event sounds at that grid
point. Measured with a GM side stick (drum key 37, FluidR3_GM) at 48 kHz, against the
same stroke on a grid frame: over all 64 phases the onset error is -31..+32 frames
(|error| <= 0.67 ms), exactly the rounding, and events on grid frames are exact to the
sample (always rounding up instead would make every event 0..63 frames late). Blocks of
any size work: the measured error is the same -31..+32 for 333-, 512-, 1000- and
4096-frame blocks; only blocks shorter than the grid lose, because an event whose
nearest grid point was already rendered goes to the next one (100-frame blocks:
-3..+60). The sequencer and the offline renderer both go through ``render_block``, so
real-time and offline output agree to the sample. Order within a frame is kept.

Level. ``DEFAULT_GAIN`` = 0.6 puts the example piece (``engine.music.example``: melody,
chords, bass and drums, reverb and chorus on) at a peak of -6.1 dBFS, RMS -21 dBFS,
with FluidR3_GM at 48 kHz; FluidSynth's own default of 0.2 is 9.5 dB quieter. Six-note
piano chords at velocity 100 peak near -7 dBFS. The loudest state of the example scores
(the space shooter's boss: five layers near full velocity, brass and distortion guitar)
peaks at +2.7 dBFS (``bench/listen.py``), so the player soft-clips its output above
-1 dBFS (``engine.playback.ceiling``) rather than letting a file or a device clip it.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from engine.errors import EngineError
from engine.music.events import Kind, MidiEvent, TimedEvent

log = logging.getLogger(__name__)

GRID_FRAMES = 64
"""FluidSynth's internal block: voices start on multiples of this many frames."""

DEFAULT_GAIN = 0.6
"""Synth gain: a busy 4-track GM mix peaks near -6 dBFS (see the module docstring)."""
DRUM_CHANNEL = 9
DRUM_BANK = 128

REPO_SOUNDFONTS = Path(__file__).resolve().parents[2] / "soundfonts"
SYSTEM_SOUNDFONTS = (
    Path("/usr/share/sounds/sf2/default-GM.sf2"),
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
    Path("/usr/share/sounds/sf3/default-GM.sf3"),
    Path("/usr/share/sounds/sf3/MuseScore_General.sf3"),
    Path("/usr/share/sounds/sf3/MuseScore_General_Lite.sf3"),
    Path("/usr/share/soundfonts/default.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
)
INSTALL_HINT = "sudo apt-get install --no-install-recommends fluid-soundfont-gm"


def find_soundfont(explicit: str | os.PathLike | None = None) -> Path:
    """Return the SoundFont to load: ``explicit``, else ``$MOODSCORE_SOUNDFONT``, else the
    first *.sf2/*.sf3 in the repository's ``soundfonts/`` folder, else a standard system
    path. An explicit or environment path that does not exist or is not a file is a
    ``SoundFontError`` (an EngineError and a FileNotFoundError); finding
    none at all is an EngineError that lists every path tried and how to install one."""
    if explicit is not None:
        return _check_soundfont_file(Path(explicit), "--soundfont")
    env = os.environ.get("MOODSCORE_SOUNDFONT")
    if env:
        return _check_soundfont_file(Path(env), "$MOODSCORE_SOUNDFONT")
    tried = [f"{REPO_SOUNDFONTS}/*.sf2, *.sf3"]
    if REPO_SOUNDFONTS.is_dir():
        found = sorted(p for p in REPO_SOUNDFONTS.iterdir() if p.suffix.lower() in (".sf2", ".sf3"))
        if found:
            return found[0]
    for path in SYSTEM_SOUNDFONTS:
        tried.append(str(path))
        if path.is_file():
            return path
    raise EngineError(
        "no SoundFont found; tried $MOODSCORE_SOUNDFONT (unset), "
        + ", ".join(tried)
        + f". Install one with `{INSTALL_HINT}` or pass --soundfont PATH."
    )


class SoundFontError(EngineError, FileNotFoundError):
    """A SoundFont path that does not exist or is not a file: an EngineError, and the
    FileNotFoundError it always was."""


def _check_soundfont_file(path: Path, source: str) -> Path:
    from engine.input_files import describe_special

    try:
        special = describe_special(path.stat().st_mode)
    except OSError as exc:
        raise SoundFontError(f"SoundFont {path} (from {source}): {exc.strerror}") from None
    if special is not None:
        raise SoundFontError(f"SoundFont {path} (from {source}) is {special}, not a file")
    return path


def _load_fluidsynth():
    try:
        # pyfluidsynth prints where it found the library to stdout when $CI is set; our
        # stdout is a protocol for the engine process, `serve` and CLI output, so keep it out
        with contextlib.redirect_stdout(io.StringIO()):
            import fluidsynth
    except ImportError as exc:
        raise EngineError(
            f"cannot load FluidSynth ({exc}); install it with "
            "`sudo apt-get install --no-install-recommends libfluidsynth3`"
        ) from exc
    return fluidsynth


class _Calls:
    """The libfluidsynth calls of the render path, bound with ``ctypes.PYFUNCTYPE``: they
    keep the GIL. A block's render is a handful of short calls (0.1-0.5 ms in all); a
    call that released the GIL would have to win it back on return, and with another
    Python thread busy (the composer, a game) that can take up to the interpreter's
    switch interval (5 ms) per call, which is how a render thread misses its deadline."""

    def __init__(self, fl):
        lib, c_int, c_ptr = fl._fl, ctypes.c_int, ctypes.c_void_p

        def bind(name, *args):
            return ctypes.PYFUNCTYPE(c_int, c_ptr, *args)((name, lib))

        self.write_float = bind("fluid_synth_write_float", c_int, c_ptr, c_int, c_int, c_ptr, c_int, c_int)
        self.noteon = bind("fluid_synth_noteon", c_int, c_int, c_int)
        self.noteoff = bind("fluid_synth_noteoff", c_int, c_int)
        self.cc = bind("fluid_synth_cc", c_int, c_int, c_int)
        self.pitch_bend = bind("fluid_synth_pitch_bend", c_int, c_int)


def check_buffer(out) -> None:
    """Raise unless ``out`` is a writable C-contiguous float32 array of shape (frames, 2)."""
    if not isinstance(out, np.ndarray) or out.dtype != np.float32 or out.ndim != 2 or out.shape[1] != 2:
        raise TypeError(f"render buffer must be a float32 array of shape (frames, 2), got {getattr(out, 'shape', out)!r}")
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("render buffer must be C-contiguous and writeable")


class Synth:
    """A FluidSynth instance with one SoundFont, rendering float32 stereo offline.

    Use as a context manager or call ``close()``. Not thread-safe: one thread renders
    (the render thread, or the caller when offline). Nothing here opens an audio device.
    """

    def __init__(self, soundfont=None, *, sample_rate_hz: int = 48000, gain: float | None = None,
                 reverb: bool = True, chorus: bool = True, settings: dict | None = None):
        if isinstance(sample_rate_hz, bool) or not isinstance(sample_rate_hz, int) or not 8000 <= sample_rate_hz <= 192000:
            raise ValueError(f"sample_rate_hz: {sample_rate_hz!r} must be an int in 8000..192000")
        gain = DEFAULT_GAIN if gain is None else float(gain)
        if not 0.0 <= gain <= 10.0:
            raise ValueError(f"synth gain: {gain} is outside 0..10")
        self.soundfont = find_soundfont(soundfont)
        self.sample_rate_hz = sample_rate_hz
        self.gain = gain
        fl = _load_fluidsynth()
        self._fl = fl
        self._fs = fl.Synth(gain=gain, samplerate=float(sample_rate_hz), **(settings or {}))  # FluidSynth settings fixed at creation
        self._fs.setting("synth.reverb.active", int(reverb))
        self._fs.setting("synth.chorus.active", int(chorus))
        self._handle = self._fs.synth
        self._calls = _Calls(fl)
        self._write = self._calls.write_float
        self._presets: dict[tuple[int, int], bool] = {}
        self._frames_rendered = 0
        self._closed = False
        self._sfid = self._fs.sfload(str(self.soundfont))
        if self._sfid < 0:
            self._fs.delete()
            self._closed = True
            raise EngineError(f"FluidSynth could not load SoundFont {self.soundfont}")
        for channel in range(16):
            bank = DRUM_BANK if channel == DRUM_CHANNEL else 0
            self._fs.program_select(channel, self._sfid, bank, 0)
        log.debug("synth: %s at %d Hz, gain %.2f", self.soundfont, sample_rate_hz, gain)

    def __enter__(self) -> Synth:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    @property
    def frames_rendered(self) -> int:
        """Frames produced since the synth was built (its 64-frame grid starts at 0)."""
        return self._frames_rendered

    def close(self) -> None:
        """Free the FluidSynth instance; later calls raise EngineError."""
        if not self._closed:
            self._closed = True
            self._fs.delete()

    def _check_open(self) -> None:
        if self._closed:
            raise EngineError("synth is closed")

    def has_preset(self, channel: int, program_number: int, bank: int = 0) -> bool:
        """Whether the SoundFont has ``program_number`` in ``bank`` (the drum bank on channel 9)."""
        if channel == DRUM_CHANNEL and bank == 0:
            bank = DRUM_BANK
        key = (bank, program_number)
        if key not in self._presets:
            self._presets[key] = self._fs.sfpreset_name(self._sfid, bank, program_number) is not None
        return self._presets[key]

    def send(self, event: MidiEvent) -> None:
        """Apply one channel message now: it takes effect at the next 64-frame grid point."""
        self._check_open()
        calls, h, kind, ch = self._calls, self._handle, event.kind, event.channel
        if kind == Kind.NOTE_ON:
            calls.noteon(h, ch, event.a, event.b)
        elif kind == Kind.NOTE_OFF:
            calls.noteoff(h, ch, event.a)
        elif kind == Kind.CONTROL:
            calls.cc(h, ch, event.a, event.b)
        elif kind == Kind.PITCH_BEND:
            calls.pitch_bend(h, ch, event.a)
        elif kind == Kind.PROGRAM:
            self._program(ch, event.a, event.b)

    def _program(self, channel: int, program_number: int, bank: int) -> None:
        if not self.has_preset(channel, program_number, bank):
            raise ValueError(
                f"program {program_number} (bank {bank}, channel {channel}) is not in SoundFont {self.soundfont}"
            )
        if channel == DRUM_CHANNEL and bank == 0:
            bank = DRUM_BANK
        self._fs.program_select(channel, self._sfid, bank, program_number)

    def all_notes_off(self) -> None:
        """Release every sounding note on every channel (they still ring out)."""
        self._check_open()
        for channel in range(16):
            self._fl.fluid_synth_all_notes_off(self._handle, channel)

    def render(self, frames: int, out: np.ndarray | None = None) -> np.ndarray:
        """Render ``frames`` frames with no new events into ``out`` (allocated when None)."""
        if out is None:
            out = np.empty((frames, 2), dtype=np.float32)
        elif len(out) != frames:
            raise ValueError(f"render: out has {len(out)} frames, asked for {frames}")
        self.render_block(out, self._frames_rendered, ())
        return out

    def _write_frames(self, base: int, first: int, count: int) -> None:
        if count > 0:
            ptr = base + first * 8  # 2 float32 per frame
            if self._write(self._handle, count, ptr, 0, 2, ptr, 1, 2) != 0:
                raise EngineError("fluid_synth_write_float failed")
            self._frames_rendered += count

    def render_block(self, out: np.ndarray, start_frame: int, events: Sequence[TimedEvent] | Iterable[TimedEvent]) -> None:
        """Fill ``out`` with the ``len(out)`` frames from absolute ``start_frame``, applying
        each event (sorted by frame, inside the block) at the 64-frame grid point nearest
        its frame; see the module docstring for why and how exact that is."""
        self._check_open()
        check_buffer(out)
        frames = len(out)
        base = out.ctypes.data
        origin = self._frames_rendered  # the synth's own frame count at out[0]: its grid
        done = 0
        for timed in events:
            offset = timed.frame - start_frame
            if not 0 <= offset < frames:
                raise ValueError(f"event {timed} is outside the block {start_frame}..{start_frame + frames}")
            target = _nearest_grid(offset + origin) - origin
            target = min(max(target, done), frames)
            self._write_frames(base, done, target - done)
            done = max(done, target)
            self.send(timed.event)
        self._write_frames(base, done, frames - done)


def _nearest_grid(position: int) -> int:
    return (position + GRID_FRAMES // 2) // GRID_FRAMES * GRID_FRAMES
