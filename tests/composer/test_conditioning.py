"""The composer lays out an intent's conditioning as the model's spec says: with or without the form position."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.composer import attributes
from engine.composer.composer import Composer, intent_conditioning
from engine.music.intent import Intent
from engine.music.notes import Meter

from .conftest import SPEC


def test_a_position_spec_appends_the_bar_form():
    form = attributes.default_form(7)
    vector = intent_conditioning(Intent(), SPEC, 0.0, form)
    assert vector.shape == (SPEC.size,)
    np.testing.assert_array_equal(vector[4 + len(SPEC.meters):], attributes.position_vector(form))
    assert vector[4 + SPEC.meters.index("4/4")] == 1.0


def test_a_spec_without_position_is_the_old_layout():
    old = replace(SPEC, size=4 + 8, meters=SPEC.meters[:8], position_fields=())
    vector = intent_conditioning(Intent(), old, 0.0, attributes.default_form(3))
    assert vector.shape == (12,) and vector[4] == 1.0


def test_without_a_planner_the_composer_asks_its_form_of_each_bar(random_model):
    composer = Composer.load(random_model, seed=4, guard=False, form=None)
    asked = []
    composer.form_of = lambda bar: asked.append(bar) or attributes.default_form(bar)
    for bar in range(3):
        composer.compose_bar(Intent(), bar)
    assert asked == [0, 1, 2]


def test_the_shipped_model_still_loads_and_composes():
    composer = Composer.load(seed=1)
    assert composer.compose_bar(Intent(meter=Meter(6, 8)), 0).melody
