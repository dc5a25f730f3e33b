import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.music.events import Kind, MidiEvent, TimedEvent, control, note_off, note_on, program
from engine.music.example import example_song
from engine.music.midi import RAMP_STEP_TICKS, MidiFileError, Song, Track, read_midi, song_events, tempo_steps, write_midi
from engine.music.notes import PPQ, Meter
from engine.music.tempo import TempoMap, TempoSegment


def _song():
    events = (
        (0, control(0, 0, 1)), (0, program(0, 5, 128)), (0, MidiEvent(Kind.PITCH_BEND, 0, 0)),
        (0, note_on(0, 60, 100)), (PPQ, note_off(0, 60)), (PPQ, MidiEvent(Kind.PITCH_BEND, 0, 16383)),
        (PPQ, note_on(0, 64, 1)), (5 * PPQ + 7, note_off(0, 64)),
    )
    drums = ((0, note_on(9, 36, 127)), (PPQ // 2, note_off(9, 36)))
    tempo = TempoMap([TempoSegment(0.0, 120.0), TempoSegment(2.0, 75.0), TempoSegment(4.5, 60_000_000 / 600_001)])
    meters = ((0, Meter(4, 4)), (4 * PPQ, Meter(6, 8)))
    return Song(tempo, meters, (Track("lead", events), Track("", ()), Track("drums", drums)))


def test_round_trip_is_exact(tmp_path):
    song = _song()
    write_midi(song, tmp_path / "a.mid")
    assert read_midi(tmp_path / "a.mid") == song


def test_example_round_trip(tmp_path):
    song = example_song(4)
    write_midi(song, tmp_path / "e.mid")
    assert read_midi(tmp_path / "e.mid") == song


def test_type0_and_other_resolution(tmp_path):
    midi = mido.MidiFile(type=0, ticks_per_beat=96)
    track = mido.MidiTrack()
    track += [
        mido.MetaMessage("set_tempo", tempo=400000, time=0),
        mido.Message("program_change", channel=2, program=33, time=0),
        mido.Message("note_on", channel=2, note=40, velocity=90, time=48),
        mido.Message("note_on", channel=2, note=40, velocity=0, time=96),
    ]
    midi.tracks.append(track)
    midi.save(tmp_path / "t0.mid")
    song = read_midi(tmp_path / "t0.mid")
    assert song.tempo_map == TempoMap.constant(150.0)
    assert song.tracks == (Track("", ((0, program(2, 33)), (240, note_on(2, 40, 90)), (720, note_off(2, 40)))),)


def test_ramps_are_written_as_steps_that_keep_time(tmp_path):
    tempo = TempoMap([TempoSegment(0.0, 60.0, True), TempoSegment(8.0, 180.0)])
    song = Song(tempo, tracks=(Track("x", ((0, note_on(0, 60, 90)), (8 * PPQ, note_off(0, 60)))),))
    steps = tempo_steps(tempo, 8 * PPQ)
    assert len(steps) == 8 * PPQ // RAMP_STEP_TICKS + 1
    write_midi(song, tmp_path / "r.mid")
    back = read_midi(tmp_path / "r.mid")
    assert abs(back.tempo_map.seconds_at(8.0) - tempo.seconds_at(8.0)) < 1e-4
    assert back.tracks == song.tracks


def test_song_events_frames_sorted():
    song = _song()
    events = song_events(song, 48000)
    assert events == sorted(events)
    assert events[0] == TimedEvent(0, control(0, 0, 1)) or events[0].frame == 0
    offs = [t.frame for t in events if t.event == note_off(0, 60)]
    assert offs == [24000]  # one quarter at 120 bpm


def test_missing_file(tmp_path):
    with pytest.raises(OSError, match="nope.mid"):
        read_midi(tmp_path / "nope.mid")


@pytest.mark.parametrize("data", [b"", b"hello, not midi at all", b"MThd\x00\x00\x00\x06\x00\x01"])
def test_corrupt_empty_truncated(tmp_path, data):
    path = tmp_path / "bad.mid"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=r"bad\.mid: (not a MIDI file|truncated MIDI file: the 14-byte header)"):
        read_midi(path)


def test_truncated_real_file(tmp_path):
    write_midi(example_song(2), tmp_path / "ok.mid")
    data = (tmp_path / "ok.mid").read_bytes()
    (tmp_path / "cut.mid").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.mid: truncated MIDI file: track \d of \d should hold \d+ bytes"):
        read_midi(tmp_path / "cut.mid")


def test_negative_and_unsorted_times():
    with pytest.raises(ValueError, match="negative time -5"):
        Track("lead", ((-5, note_on(0, 60, 90)),))
    with pytest.raises(ValueError, match="sorted"):
        Track("lead", ((10, note_on(0, 60, 90)), (5, note_off(0, 60))))


def test_out_of_range_program_numbers():
    with pytest.raises(ValueError, match="program value: 128"):
        program(0, 128)
    with pytest.raises(TypeError, match="MidiEvent"):
        Track("lead", ((0, ("program", 5)),))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 600), flips=st.lists(st.tuples(st.integers(0, 599), st.integers(0, 255)), max_size=6))
def test_mangled_midi_raises_only_midi_file_error(tmp_path, cut, flips):
    write_midi(example_song(2), tmp_path / "ok.mid")
    data = bytearray((tmp_path / "ok.mid").read_bytes()[:cut])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    (tmp_path / "bad.mid").write_bytes(bytes(data))
    try:
        read_midi(tmp_path / "bad.mid")
    except MidiFileError as exc:
        assert str(exc).startswith(f"{tmp_path / 'bad.mid'}: ") and "\n" not in str(exc)
