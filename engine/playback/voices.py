"""Virtual voices: a layer faded to silence stops costing synthesis.

Vertical layering keeps every layer playing and fades it with CC 11, so that it can
come back in time. FluidSynth computes every voice whatever its volume, release tails
included: a FluidR3 harp note rings 8.6 s after its note-off, and a counter line held
at gain 0 kept about 37 voices busy, half the synth's work. ``VoiceGate`` sits between
the sequencer and the synth and does what Wwise and FMOD call *virtual voices*:

* when a channel's CC 11 or CC 7 reaches 0 (-96 dB and below: inaudible), its voices
  are stopped there with CC 120 (All Sound Off) and the channel goes virtual;
* while virtual, its note-ons and note-offs are only tracked, not sent;
* when the control rises above 0 again, the notes the music is holding on that channel
  are struck at that frame, where the fade-in starts from silence ("play from the
  beginning", in Wwise's words). Percussion channels are not re-struck: a drum hit
  played late is wrong, and the next one comes soon.

Programs, other controls and pitch bend always pass, so a channel is in the right
state when it comes back. The gate is a pure function of the event stream, so live
and offline rendering stay identical, and every note-on the synth receives still gets
its note-off (or the All Sound Off that ends it).
"""

from __future__ import annotations

from typing import Iterable

from engine.music.events import Kind, TimedEvent, control, note_on

VOLUME, EXPRESSION, ALL_SOUND_OFF = 7, 11, 120
_GAIN_CONTROLS = (VOLUME, EXPRESSION)


class VoiceGate:
    """Filters each block's sorted events; see the module docstring. Not thread-safe
    (the player calls it under its lock, from the render path)."""

    def __init__(self, no_restrike_channels: Iterable[int] = (9,)):
        self._no_restrike = frozenset(no_restrike_channels)
        self._zero: dict[int, set[int]] = {}        # channel -> its gain controls now at 0
        self._held: dict[int, dict[int, int]] = {}   # channel -> {pitch: velocity} the music holds
        self._sent: dict[int, set[int]] = {}         # channel -> pitches on in the synth
        self._virtual: set[int] = set()
        self.channels_silenced = 0                    # All Sound Offs sent
        self.notes_skipped = 0                        # note-ons not sent while virtual
        self.notes_restruck = 0

    def is_virtual(self, channel: int) -> bool:
        return channel in self._virtual

    def filter(self, events: list[TimedEvent]) -> list[TimedEvent]:
        """The events to send for one block (sorted by frame, as the synth wants them).
        The synth gets a note-off only for a note it holds."""
        out: list[TimedEvent] = []
        for timed in events:
            event = timed.event
            kind, channel = event.kind, event.channel
            if kind == Kind.NOTE_ON:
                self._held.setdefault(channel, {})[event.a] = event.b
                if channel in self._virtual:
                    self.notes_skipped += 1
                    continue
                self._sent.setdefault(channel, set()).add(event.a)
            elif kind == Kind.NOTE_OFF:
                self._held.get(channel, {}).pop(event.a, None)
                sent = self._sent.get(channel)
                if sent is None or event.a not in sent:
                    continue
                sent.discard(event.a)
            elif kind == Kind.CONTROL and event.a in _GAIN_CONTROLS:
                out.append(timed)
                self._gain_control(timed, out)
                continue
            out.append(timed)
        return out

    def _gain_control(self, timed: TimedEvent, out: list[TimedEvent]) -> None:
        channel, number, value = timed.event.channel, timed.event.a, timed.event.b
        zero = self._zero.setdefault(channel, set())
        if value == 0:
            zero.add(number)
            if channel not in self._virtual:
                self._virtual.add(channel)
                self._sent.pop(channel, None)
                out.append(TimedEvent(timed.frame, control(channel, ALL_SOUND_OFF, 0)))
                self.channels_silenced += 1
            return
        zero.discard(number)
        if zero or channel not in self._virtual:
            return
        self._virtual.discard(channel)
        if channel in self._no_restrike:
            return
        held = sorted(self._held.get(channel, {}).items())
        self._sent[channel] = {pitch for pitch, _ in held}
        for pitch, velocity in held:
            out.append(TimedEvent(timed.frame, note_on(channel, pitch, velocity)))
            self.notes_restruck += 1
