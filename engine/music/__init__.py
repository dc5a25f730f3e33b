"""Pure music types: notes, bars, meters, keys, chords, tempo maps, MIDI files.

Nothing here imports anything heavier than mido and numpy.
"""

from engine.music.notes import PPQ, Bar, Chord, Meter, Note
from engine.music.keys import Key, CHORD_QUALITIES, MODES
from engine.music.tempo import TempoMap, TempoSegment

__all__ = [
    "PPQ", "Bar", "Chord", "Meter", "Note", "Key", "CHORD_QUALITIES", "MODES",
    "TempoMap", "TempoSegment",
]
