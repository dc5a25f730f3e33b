"""The form planner: per bar, what the composer does — sample under a cadence, restate a
remembered phrase or the theme, or develop the theme — and what it remembers after.

A **section** is the music of one mood (``Intent.mood``) from the bar it began: when
the mood changes, a new section starts and its form (``FormConfig.section(mood)``,
else the mood's default) begins at the next phrase line (``phrase_bars``, counted
from bar 0 like the score's ``next_phrase`` grid); bars before that line are a
bridge. Phrases are remembered per mood (``PlanState.memory``), so a state the game
returns to brings its own refrain back. Everything the planner decides follows from
the immutable ``PlanState``, the intent, the bar index and the seed: the state
travels in the composer's snapshot, and a rollback replans the same bars.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from engine.composer import cadences, form, themes, tokens
from engine.composer.cadences import BarConstraints
from engine.composer.form import PhrasePlan
from engine.music.form import Form, default_form
from engine.music.intent import Intent
from engine.music.theme import GENERATED, Theme, load_theme, theme_from_bars

GENERATED_THEME_BARS = 2
MEMORY_PHRASES = 32
ROLE_DRIFT = {"answer": 1.0, "contrast": 1.0}
"""Register drift (-1..1) asked of the network for the bars it samples, by phrase role: an
answer climbs towards its close, a contrast sits higher (as a folk tune's B strain
does); statements and bridges keep the seed's slow sine. Without it, restated
openings narrowed 8-bar phrases (pitch-range overlap with real phrases 0.79; 0.83 with)."""
VARY_BAR_CHANCE = 0.5
"""A restated bar of a return has this chance of one note re-drawn (two when it has six or more)."""


@dataclass(frozen=True)
class SectionSpec:
    """A mood's form (None: the mood's default) and theme (a ``Theme``, ``"generated"`` or None)."""

    form: Form | None = None
    theme: Theme | str | None = None

    def __post_init__(self) -> None:
        if self.theme is not None and not isinstance(self.theme, Theme) and self.theme != GENERATED:
            raise ValueError(f"section theme must be a Theme, {GENERATED!r} or None, got {self.theme!r}")


@dataclass(frozen=True)
class FormConfig:
    """The planner's settings: phrase length in bars and the sections a score names, by mood."""

    phrase_bars: int = 4
    sections: tuple[tuple[str, SectionSpec], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.phrase_bars, bool) or not isinstance(self.phrase_bars, int) or not 1 <= self.phrase_bars <= 64:
            raise ValueError(f"phrase_bars: {self.phrase_bars!r} is not an int in 1..64")

    def section(self, mood: str) -> SectionSpec:
        return next((spec for name, spec in self.sections if name == mood), SectionSpec())


@dataclass(frozen=True)
class PhraseRecord:
    """A remembered phrase: its meter, mode, cadence and each bar's tokens."""

    meter: str
    mode: str
    cadence: str | None
    bars: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class PlanState:
    """Where the form stands at a bar line (immutable; part of the composer's snapshot)."""

    mood: str = ""
    section_bar: int = 0
    form_bar: int = 0
    phrase: tuple[tuple[int, ...], ...] = ()  # the current phrase's bars so far
    memory: tuple[tuple[str, str, PhraseRecord], ...] = ()  # (mood, key, phrase)
    theme: Theme | None = None  # the session's generated theme, once composed
    chord_run: tuple[int, int] = (-1, 0)  # (chord token, harmony slots it has sounded)
    passes: tuple[tuple[str, int], ...] = ()  # (mood, passes through its form begun) in earlier sections
    passes_before: int = 0  # the passes of this section's mood before it began
    mood_passes: int = 0  # ... and with this section's


@dataclass(frozen=True)
class BarPlan:
    """What to do for one bar: sample under ``constraints`` or restate ``source`` (in the bar's mode)."""

    phrase: PhrasePlan
    bar_in_phrase: int
    constraints: BarConstraints = cadences.NONE
    source: tuple[int, ...] | None = None
    vary: bool = False
    sample_chords: bool = False
    development: str = ""
    register_drift: float | None = None  # -1..1 where the form asks the register to go; None: the seed's sine

    @property
    def role(self) -> str:
        return self.phrase.role


