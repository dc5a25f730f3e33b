"""SharedRegion: one block of memory mapped by the game process and the engine process.

It is a file mapped with ``mmap`` in both processes (in ``/dev/shm`` where there is one,
so it is memory, not disk). The game process creates it and names its path to the
engine process; once both have mapped it, ``unlink()`` removes the name, so nothing is
left behind even if both processes are killed (POSIX; on Windows the file is removed
at ``close()``). No ``multiprocessing.shared_memory``: on Python < 3.13 it starts a
resource-tracker process that unlinks the block when the engine process exits.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from pathlib import Path

_SHM_DIR = Path("/dev/shm")


class SharedRegion:
    """``size_bytes`` of memory shared between processes; ``buf`` is its memoryview."""

    def __init__(self, path: str | os.PathLike, size_bytes: int, *, create: bool):
        self.path = str(path)
        self.size_bytes = int(size_bytes)
        fd = os.open(self.path, os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0), 0o600)
        try:
            if create:
                os.ftruncate(fd, self.size_bytes)
            self._map = mmap.mmap(fd, self.size_bytes)
        finally:
            os.close(fd)
        self.buf = memoryview(self._map)
        self._linked = True

    @classmethod
    def create(cls, size_bytes: int) -> SharedRegion:
        """A new zeroed region under a fresh unique name."""
        folder = str(_SHM_DIR) if _SHM_DIR.is_dir() and os.access(_SHM_DIR, os.W_OK) else None
        fd, path = tempfile.mkstemp(prefix="moodscore-", suffix=".shm", dir=folder)
        os.close(fd)
        os.unlink(path)   # mkstemp only picked the name; __init__ creates it exclusively
        return cls(path, size_bytes, create=True)

    @classmethod
    def attach(cls, path: str | os.PathLike, size_bytes: int) -> SharedRegion:
        """Map an existing region (the engine process's side)."""
        return cls(path, size_bytes, create=False)

    def unlink(self) -> None:
        """Remove the region's name (both sides keep their mapping). Idempotent."""
        if self._linked:
            self._linked = False
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            except PermissionError:   # Windows: still open; close() retries
                self._linked = True

    def close(self) -> None:
        """Unmap (views of ``buf`` must be released first) and remove the name."""
        if self._map.closed:
            return
        self.buf.release()
        self._map.close()
        self.unlink()
