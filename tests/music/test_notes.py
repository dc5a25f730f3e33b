import pytest

from engine.music.notes import PPQ, Bar, Chord, Meter, Note


def test_meter_arithmetic():
    assert Meter(4, 4).ticks_per_bar == 4 * PPQ
    assert Meter(6, 8).beats_per_bar == 2 and Meter(6, 8).ticks_per_beat == 3 * PPQ // 2
    assert Meter(3, 4).beats_per_bar == 3
    assert Meter.parse("2/2") == Meter(2, 2) and str(Meter(9, 8)) == "9/8"


@pytest.mark.parametrize("num, den", [(0, 4), (4, 3), (4, 0), (33, 4)])
def test_meter_rejects_bad_values(num, den):
    with pytest.raises(ValueError):
        Meter(num, den)


def test_meter_rejects_wrong_type_and_text():
    with pytest.raises(TypeError):
        Meter("4", 4)
    with pytest.raises(ValueError, match="N/D"):
        Meter.parse("four")


def test_note_validation_names_field():
    assert Note(60, 0, PPQ).end_ticks == PPQ
    with pytest.raises(ValueError, match="pitch"):
        Note(128, 0, PPQ)
    with pytest.raises(ValueError, match="start_ticks"):
        Note(60, -1, PPQ)
    with pytest.raises(ValueError, match="duration"):
        Note(60, 0, 0)
    with pytest.raises(TypeError):
        Note(60.0, 0, PPQ)


def test_chord_validation_and_pitch_classes():
    assert Chord(7, "dom7", 0, PPQ).pitch_classes() == (7, 11, 2, 5)
    with pytest.raises(ValueError, match="quality"):
        Chord(0, "major-ish", 0, PPQ)
    with pytest.raises(ValueError, match="root_pc"):
        Chord(12, "maj", 0, PPQ)


def test_bar_checks_notes_inside_and_sorted():
    meter = Meter(3, 4)
    Bar(meter, (Note(60, 0, PPQ), Note(62, PPQ, 2 * PPQ)))
    with pytest.raises(ValueError, match="past the bar"):
        Bar(meter, (Note(60, 0, 4 * PPQ),))
    with pytest.raises(ValueError, match="sorted"):
        Bar(meter, (Note(62, PPQ, PPQ), Note(60, 0, PPQ)))
    with pytest.raises(ValueError, match="mode"):
        Bar(meter, mode="happy")


def test_bar_carries_more_voices_without_changing_the_melody():
    meter = Meter(2, 4)
    melody = (Note(72, 0, PPQ),)
    bass = (Note(36, 0, PPQ), Note(43, PPQ, PPQ))
    bar = Bar(meter, melody, other_voices=(("bass", bass),))
    assert bar.melody == melody and bar.voice("melody") == melody
    assert bar.voice("bass") == bass and bar.voice("counter") == ()
    assert list(bar.voices) == ["melody", "bass"] and bar.voices["bass"] == bass
    assert bar != Bar(meter, melody) and Bar(meter, melody).voices == {"melody": melody}


@pytest.mark.parametrize("voices, message", [
    ((("melody", ()),), "given twice"),
    ((("bass", ()), ("bass", ())), "given twice"),
    ((("", ()),), "empty"),
    ((("bass", (Note(36, PPQ, PPQ), Note(38, 0, PPQ))),), "bass notes must be sorted"),
    ((("bass", (Note(36, 0, 3 * PPQ),)),), "past the bar"),
])
def test_bar_checks_every_voice(voices, message):
    with pytest.raises(ValueError, match=message):
        Bar(Meter(2, 4), other_voices=voices)


def test_bar_voice_must_hold_notes():
    with pytest.raises(TypeError, match="bass"):
        Bar(Meter(2, 4), other_voices=(("bass", ((36, 0, 480),)),))
