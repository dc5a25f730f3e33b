"""Progress bars for corpus builds and training epochs: ``engine.progress`` (tqdm) under
the name the composer has always imported."""

from engine.progress import AudioProgress, Progress

__all__ = ["AudioProgress", "Progress"]
