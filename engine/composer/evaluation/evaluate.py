"""``moodscore eval``'s work: every figure of issue 8 on the corpus's test split.

``evaluate(config)`` returns ``(results, artefacts)``: ``results`` is the flat,
JSON-ready dictionary the CLI prints (see ``GOALS`` for the figures with a goal),
``artefacts`` holds the arrays the report plots. Four parts, each a function:

- ``likelihood_figures`` — NLL per token of the network, the Kneser–Ney n-gram and
  the unconditional stand-ins, on the same test tokens;
- ``control_figures`` — mode accuracy, Spearman ρ and NRMSE of arousal/density
  over the requested grid;
- ``likeness_figures`` — overlapping areas of generated vs real phrase features;
- ``originality_figures`` — longest run shared with a training tune, generated vs
  the human baseline, and the guard's N, rate and check;
- ``form_eval.structure_figures`` — repetition, motivic bigrams, cadences and chord
  changes of composed pieces vs the test tunes (ratios), and theme recall.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.composer.evaluation import features, form_eval, generation, likelihood, splits, stats
from engine.composer.evaluation.originality import RunCorpus, human_baseline, longest_shared_run
from engine.composer.guard import load_guard, melody_arrays
from engine.composer.evaluation.overlap import compare_feature_sets

log = logging.getLogger(__name__)

OA_FEATURES = ("pitch_class_histogram", "pitch_range_semitones", "pitch_count_per_bar",
               "abs_interval_semitones", "inter_onset_interval_ticks", "note_length_histogram")
SIDE_FEATURES = ("pitch_class_entropy_bits", "scale_consistency", "groove_consistency")

GOALS = {  # figure: (goal text, test on the results)
    "nll": ("≤ 0.85 × n-gram NLL", lambda r: r["nll"] <= 0.85 * r["nll_ngram"]),
    "nll_uncond": ("≤ 0.85 × n-gram NLL (the fair LM comparison)", lambda r: r["nll_uncond"] <= 0.85 * r["nll_ngram"]),
    "mode_acc": ("≥ 0.95", lambda r: r["mode_acc"] >= 0.95),
    "arousal_rho": ("≥ 0.9", lambda r: r["arousal_rho"] >= 0.9),
    "longest_copy_generated": ("≤ guard N", lambda r: r["guard_n"] is not None and r["longest_copy_generated"] <= r["guard_n"]),
    **{f"structure_{name}_ratio": ("0.6 .. 1.4 × real", lambda r, name=name: 0.6 <= r[f"structure_{name}_ratio"] <= 1.4)
       for name in ("repeat_bars", "repeat_bars_transposed", "repeat_rhythm", "repeat_phrases", "chord_changes_per_bar")},
    "structure_pc_bigram_ratio_ratio": ("≤ 1.15 × real", lambda r: r["structure_pc_bigram_ratio_ratio"] <= 1.15),
    "structure_cadence_rate_ratio": ("≥ 0.8 × real", lambda r: r["structure_cadence_rate_ratio"] >= 0.8),
    "theme_recall_state": ("≥ 0.5", lambda r: r["theme_recall_state"] >= 0.5),
    "theme_recall_after_transition": ("≥ 0.3", lambda r: r["theme_recall_after_transition"] >= 0.3),
}
OA_GOAL = 0.8


@dataclass(frozen=True)
class EvalConfig:
    """What to evaluate and how much of it: the model and data paths, the phrase
    length, the control grid's seeds per cell, how many test phrases to match,
    and ``tune_limit`` (> 0: the first tunes of each split only, for tests)."""

    model_dir: Path | None = None
    tokens_path: Path | None = None  # None: dataset.DEFAULT_TOKENS_PATH
    uncond_model_dir: Path | None = None
    bars_per_phrase: int = 8
    seeds_per_cell: int = 5
    matched_phrases: int = 300
    ngram_orders: tuple[int, ...] = (3, 4, 5)
    tune_limit: int = 0
    temperature: float = 1.0
    top_p: float = 0.95
    form_pieces: int = 60
    form_themes: int = 20


def _net(model):
    from engine.composer.steppers import make_stepper

    return make_stepper(model.arrays, model.model_config)


def _nll(logprobs: np.ndarray) -> float:
    return float(-logprobs.mean())


def likelihood_figures(model, config: EvalConfig, train, valid, test) -> dict:
    """NLL per token (nats) on the test split: network, n-gram, unconditional stand-ins."""
    from engine.composer.codecs import codec_named
    from engine.composer.shipped import load_model

    net = _net(model)
    mean = likelihood.mean_conditioning(train)
    vocab_size = codec_named(model.model_config.codec).vocab_size  # the model's codec: melody_harmony_v2 adds meters
    lm, valid_nll = likelihood.best_ngram(train, valid, vocab_size, config.ngram_orders)
    out = {"nll": _nll(likelihood.network_logprobs(net, test)),
           "nll_ngram": _nll(likelihood.ngram_logprobs(lm, test)), "nll_ngram_order": lm.config.order,
           "nll_ngram_valid": {str(k): v for k, v in valid_nll.items()},
           "nll_shipped_zero_cond": _nll(likelihood.network_logprobs(net, test, likelihood.zero_conditioning)),
           "nll_shipped_mean_cond": _nll(likelihood.network_logprobs(net, test, likelihood.constant_conditioning(mean))),
           "nll_shipped_mode_meter_only": _nll(likelihood.network_logprobs(
               net, test, likelihood.constant_conditioning(mean, keep=slice(3, None)))),
           "test_tokens_scored": test.n_predicted}
    if config.uncond_model_dir is not None:
        uncond_model = load_model(config.uncond_model_dir)
        out["nll_uncond"] = _nll(likelihood.network_logprobs(_net(uncond_model), test, likelihood.zero_conditioning))
        out["nll_uncond_kind"] = (f"same-size GRU trained with zeroed conditioning, "
                                  f"{uncond_model.card.get('epochs', '?')} epochs")
    else:
        out["nll_uncond"] = out["nll_shipped_zero_cond"]
        out["nll_uncond_kind"] = "shipped weights, conditioning zeroed"
    return out


def _phrase_mean(phrases, name: str) -> np.ndarray:
    return np.array([p.bar_values(name).mean() for p in phrases])


def control_figures(phrases: list[generation.Phrase]) -> dict:
    """Mode accuracy (per bar, among bars that show a mode), ρ and NRMSE of the
    requested vs realised attributes (per phrase means)."""
    wanted = np.array(["minor" if p.request.minor else "major" for p in phrases for _ in p.bars])
    shown = np.array([m or "none" for p in phrases for m in p.modes()])
    decided = shown != "none"
    requested_arousal = np.array([p.request.arousal for p in phrases])
    target_arousal = np.array([p.target_arousal for p in phrases])
    realised_arousal = _phrase_mean(phrases, "arousal")
    phrase_valence = _phrase_mean(phrases, "valence")
    bar_requested = np.repeat(requested_arousal, [len(p.bars) for p in phrases])
    return {"mode_acc": stats.accuracy(shown[decided], wanted[decided]),
            "mode_acc_strict": stats.accuracy(shown, wanted), "mode_ambiguous": float(np.mean(~decided)),
            "mode_acc_phrase": stats.accuracy(np.where(phrase_valence > 0.5, "major", "minor"),
                                              ["minor" if p.request.minor else "major" for p in phrases]),
            "arousal_rho": stats.spearman_rho(requested_arousal, realised_arousal),
            "arousal_rho_bar": stats.spearman_rho(bar_requested, np.concatenate([p.bar_values("arousal") for p in phrases])),
            "arousal_nrmse": stats.nrmse(realised_arousal, target_arousal),
            "density_rho": stats.spearman_rho(requested_arousal, _phrase_mean(phrases, "density")),
            "valence_rho": stats.spearman_rho([p.request.valence for p in phrases], phrase_valence),
            "register_rho": stats.spearman_rho([p.request.intensity for p in phrases], _phrase_mean(phrases, "register"))}


def phrase_feature_sets(phrase_bars: list[list]) -> dict[str, np.ndarray]:
    """Phrase features of many phrases (lists of Bar) plus per-bar pitch counts."""
    tables = [features.table_from_bars(bars) for bars in phrase_bars]
    out = features.collect_phrase_features(tables)
    out["pitch_count_per_bar"] = np.concatenate([features.bar_features(t)["pitch_count"] for t in tables]).astype(np.float64)
    return out


def likeness_figures(generated: dict[str, np.ndarray], real: dict[str, np.ndarray]) -> dict:
    """OA per listed feature, OA of the side features, and means of both sets."""
    oa = compare_feature_sets(generated, real)
    means = {name: {"generated": float(np.nanmean(generated[name])), "real": float(np.nanmean(real[name])),
                    "generated_sd": float(np.nanstd(generated[name])), "real_sd": float(np.nanstd(real[name]))}
             for name in generated if np.asarray(generated[name]).ndim == 1}
    return {"oa": {k: oa[k] for k in OA_FEATURES if k in oa},
            "oa_extra": {k: oa[k] for k in SIDE_FEATURES if k in oa}, "feature_means": means}


def _percentiles(runs: np.ndarray, prefix: str) -> dict:
    if runs.size == 0:
        return {f"{prefix}_p50": float("nan"), f"{prefix}_p95": float("nan")}
    return {f"{prefix}_p50": float(np.percentile(runs, 50)), f"{prefix}_p95": float(np.percentile(runs, 95))}


def originality_figures(corpus: RunCorpus, guarded, unguarded, test_melodies, duplicate_mask,
                        real_phrase_melodies, real_phrase_dup, guard_n) -> tuple[dict, dict]:
    """Longest shared runs: generated (guard on and off), test tunes (raw and without
    exact duplicates) and length-matched real phrases; the guard's N, rate and check."""
    runs = {"generated": np.array([longest_shared_run(*melody_arrays(p.bars), corpus) for p in guarded]),
            "no_guard": np.array([longest_shared_run(*melody_arrays(p.bars), corpus) for p in unguarded]),
            "human": human_baseline(test_melodies, corpus)["runs_notes"],
            "human_phrase": np.array([longest_shared_run(p, d, corpus) for p, d in real_phrase_melodies])}
    vetoes = np.concatenate([p.vetoes_per_bar for p in guarded]) if guarded else np.zeros(0)
    notes = sum(p.n_notes for p in guarded)
    out = {"longest_copy_generated": int(runs["generated"].max()) if runs["generated"].size else 0,
           **_percentiles(runs["generated"], "longest_copy_generated"),
           "longest_copy_no_guard": int(runs["no_guard"].max()) if runs["no_guard"].size else 0,
           **_percentiles(runs["no_guard"], "longest_copy_no_guard"),
           **_percentiles(runs["human"], "longest_copy_human"),
           **_percentiles(runs["human"][~duplicate_mask], "longest_copy_human_dedup"),
           **_percentiles(runs["human_phrase"], "longest_copy_human_phrase"),
           **_percentiles(runs["human_phrase"][~real_phrase_dup], "longest_copy_human_phrase_dedup"),
           "test_tunes": int(duplicate_mask.size), "test_tunes_duplicated_in_train": int(duplicate_mask.sum()),
           "guard_n": guard_n, "guard_rate": float(np.mean(vetoes > 0)) if vetoes.size else 0.0,
           "guard_vetoes_per_note": float(vetoes.sum() / max(notes, 1)),
           "guard_ok": bool(guard_n is not None and runs["generated"].size and runs["generated"].max() <= guard_n)}
    return out, runs


