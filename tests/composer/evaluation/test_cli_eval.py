"""``moodscore eval`` end to end on a tiny fixture: five real tunes, a random-weight model.

No full evaluation here: the token dataset is built from tests/composer/data/tunes.json
(train: three tunes, valid: one, test: one plus an exact copy of a training tune)
and the model is a 32-unit GRU with random weights and its own guard index.
"""

import argparse
import json

import numpy as np
import pytest

from engine.composer import tokens
from engine.composer.dataset import encode_tune
from engine.composer.evaluation import cli_eval, likelihood, splits
from engine.composer.evaluation.evaluate import EvalConfig, evaluate
from engine.composer.guard import melody_arrays
from engine.composer.shipped import load_model
from engine.composer.steppers import make_stepper

from ..conftest import make_model_dir

SPLIT_OF_TUNE = [(0, 0), (1, 0), (2, 0), (3, 1), (4, 2), (0, 2)]  # (fixture tune, split)
JSON_KEYS = ("nll", "nll_ngram", "nll_uncond", "mode_acc", "arousal_rho", "arousal_nrmse", "oa",
             "longest_copy_generated", "longest_copy_human_p95", "guard_n", "guard_rate")


@pytest.fixture(scope="module")
def token_file(fixture_tunes, tmp_path_factory):
    """A token dataset npz laid out like dataset.build_token_dataset's."""
    toks, bars, conds, rows, offset = [], [], [], [], 0
    for tune, split in SPLIT_OF_TUNE:
        tune_bars, minor, tune_id = fixture_tunes[tune]
        tune_tokens, token_bar, cond = encode_tune(tune_bars, minor)
        rows.append((len(toks), len(tune_tokens), split, len(tune_bars), tune, tune_id))
        toks += tune_tokens
        bars += [b + offset for b in token_bar]
        offset += len(cond)
        conds.append(cond)
    path = tmp_path_factory.mktemp("data") / "tokens.npz"
    column = lambda k, dtype: np.array([r[k] for r in rows], dtype=dtype)
    np.savez(path, meta=np.asarray("{}"), tokens=np.array(toks, np.int16), token_bar=np.array(bars, np.int32),
             bar_cond=np.concatenate(conds).astype(np.float32), tune_first_token=column(0, np.int64),
             tune_token_count=column(1, np.int64), tune_split=column(2, np.int8), tune_bar_count=column(3, np.int64),
             tune_index=column(4, np.int64), tune_id=column(5, str), tune_collection=np.array(["fixture"] * len(rows)))
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A random 32-unit model with a 13-note guard index over the fixture's melodies."""
    return make_model_dir(tmp_path_factory.mktemp("model"), seed=3)


def _data(path):
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def test_batched_likelihood_matches_single_steps(model_dir, token_file):
    model = load_model(model_dir)
    test = splits.split_tunes(_data(token_file), "test")
    stepper = make_stepper(model.arrays, model.model_config)
    expected = []
    for tune_tokens, conds in zip(test.tokens, test.conds):
        state = stepper.zero_state()
        for t in range(tune_tokens.size - 1):
            logits, state = stepper.step(int(tune_tokens[t]), stepper.cond_gates(conds[t]), state)
            logits = logits.astype(np.float64)
            expected.append(logits[tune_tokens[t + 1]] - np.log(np.exp(logits - logits.max()).sum()) - logits.max())
    got = likelihood.network_logprobs(stepper, test, batch_size=1)
    assert got.size == test.n_predicted
    np.testing.assert_allclose(got, expected, atol=1e-4)
    np.testing.assert_allclose(likelihood.network_logprobs(stepper, test, batch_size=8), got, atol=1e-5)


def test_melodies_and_duplicates(token_file):
    data = _data(token_file)
    train, test = splits.split_tunes(data, "train"), splits.split_tunes(data, "test")
    for tune_tokens, conds in zip(test.tokens, test.conds):
        bars = splits.tune_bars(tune_tokens, splits.is_minor(conds))
        for a, b in zip(splits.melody_from_tokens(tune_tokens, tokens.GRID_TICKS), melody_arrays(bars)):
            np.testing.assert_array_equal(a, b)
    mask = splits.duplicate_tunes(splits.melodies(test), splits.melodies(train))
    assert mask.tolist() == [False, True]


def test_ngram_scores_the_network_positions(token_file):
    data = _data(token_file)
    train, valid, test = (splits.split_tunes(data, s) for s in ("train", "valid", "test"))
    lm, valid_nll = likelihood.best_ngram(train, valid, tokens.VOCAB_SIZE, (2, 3))
    assert set(valid_nll) == {2, 3} and lm.config.order == min(valid_nll, key=valid_nll.get)
    assert likelihood.ngram_logprobs(lm, test).size == test.n_predicted


def test_eval_json_has_every_key_in_range(model_dir, token_file, tmp_path, capsys):
    args = argparse.Namespace(model=model_dir, json=True, out=tmp_path / "eval", tokens=token_file, uncond_model=None,
                              phrases=4, seeds_per_cell=1, bars=4, tune_limit=0, pieces=4, themes=2)
    assert cli_eval.run(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert all(key in result for key in JSON_KEYS)
    for key in ("nll", "nll_ngram", "nll_uncond"):
        assert 0 < result[key] < 20
    assert 0 <= result["mode_acc"] <= 1 and 0 <= result["guard_rate"] <= 1
    assert result["arousal_rho"] is None or -1 <= result["arousal_rho"] <= 1
    assert result["arousal_nrmse"] >= 0
    assert result["oa"] and all(0 <= v <= 1 for v in result["oa"].values())
    assert result["guard_n"] == 12 and result["longest_copy_generated"] <= 12 and result["guard_ok"]
    assert result["test_tunes_duplicated_in_train"] == 1
    assert result["longest_copy_human_p95"] >= result["longest_copy_human_dedup_p95"]
    structure = result["structure"]
    assert structure["pieces"] == 4 and structure["real_pieces"] == 2  # the test split's two tunes
    for name, ratio in structure["ratio"].items():
        generated, real = structure["generated"][name], structure["real"][name]
        assert ratio is None or abs(ratio - generated / real) < 1e-9, name
        assert result[f"structure_{name}_ratio"] == ratio
    assert 0 <= result["theme_recall_state"] <= 1 and 0 <= result["theme_recall_after_transition"] <= 1
    assert result["theme_pieces"] == 2
    text = (tmp_path / "eval" / "report.md").read_text(encoding="utf-8")
    assert "| figure | value | goal | met? |" in text
    for png in ("control-heatmap.png", "features.png", "longest-run.png"):
        assert (tmp_path / "eval" / png).read_bytes()[:4] == b"\x89PNG"


def test_evaluate_uses_an_unconditional_model_when_given(model_dir, token_file):
    config = EvalConfig(model_dir=model_dir, tokens_path=token_file, uncond_model_dir=model_dir,
                        bars_per_phrase=2, seeds_per_cell=1, matched_phrases=2, ngram_orders=(2,), form_pieces=2, form_themes=1)
    results, _ = evaluate(config)
    assert results["nll_uncond_kind"].startswith("same-size")
    assert results["nll_uncond"] == pytest.approx(results["nll_shipped_zero_cond"])
