"""The engine's one exception for failures outside the caller's input."""


class EngineError(RuntimeError):
    """FluidSynth, an audio device or a model file failed in a way the caller did not cause."""
