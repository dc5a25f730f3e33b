import pytest

from engine.music.keys import Key, diatonic_triads, parse_pitch_class


def test_parse_keys():
    assert Key.parse("D minor") == Key(2, "minor")
    assert Key.parse("Bb") == Key(10, "major")
    assert str(Key.parse("F# dorian")) == "F# dorian"
    assert parse_pitch_class("Ebb") == 2


def test_key_scale_and_transpose():
    assert Key(0, "major").scale_pcs() == (0, 2, 4, 5, 7, 9, 11)
    assert Key(9, "minor").is_minor and Key(9, "minor").transpose_offset() == -3
    assert Key(7).contains(66) and not Key(7).contains(65)


def test_diatonic_triads_major():
    assert [q for _, q in diatonic_triads("major")] == ["maj", "min", "min", "maj", "maj", "min", "dim"]


@pytest.mark.parametrize("text", ["H major", "C major minor", "", "Cx"])
def test_bad_key_text(text):
    with pytest.raises(ValueError):
        Key.parse(text)


def test_key_validation():
    with pytest.raises(ValueError, match="tonic_pc"):
        Key(12)
    with pytest.raises(TypeError):
        Key(True)
    with pytest.raises(ValueError, match="mode"):
        Key(0, "happy")
