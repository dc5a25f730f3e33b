"""moodscore: an adaptive music engine for games and scripted scenes.

``from engine import MusicEngine`` is the one object a game holds (see ``engine.api``).
"""

__version__ = "0.1.0"
__all__ = ["MusicEngine", "EngineConfig", "EngineSnapshot"]


def __getattr__(name: str):
    # Lazy, so `import engine` (and `moodscore check`) stays light.
    if name in __all__:
        from engine import api

        return getattr(api, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
