"""The moods every score can use without defining them; a score may override any of them.

Valence runs from dark (0) to bright (1), arousal from calm (0) to excited (1), after
Russell's circumplex. Programs are General MIDI, 0-based; percussion's program picks
a GM drum kit (0 standard, 16 power, 48 orchestra).
"""

from __future__ import annotations

from types import MappingProxyType

from engine.music.intent import Instrumentation
from engine.score.format import Mood


def _mood(name: str, valence: float, arousal: float, **programs: int) -> Mood:
    return Mood(name, valence, arousal, Instrumentation(tuple(programs.items())))


DEFAULT_MOODS = MappingProxyType({
    mood.name: mood
    for mood in (
        # pad: warm pad, bass: fretless, melody: flute, counter: harp
        _mood("calm", 0.65, 0.2, pad=89, bass=35, melody=73, counter=46, percussion=0),
        # choir pad, synth bass, celesta, vibraphone
        _mood("mysterious", 0.4, 0.35, pad=91, bass=38, melody=8, counter=11, percussion=0),
        # tremolo strings, contrabass, oboe, pizzicato; orchestra kit
        _mood("tense", 0.3, 0.65, pad=44, bass=43, melody=68, counter=45, percussion=48),
        # string ensemble, picked bass, brass section, overdriven guitar; power kit
        _mood("action", 0.45, 0.9, pad=48, bass=34, melody=61, counter=29, percussion=16),
        # string ensemble, tuba, trumpet, french horn; orchestra kit
        _mood("triumphant", 0.9, 0.75, pad=48, bass=58, melody=56, counter=60, percussion=48),
        # bowed pad, cello, english horn, piano
        _mood("sad", 0.15, 0.2, pad=92, bass=42, melody=69, counter=0, percussion=0),
        # marimba, acoustic bass, clarinet, pizzicato
        _mood("playful", 0.8, 0.6, pad=12, bass=32, melody=71, counter=45, percussion=0),
    )
})
"""calm, mysterious, tense, action, triumphant, sad, playful."""