@dataclass
class FormPlanner:
    """Plans bars from a ``FormConfig``; holds only caches derived from it (theme tokens)."""

    config: FormConfig = field(default_factory=FormConfig)
    seed: int = 0
    _theme_cache: dict = field(default_factory=dict, repr=False)

    def enter(self, state: PlanState, intent: Intent, bar_index: int) -> PlanState:
        """The state with a new section begun when the mood changed (or nothing was composed yet)."""
        if state.mood == intent.mood and state.section_bar <= bar_index:
            return state
        p = self.config.phrase_bars
        form_bar = -(-bar_index // p) * p
        passes = dict(state.passes)
        if state.mood:  # the section that ends: its passes count for its mood's next visit
            passes[state.mood] = state.mood_passes
        before = passes.get(intent.mood, 0)
        return replace(state, mood=intent.mood, section_bar=bar_index, form_bar=form_bar, phrase=(),
                       passes=tuple(passes.items()), passes_before=before, mood_passes=before)

    def plan(self, state: PlanState, intent: Intent, bar_index: int) -> BarPlan:
        """The plan of bar ``bar_index`` (``state`` already ``enter``-ed)."""
        p = self.config.phrase_bars
        if bar_index < state.form_bar:
            return BarPlan(form.bridge(state.section_bar, state.form_bar - state.section_bar), bar_index - state.section_bar)
        spec = self.config.section(intent.mood)
        shape = spec.form or default_form(intent.mood, intent.arousal)
        heard = frozenset(key for mood, key, _ in state.memory if mood == intent.mood)
        number, bar_in_phrase = divmod(bar_index - state.form_bar, p)
        phrase = form.phrase_at(shape, number, heard, p, state.form_bar + number * p, state.passes_before)
        minor = intent.key.is_minor
        constraints = cadences.cadence_constraints(phrase.cadence, bar_in_phrase, p, intent.meter, minor)
        plan = BarPlan(phrase, bar_in_phrase, constraints)
        mode = "minor" if minor else "major"
        theme = state.theme if spec.theme == GENERATED else spec.theme
        if theme is not None and phrase.role in ("statement", "contrast"):
            return self._from_theme(plan, theme, intent, mode)
        if phrase.role in ("answer", "return"):
            return self._from_memory(plan, state, intent, mode)
        return replace(plan, register_drift=ROLE_DRIFT.get(phrase.role))

    def _from_theme(self, plan: BarPlan, theme: Theme, intent: Intent, mode: str) -> BarPlan:
        """A statement opens with the theme; a contrast opens with a development of its first bar."""
        bars = self._theme_tokens(theme, intent, mode)
        if plan.role == "statement" and plan.bar_in_phrase < len(bars):
            return replace(plan, source=bars[plan.bar_in_phrase], constraints=cadences.NONE, development="theme")
        if plan.role == "contrast" and plan.bar_in_phrase == 0:
            pick = np.random.default_rng([self.seed & 0xFFFFFFFF, plan.phrase.first_bar, 7]).integers(len(themes.DEVELOPMENTS))
            operation = themes.DEVELOPMENTS[int(pick)]
            return replace(plan, source=themes.develop(bars[0], operation, mode), sample_chords=operation == "inversion",
                           development=operation, constraints=cadences.NONE)
        return plan

    def _from_memory(self, plan: BarPlan, state: PlanState, intent: Intent, mode: str) -> BarPlan:
        phrase, i = plan.phrase, plan.bar_in_phrase
        record = next(rec for mood, key, rec in state.memory if mood == intent.mood and key == phrase.source_key)
        if i >= len(record.bars) or record.bars[i][0] != tokens.bar_token(intent.meter):
            return plan  # a phrase of another meter cannot be restated bar for bar
        if phrase.role == "answer":
            if i < -(-phrase.phrase_bars // 2):
                return replace(plan, source=themes.to_mode(record.bars[i], record.mode, mode), constraints=cadences.NONE)
            return replace(plan, register_drift=ROLE_DRIFT.get("answer"))
        if plan.constraints is not cadences.NONE and record.cadence != phrase.cadence:
            return plan  # the remembered phrase closed otherwise: this cadence is composed afresh
        return replace(plan, source=themes.to_mode(record.bars[i], record.mode, mode), vary=True)

    def _theme_tokens(self, theme: Theme, intent: Intent, mode: str) -> tuple[tuple[int, ...], ...]:
        key = (theme, str(intent.meter), mode)
        if key not in self._theme_cache:
            self._theme_cache[key] = themes.theme_tokens(theme, intent.meter, mode, self.config.phrase_bars)
        return self._theme_cache[key]

    def record(self, state: PlanState, plan: BarPlan, intent: Intent, bar_tokens: tuple[int, ...], chords: list[int]) -> PlanState:
        """The state after a bar: its tokens joined to the phrase, the phrase remembered at its end,
        the harmonic rhythm moved on, and a generated theme taken once its bars are written."""
        phrase = state.phrase + (bar_tokens,)
        mode = "minor" if intent.key.is_minor else "major"
        state = replace(state, phrase=phrase, chord_run=cadences.chord_runs(chords, *state.chord_run),
                        mood_passes=max(state.mood_passes, plan.phrase.cycle + 1 if plan.role != "bridge" else 0))
        spec = self.config.section(intent.mood)
        if (spec.theme == GENERATED and state.theme is None and plan.role == "statement"
                and len(phrase) == min(GENERATED_THEME_BARS, plan.phrase.phrase_bars)):
            bars = [tokens.decode_bar(list(t), mode) for t in phrase]
            state = replace(state, theme=theme_from_bars(bars))
        if plan.bar_in_phrase < plan.phrase.phrase_bars - 1:
            return state
        state = replace(state, phrase=())
        if plan.role in ("statement", "contrast", "answer") and len(phrase) == plan.phrase.phrase_bars:
            entry = (intent.mood, plan.phrase.key, PhraseRecord(str(intent.meter), mode, plan.phrase.cadence, phrase))
            state = replace(state, memory=_remembered(state.memory, entry))
        return state

    @staticmethod
    def varied_notes(source: tuple[int, ...], rng: np.random.Generator) -> frozenset[int]:
        """Which melody notes of a restated bar to re-draw (by number), drawn from the bar's stream."""
        notes = sum(1 for t in source if tokens.kind_of(t) == "pitch")
        if notes == 0 or rng.random() >= VARY_BAR_CHANCE:
            return frozenset()
        count = 2 if notes >= 6 else 1
        return frozenset(int(i) for i in rng.choice(notes, size=count, replace=False))


def _remembered(memory: tuple, entry: tuple) -> tuple:
    """``memory`` with ``entry`` added; past ``MEMORY_PHRASES`` the oldest pass-specific
    contrast (a ``~`` key) goes first, so refrains outlive the episodes between them."""
    memory = memory + (entry,)
    if len(memory) <= MEMORY_PHRASES:
        return memory
    drop = next((i for i, (_, key, _) in enumerate(memory) if "~" in key), 0)
    return memory[:drop] + memory[drop + 1:]


def form_config_for_score(score) -> FormConfig:
    """The planner's settings for a loaded score (``engine.score.format.Score``): its
    ``phrase_bars`` and, per mood of a state with ``theme:`` or ``form:``, that section.
    States naming the same motif file share one ``Theme``; ``generated`` is one theme
    for the session. Two states of one mood: the first that names a theme or form wins."""
    loaded: dict = {}
    sections: dict[str, SectionSpec] = {}
    for state in score.states.values():
        if state.mood in sections or (state.theme is None and not state.form):
            continue
        theme = None
        if state.theme is not None:
            ref = (state.theme.file, state.theme.key)
            if state.theme.file is None:
                theme = GENERATED
            else:
                if ref not in loaded:
                    loaded[ref] = load_theme(*ref)
                theme = loaded[ref]
        sections[state.mood] = SectionSpec(Form(tuple(state.form)) if state.form else None, theme)
    return FormConfig(score.phrase_bars, tuple(sections.items()))
