"""moodscore: an adaptive music engine for games and scripted scenes."""

__version__ = "0.1.0"
