"""Adapters that let other engines' audio systems play moodscore: ``pyglet`` (and so
Arcade, which plays through pyglet). Each adapter imports its engine's library itself,
so that library stays an optional extra."""
