"""SMPTE timecode and times in seconds, with exact arithmetic.

A cutscene gives its times either in seconds (``12.5``, ``"12.5s"``) or as SMPTE
timecode ``HH:MM:SS:FF`` at the picture's frame rate. Everything is computed with
``Fraction`` so that 29.97 fps (30000/1001) is exact.

Drop-frame timecode (29.97 DF, written ``HH:MM:SS;FF``) skips the frame *numbers*
00 and 01 at the start of every minute except each tenth minute, so that its labels
keep pace with the wall clock; no picture is dropped. Hence ``00:01:00;02`` is
frame 1800 and ``00:10:00;00`` is frame 17982.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

NOMINAL_FPS = (24, 25, 30)
_DF_PER_MINUTE = 2  # frame numbers dropped per minute at 29.97 DF
_DF_FRAMES_PER_10_MIN = 17982
_DF_FRAMES_PER_MIN = 1798
_TIMECODE = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})([:;.])(\d{2})$")
_SECONDS = re.compile(r"^[+]?(\d+(\.\d*)?|\.\d+)\s*s$")


@dataclass(frozen=True, slots=True)
class FrameRate:
    """A picture frame rate: 24, 25, 30, or an NTSC rate (``ntsc``): 23.976, or 29.97
    drop-frame or not.

    ``nominal_fps`` is the number of frame labels per timecode second (30 for 29.97,
    24 for 23.976); ``fps`` is the true rate as an exact fraction.
    """

    nominal_fps: int = 24
    ntsc: bool = False
    drop_frame: bool = False

    def __post_init__(self) -> None:
        if self.nominal_fps not in NOMINAL_FPS:
            raise ValueError(f"frame rate {self.nominal_fps} is not one of 24, 25, 29.97, 30")
        if self.ntsc and self.nominal_fps not in (24, 30):
            raise ValueError("only 24 and 30 fps have NTSC variants (23.976, 29.97)")
        if self.drop_frame and not (self.ntsc and self.nominal_fps == 30):
            raise ValueError(f"drop-frame timecode exists only at 29.97 fps, not {self}")

    @property
    def fps(self) -> Fraction:
        return Fraction(self.nominal_fps * 1000, 1001) if self.ntsc else Fraction(self.nominal_fps)

    def __str__(self) -> str:
        if not self.ntsc:
            return str(self.nominal_fps)
        if self.nominal_fps == 24:
            return "23.976"
        return "29.97 DF" if self.drop_frame else "29.97"


def parse_frame_rate(value, drop_frame: bool | None = None) -> FrameRate:
    """A FrameRate from ``24``, ``25``, ``30``, ``23.976``, ``29.97`` or ``"29.97df"``.

    29.97 defaults to drop-frame (the broadcast norm); pass ``drop_frame=False``
    for non-drop 29.97. Raises ValueError for any other rate.
    """
    text = str(value).strip().lower().replace(" ", "")
    df_suffix = text.endswith(("df", "ndf"))
    if df_suffix:
        drop_frame = not text.endswith("ndf") if drop_frame is None else drop_frame
        text = text.removesuffix("ndf").removesuffix("df")
    if isinstance(value, bool) or text not in ("24", "25", "30", "29.97", "23.976", "23.98", "24.0", "25.0", "30.0"):
        raise ValueError(f"frame rate {value!r} is not one of 23.976, 24, 25, 29.97, 29.97df, 30")
    if text == "29.97":
        return FrameRate(30, ntsc=True, drop_frame=True if drop_frame is None else bool(drop_frame))
    if drop_frame:
        raise ValueError(f"drop-frame timecode exists only at 29.97 fps, not {value}")
    if text in ("23.976", "23.98"):
        return FrameRate(24, ntsc=True)
    return FrameRate(int(float(text)))


def frame_rate_of(rate_fps: float, drop_frame: bool | None = None) -> FrameRate:
    """The FrameRate nearest ``rate_fps`` as another program writes it (an OTIO
    ``RationalTime.rate`` such as 29.97002997 or 23.976), or ValueError."""
    for nominal, ntsc in ((24, False), (25, False), (30, False), (30, True), (24, True)):
        exact = Fraction(nominal * 1000, 1001) if ntsc else Fraction(nominal)
        if abs(float(exact) - rate_fps) < 0.005:
            df = bool(drop_frame) if drop_frame is not None else ntsc and nominal == 30
            return FrameRate(nominal, ntsc=ntsc, drop_frame=df)
    raise ValueError(f"frame rate {rate_fps:g} fps is not one of 23.976, 24, 25, 29.97, 30")


def frame_from_fields(hours: int, minutes: int, seconds: int, frames: int, rate: FrameRate) -> int:
    """The frame count (from 00:00:00:00) of a timecode's fields; ValueError if impossible."""
    where = f"{hours:02d}:{minutes:02d}:{seconds:02d}{';' if rate.drop_frame else ':'}{frames:02d}"
    if minutes > 59 or seconds > 59:
        raise ValueError(f"timecode {where}: minutes and seconds must be 00..59")
    if frames >= rate.nominal_fps:
        raise ValueError(f"timecode {where}: frame {frames:02d} does not exist at {rate} fps "
                         f"(frames run 00..{rate.nominal_fps - 1})")
    total_minutes = 60 * hours + minutes
    count = (3600 * hours + 60 * minutes + seconds) * rate.nominal_fps + frames
    if not rate.drop_frame:
        return count
    if seconds == 0 and frames < _DF_PER_MINUTE and total_minutes % 10 != 0:
        raise ValueError(f"timecode {where}: frames 00 and 01 are dropped at minute {minutes:02d} "
                         "in 29.97 drop-frame (only every tenth minute keeps them)")
    return count - _DF_PER_MINUTE * (total_minutes - total_minutes // 10)


def fields_from_frame(frame: int, rate: FrameRate) -> tuple[int, int, int, int]:
    """(hours, minutes, seconds, frames) labelling frame number ``frame`` (>= 0)."""
    if frame < 0:
        raise ValueError(f"frame {frame} is before 00:00:00:00")
    if rate.drop_frame:
        tens, rest = divmod(frame, _DF_FRAMES_PER_10_MIN)
        skipped = 18 * tens + (_DF_PER_MINUTE * ((rest - _DF_PER_MINUTE) // _DF_FRAMES_PER_MIN)
                               if rest >= _DF_PER_MINUTE else 0)
        frame += skipped
    fps = rate.nominal_fps
    total_seconds, frames = divmod(frame, fps)
    total_minutes, seconds = divmod(total_seconds, 60)
    hours, minutes = divmod(total_minutes, 60)
    return hours, minutes, seconds, frames


def parse_timecode(text: str, rate: FrameRate) -> int:
    """The frame number of SMPTE ``HH:MM:SS:FF`` (``;`` before FF marks drop-frame)."""
    match = _TIMECODE.match(str(text).strip())
    if not match:
        raise ValueError(f"timecode {text!r} is not of the form HH:MM:SS:FF")
    hours, minutes, seconds, sep, frames = match.groups()
    if sep == ";" and not rate.drop_frame:
        raise ValueError(f"timecode {text!r} is drop-frame (';') but the frame rate is {rate}")
    return frame_from_fields(int(hours), int(minutes), int(seconds), int(frames), rate)


def timecode_seconds(text: str, rate: FrameRate) -> Fraction:
    """Seconds, exactly, from 00:00:00:00 to the start of timecode ``text``."""
    return parse_timecode(text, rate) / rate.fps


def parse_time(value, rate: FrameRate) -> Fraction:
    """A time in seconds from a number, ``"12.5s"`` or SMPTE timecode, as an exact Fraction.

    Numbers are taken as seconds (a float is converted through its decimal text, so
    ``0.1`` is 1/10). Raises TypeError for a value of another type and ValueError for
    a negative, non-finite or malformed time.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"a time must be seconds or timecode text, got {type(value).__name__} {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"time {value!r} must be a finite number of seconds >= 0")
        return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    text = value.strip()
    if _SECONDS.match(text):
        return Fraction(text[:-1].strip())
    if ":" in text or ";" in text:
        return timecode_seconds(text, rate)
    raise ValueError(f"time {value!r} is neither seconds (12.5 or '12.5s') nor timecode HH:MM:SS:FF")


def frame_at_seconds(time_s, rate: FrameRate) -> int:
    """The picture frame showing at ``time_s`` (the last frame that started at or before it)."""
    exact = Fraction(time_s) * rate.fps
    frame = math.floor(exact)
    # A float a hair below a frame boundary (41.2083333) still names that frame.
    if not isinstance(time_s, Fraction) and exact - frame > 1 - Fraction(1, 10**6):
        frame += 1
    return frame


def format_timecode(time_s, rate: FrameRate) -> str:
    """``time_s`` as SMPTE timecode at ``rate``: ``HH:MM:SS:FF`` (``;FF`` in drop-frame)."""
    hours, minutes, seconds, frames = fields_from_frame(frame_at_seconds(time_s, rate), rate)
    sep = ";" if rate.drop_frame else ":"
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{frames:02d}"
