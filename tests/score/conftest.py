"""Helpers shared by the score tests: write a score YAML into a temporary folder."""

import textwrap

import pytest

MINIMAL = """\
version: 1
name: T
initial_state: a
parameters:
  danger: {range: [0, 1], default: 0, smoothing_s: 1.0}
stingers:
  hit: {mood: tense}
states:
  a: {mood: calm, tempo: 100}
  b: {mood: tense, tempo: 120, intensity: {parameter: danger}}
events:
  go: {from: a, to: b}
"""


@pytest.fixture
def write_score(tmp_path):
    def write(text: str, name: str = "score.yaml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path
    return write
