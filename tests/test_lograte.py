"""WarnedNames: each name once, and never more than the bound held."""

from __future__ import annotations

import logging

from engine.lograte import NAME_FORMAT, WarnedNames, worth_logging


def test_each_name_is_first_once_and_the_set_stays_bounded(caplog):
    warned = WarnedNames(logging.getLogger("test"), max_names=3)
    assert [warned.first(name) for name in ("a", "b", "a", "c", "d", "e", "b")] == [True, True, False, True,
                                                                                       False, False, False]
    assert len(warned) == 3
    assert sum("distinct unknown names" in r.message for r in caplog.records) == 1


def test_a_long_name_is_logged_cut_short():
    assert len(NAME_FORMAT % ("x" * 1_000_000)) == 80


def test_a_repeating_fault_is_logged_at_powers_of_two():
    assert [n for n in range(0, 70) if worth_logging(n)] == [1, 2, 4, 8, 16, 32, 64]
