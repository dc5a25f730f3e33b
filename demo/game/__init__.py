"""The moodscore demo game: a top-down dungeon arena scored by the engine."""
