"""Fuzzing the score loader: whatever bytes or YAML a file holds, the only error is SourceError."""

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.score.load import load_score
from engine.score.source import SourceError

from .conftest import MINIMAL

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

NAMES = st.sampled_from(["version", "name", "initial_state", "phrase_bars", "loudness", "moods", "parameters", "stingers",
                         "states", "events", "a", "b", "go", "hit", "calm", "tense", "danger", "mood", "tempo",
                         "key", "mode", "meter", "layers", "segments", "intensity", "to", "from", "sync",
                         "transitions", "set", "file", "range", "default", "points", "curve", "valence",
                         "instruments", "duration_bars", "then", "fade_s", "stinger", "loop", "x.mid"])
SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
           | st.text(max_size=12) | NAMES)
TREES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(NAMES | st.text(max_size=6), inner, max_size=5), max_leaves=40)


def _load(path):
    try:
        load_score(path)
    except SourceError as exc:
        assert exc.problems and all(str(p).startswith(str(path)) for p in exc.problems)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_raise_only_source_error(tmp_path, data):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    _load(path)


@SETTINGS
@given(tree=TREES)
def test_random_yaml_trees_raise_only_source_error(tmp_path, tree):
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(tree))
    _load(path)


@SETTINGS
@given(section=st.sampled_from(["moods", "parameters", "stingers", "states", "events"]), tree=TREES)
def test_random_sections_in_a_valid_score_raise_only_source_error(tmp_path, section, tree):
    score = yaml.safe_load(MINIMAL)
    score[section] = tree
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(score))
    _load(path)


@SETTINGS
@given(state=st.dictionaries(NAMES, TREES, max_size=6))
def test_random_state_bodies_raise_only_source_error(tmp_path, state):
    score = yaml.safe_load(MINIMAL)
    score["states"]["b"] = state
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(score))
    _load(path)
