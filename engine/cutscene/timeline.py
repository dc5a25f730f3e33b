"""A PNG a person reads at a glance: what the music did against the picture's clock.

Three panels share the time axis (seconds): the fitted tempo with hit markers
(labelled with bar and beat from 1, as the cue sheet counts them); states as coloured
bands labelled with state and mood, under the parameter curves (each drawn across
its own range, 0 at its minimum and 1 at its maximum, so a 0..10 parameter fits the
panel) and the intensity; and a piano roll of every note the synth played, coloured by
layer, with bar lines. matplotlib is imported here only, with the Agg backend.
"""

from __future__ import annotations

import os

from engine.cutscene.export import CHANNEL_NAMES
from engine.music.events import Kind

LAYER_COLOURS = {"pad": "#7f9fbf", "bass": "#4a6a3a", "melody": "#c0392b", "counter": "#d4a017",
                 "percussion": "#888888", "accents: kit": "#000000", "accents: timpani": "#6b3fa0",
                 "stingers": "#e67e22"}
STATE_COLOURS = ("#dfe9f5", "#fbe3c8", "#f6d0d0", "#d9f0d3", "#e8dcf3", "#f2f2c4")


def _notes(rendering):
    """(start_s, end_s, pitch, channel, heard) of every note, from the captured events;
    ``heard`` is False where the layer's expression (CC 11) was 0 when it started."""
    sr, sounding, out, expression = rendering.sample_rate_hz, {}, [], {}
    for timed in rendering.events:
        event = timed.event
        key = (event.channel, event.a)
        if event.kind == Kind.CONTROL and event.a == 11:
            expression[event.channel] = event.b
        if event.kind in (Kind.NOTE_ON, Kind.NOTE_OFF) and key in sounding:
            start, heard = sounding.pop(key)
            out.append((start / sr, timed.frame / sr, event.a, event.channel, heard))
        if event.kind == Kind.NOTE_ON:
            sounding[key] = (timed.frame, expression.get(event.channel, 127) > 0)
    return out


def hit_label(landing) -> str:
    """``bar 12`` or ``bar 12.3`` (beat 3): bars and beats from 1, as the cue sheet counts."""
    return f"bar {landing.bar_index + 1}" + (f".{landing.beat_index + 1}" if landing.beat_index else "")


def normalised(values: list[float], low: float, high: float) -> list[float]:
    """``values`` of a parameter with range ``low..high`` mapped onto 0..1."""
    span = (high - low) or 1.0
    return [(value - low) / span for value in values]


def write_timeline(rendering, path: str | os.PathLike) -> None:
    """Draw ``rendering`` (see ``render.Rendering``) into the PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sr = rendering.sample_rate_hz
    end_s = rendering.total_frames / sr
    fig, (tempo_ax, state_ax, roll_ax) = plt.subplots(
        3, 1, figsize=(16, 9), sharex=True, gridspec_kw={"height_ratios": [1.2, 1.2, 3]})
    title = rendering.cutscene.title or rendering.cutscene.source
    fig.suptitle(f"{title} — seed {rendering.cutscene.seed}, {end_s:.1f} s", fontsize=13)
    _tempo(tempo_ax, rendering, end_s)
    _states(state_ax, rendering, end_s)
    _roll(roll_ax, rendering)
    for ax in (tempo_ax, state_ax, roll_ax):
        for landing in rendering.fit.landings:
            ax.axvline(landing.frame / sr, color="#c0392b", lw=1.2, alpha=0.8, zorder=5)
        ax.set_xlim(0, end_s)
        ax.grid(axis="x", alpha=0.25)
    roll_ax.set_xlabel("time (s)")
    fig.tight_layout()
    fig.savefig(os.fspath(path), dpi=100)
    plt.close(fig)


def _tempo(ax, rendering, end_s: float) -> None:
    tempo_map = rendering.fit.tempo_map
    times = [end_s * i / 400 for i in range(401)]
    ax.plot(times, [tempo_map.bpm_at(tempo_map.quarter_at(t)) for t in times], color="#2c3e50", lw=2)
    ax.set_ylabel("tempo (bpm)")
    low, high = ax.get_ylim()
    ax.set_ylim(low - 4, high + 10)
    for i, landing in enumerate(rendering.fit.landings):
        ax.annotate(f"{landing.name}\n {hit_label(landing)}",
                    (landing.frame / rendering.sample_rate_hz, high + 9 - 7 * (i % 2)), fontsize=8,
                    color="#c0392b", va="top", ha="left", xytext=(3, 0), textcoords="offset points")


def _states(ax, rendering, end_s: float) -> None:
    sr, bands = rendering.sample_rate_hz, rendering.transitions
    colours: dict[str, str] = {}
    for i, (frame, state, mood) in enumerate(bands):
        stop = bands[i + 1][0] / sr if i + 1 < len(bands) else end_s
        colour = colours.setdefault(state, STATE_COLOURS[len(colours) % len(STATE_COLOURS)])
        ax.axvspan(frame / sr, stop, color=colour, zorder=0)
        ax.text(frame / sr + 0.2, 1.02, f"{state} ({mood})", fontsize=9, va="top", fontweight="bold")
    for name, points in rendering.curves.items():
        if points:
            style = {"color": "#2c3e50", "lw": 2} if name == "intensity" else {"lw": 1.5, "ls": "--"}
            low, high = rendering.parameter_ranges.get(name, (0.0, 1.0))
            label = name if (low, high) == (0.0, 1.0) else f"{name} ({low:g}..{high:g})"
            ax.plot([f / sr for f, _ in points], normalised([v for _, v in points], low, high), label=label, **style)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("state, parameters")
    ax.legend(loc="lower right", fontsize=8, ncol=3)


def _roll(ax, rendering) -> None:
    sr = rendering.sample_rate_hz
    by_channel: dict[int, list] = {}
    for start, stop, pitch, channel, heard in _notes(rendering):
        by_channel.setdefault(channel, []).append((start, stop - start, pitch, heard))
    for channel, notes in sorted(by_channel.items()):
        name = CHANNEL_NAMES.get(channel, f"channel {channel + 1}")
        colour = LAYER_COLOURS.get(name, "#555555")
        if channel in (9, 13):   # drums: where they hit, at their key
            heard = [n for n in notes if n[3]]
            ax.scatter([n[0] for n in heard], [n[2] for n in heard], s=6, color=colour, label=name, zorder=3)
            continue
        ax.add_collection(_bars([n for n in notes if n[3]], colour, 0.85))
        ax.add_collection(_bars([n for n in notes if not n[3]], colour, 0.12))   # faded out by intensity
        ax.plot([], [], color=colour, lw=6, label=name)
    tempo_map, bar = rendering.fit.tempo_map, 0
    while True:
        quarter = rendering.fit.bar_quarter(bar)
        t = tempo_map.seconds_at(quarter)
        if t * sr > rendering.total_frames:
            break
        ax.axvline(t, color="#999999", lw=0.5, alpha=0.5, zorder=1)
        bar += 1
    ax.set_ylim(24, 100)
    ax.set_ylabel("pitch (MIDI)")
    ax.legend(loc="upper left", fontsize=8, ncol=4)


def _bars(notes, colour: str, alpha: float):
    """One collection of note rectangles (start, duration, pitch, ...) in one colour."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    patches = [Rectangle((s, p - 0.4), d, 0.8) for s, d, p, *_ in notes]
    return PatchCollection(patches, facecolor=colour, edgecolor="none", alpha=alpha, zorder=2)
