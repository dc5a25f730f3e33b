"""The roles the engine's parts play for one another, written down as Protocols.

A role is what one part needs of another, nothing more: the player needs a
``Composer`` (a bar at a time, with snapshots to roll back to) and a ``Synth`` (a block
of frames from timed events); an output pulls from a ``Source`` (blocks, composing
ahead, cues heard); the API drives an ``Output`` (start, advance, what is heard, close).
Code is typed against these, tests' fakes implement them, and nothing probes with
``getattr``. They are ``runtime_checkable`` so a test (or a factory given an object)
can check that something fills a role; that check sees method names only, not
signatures, so the signatures here are the contract to read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from engine.music.events import TimedEvent
    from engine.music.intent import Intent
    from engine.music.notes import Bar
    from engine.playback.cues import Cue


@runtime_checkable
class Composer(Protocol):
    """Writes music one bar at a time. ``compose_bar`` depends only on the composer's
    seed, ``bar_index``, the state it holds (which it advances to the bar's end) and
    ``intent``. ``snapshot`` returns that state as an immutable value the player keeps
    per bar line; ``restore`` puts one back (a transition recomposes from there).
    ``reform`` swaps the settings of its form (phrase length, forms and themes by mood:
    an ``engine.composer.planner.FormConfig``, from a score edited while playing) for the
    bars it composes from then on, None for the ones it was made with; a composer with
    no form ignores it."""

    def compose_bar(self, intent: Intent, bar_index: int) -> Bar: ...

    def snapshot(self) -> object: ...

    def restore(self, state: object) -> None: ...

    def reform(self, form: object) -> None: ...


@runtime_checkable
class Synth(Protocol):
    """Turns timed MIDI events into audio. ``render_block`` fills ``out`` (float32,
    (frames, 2)) with the frames from ``start_frame`` on, applying ``events`` (sorted,
    all inside the block) on the way; blocks come in order, with no gap.
    ``set_level_db`` trims the output level (dB from the synth's own) from the next
    frame rendered, without a step: the loudness leveller's fader."""

    def render_block(self, out: np.ndarray, start_frame: int, events: Sequence[TimedEvent]) -> None: ...

    def set_level_db(self, level_db: float) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class Source(Protocol):
    """What an output pulls audio from. ``render_into`` fills the next block (the render
    thread, or the caller offline); ``pump`` composes up to ``max_bars`` bars ahead and
    returns how many (a composer thread; 0 when nothing is due); ``compose_due`` says,
    without a lock, whether a bar is waiting to be composed; ``render_wanted`` says,
    without a lock and from the reader's thread, whether a game call waits for the next
    control frame (the stream then renders at the next free block, so a call waits at
    most one block period); ``poll`` returns the cues sounded before ``until_frame``
    (None: everything rendered), on the caller's thread."""

    def render_into(self, out: np.ndarray) -> None: ...

    def pump(self, max_bars: int = 1) -> int: ...

    def compose_due(self) -> bool: ...

    def render_wanted(self) -> bool: ...

    def poll(self, until_frame: int | None = None) -> list[Cue]: ...


@runtime_checkable
class Output(Protocol):
    """Where the music goes. ``live`` outputs play in real time (``advance`` waits);
    offline ones render ``advance(seconds)`` at once. ``heard_frame`` is the frame being
    heard now (offline: frames rendered); ``underruns`` counts late blocks, the device's
    own underflows included; ``latency_ms`` is audio rendered but not heard yet;
    ``poll`` returns the cues heard since the last call. ``start`` returns the output."""

    live: bool

    def start(self) -> Output: ...

    def advance(self, seconds: float) -> int: ...

    @property
    def heard_frame(self) -> int: ...

    @property
    def underruns(self) -> int: ...

    def latency_ms(self) -> float: ...

    def poll(self) -> list[Cue]: ...

    def close(self) -> None: ...