def split_matches_card(data: dict, card: dict) -> bool | None:
    """Whether the dataset's tunes per split equal those the model card records it
    was trained with (``card["data"]``); None when the card does not say."""
    recorded = card.get("data") if isinstance(card, dict) else None
    if not isinstance(recorded, dict):
        return None
    counts = {name: int((data["tune_split"] == code).sum()) for name, code in splits.SPLITS.items()}
    return all(recorded.get(name, {}).get("tunes") == count for name, count in counts.items())


def _decoded(split: splits.SplitTunes) -> list[tuple[list, bool]]:
    return [(splits.tune_bars(t, splits.is_minor(c)), splits.is_minor(c)) for t, c in zip(split.tokens, split.conds)]


def evaluate(config: EvalConfig = EvalConfig()) -> tuple[dict, dict]:
    """Run the whole evaluation; see the module docstring."""
    from engine.composer.composer import Composer
    from engine.composer.dataset import DEFAULT_TOKENS_PATH, load_token_dataset
    from engine.composer.shipped import load_model

    start_s, timings = time.monotonic(), {}
    model = load_model(config.model_dir)
    tokens_path = config.tokens_path or DEFAULT_TOKENS_PATH
    data = load_token_dataset(tokens_path)
    train, valid, test = (splits.split_tunes(data, s, config.tune_limit) for s in ("train", "valid", "test"))
    results = {"model": str(model.directory), "tokens": str(tokens_path), "test_tunes": len(test),
               "split_matches_model": split_matches_card(data, model.card)}
    if results["split_matches_model"] is False:
        log.warning("the model card's split sizes differ from %s: the test split may hold training tunes", tokens_path)
    results |= likelihood_figures(model, config, train, valid, test)
    timings["likelihood_s"] = time.monotonic() - start_s

    test_tunes = _decoded(test)
    tune_of_phrase, real = [], []
    for k, tune in enumerate(test_tunes):
        chunks = generation.real_phrases([tune], config.bars_per_phrase)
        real += chunks
        tune_of_phrase += [k] * len(chunks)
    matched_real = generation.subsample(real, config.matched_phrases)
    make = lambda guard: lambda seed: Composer(model, seed=seed, temperature=config.temperature, top_p=config.top_p, guard=guard)
    t0 = time.monotonic()
    control = generation.compose(generation.control_plan(seeds_per_cell=config.seeds_per_cell), make(True), config.bars_per_phrase)
    matched_plan = generation.matched_plan(matched_real, model.conditioning)
    matched = generation.compose(matched_plan, make(True), config.bars_per_phrase)
    unguarded = generation.compose(matched_plan, make(False), config.bars_per_phrase)
    per_bar = generation.compose(generation.matched_plan(matched_real, model.conditioning, per_bar=True),
                                 make(True), config.bars_per_phrase)
    timings["generation_s"] = time.monotonic() - t0
    results |= control_figures(control)
    results["matched_arousal_rho"] = stats.spearman_rho([p.target_arousal for p in matched], _phrase_mean(matched, "arousal"))

    t0 = time.monotonic()
    generated_features = phrase_feature_sets([p.bars for p in matched])
    real_features = phrase_feature_sets([bars for bars, _ in real])
    results |= likeness_figures(generated_features, real_features)
    results["oa_bar_matched"] = compare_feature_sets(phrase_feature_sets([p.bars for p in per_bar]), real_features)
    timings["features_s"] = time.monotonic() - t0

    t0 = time.monotonic()
    train_melodies, test_melodies = splits.melodies(train), splits.melodies(test)
    duplicate = splits.duplicate_tunes(test_melodies, train_melodies)
    guard = load_guard(model.directory)
    originality, runs = originality_figures(
        RunCorpus.from_tunes(train_melodies), control + matched + per_bar, unguarded, test_melodies, duplicate,
        [melody_arrays(bars) for bars, _ in real], duplicate[np.array(tune_of_phrase, dtype=np.int64)],
        guard.max_run)
    results |= originality
    timings["originality_s"] = time.monotonic() - t0

    t0 = time.monotonic()
    form_make = lambda seed, form: Composer(model, seed=seed, temperature=config.temperature, top_p=config.top_p, form=form)  # noqa: E731
    form_config = form_eval.FormEvalConfig(pieces=config.form_pieces, themes=config.form_themes)
    results |= form_eval.structure_figures(form_make, test_tunes, form_config)
    timings["form_s"] = time.monotonic() - t0
    results |= {"phrases_control": len(control), "phrases_matched": len(matched), "bars_per_phrase": config.bars_per_phrase,
                "real_phrases": len(real), "timings_s": {k: round(v, 1) for k, v in timings.items()},
                "runtime_s": round(time.monotonic() - start_s, 1)}
    artefacts = {"control": control, "matched": matched, "generated_features": generated_features,
                 "real_features": real_features, "runs": runs, "duplicate_ids": [test.tune_ids[i] for i in np.flatnonzero(duplicate)]}
    return results, artefacts
