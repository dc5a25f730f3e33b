"""Where a cutscene's cues came from, for messages: a line of its YAML, or a timeline's marker.

A cue read from a YAML file is reported as ``ambush.yaml:14: cues[3].at: ...``; one
read from a marker of an editorial timeline has no line, so it is reported by the
marker: ``cut.otio: marker 'door' at 00:00:04:12: accent: 1.5 is outside 0..1``.
``CueProblems`` collects both kinds into one ``SourceError``; a problem's path starts
with a ``MarkerRef`` when it is about a marker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from engine.score.source import Problem, Problems, format_path


@dataclass(frozen=True, slots=True)
class MarkerRef:
    """The first element of a problem path about a timeline's marker."""

    file: Path
    label: str             # "marker 'door' at 00:00:04:12"

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, slots=True)
class LabelledProblem(Problem):
    """A problem with no line to point at: ``file: label: path: message``."""

    label: str = ""

    def __str__(self) -> str:
        parts = [self.file] + [self.label] * bool(self.label) + [format_path(self.yaml_path)] * bool(self.yaml_path)
        return ": ".join(parts + [self.message])


class CueProblems(Problems):
    """Problems of a cutscene: YAML paths get the document's lines, marker paths their label;
    a document with no lines (one made up for a timeline alone) gets no line either."""

    def add(self, path: Sequence, message: str) -> None:
        path = tuple(path)
        if path and isinstance(path[0], MarkerRef):
            self.items.append(LabelledProblem(str(path[0].file), 0, path[1:], message, path[0].label))
        elif not self.doc.lines:
            self.items.append(LabelledProblem(str(self.doc.file), 0, path, message))
        else:
            super().add(path, message)
