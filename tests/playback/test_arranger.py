from engine.music.events import Kind
from engine.music.intent import Intent
from engine.music.keys import Key
from engine.music.notes import Bar, Chord, Meter, Note
from engine.playback.arranger import Arranger, active_layers, layer_gains

BAR = Bar(Meter(4, 4), (Note(64, 0, 480), Note(67, 480, 960)), (Chord(0, "maj", 0, 1920),))


def events(intent, bar=BAR, **kw):
    return Arranger().arrange(bar, intent, lambda tick: tick * 50, **kw)


def test_layers_on_their_channels_with_programs_from_instrumentation():
    evs = events(Intent(arousal=0.8))
    assert {t.event.channel for t in evs} == {0, 1, 2, 3, 9}
    programs = {t.event.channel: t.event.a for t in evs if t.event.kind == Kind.PROGRAM}
    assert programs == {0: 48, 1: 32, 2: 73, 3: 46, 9: 0}


def test_transposed_to_the_key():
    melody = [t.event.a for t in events(Intent(key=Key(2), intensity=0.5)) if t.event.channel == 2 and t.event.kind == Kind.NOTE_ON]
    assert melody == [66, 69]


def test_arousal_drives_bass_and_drums_and_meter_matters():
    def count(intent, channel, bar=BAR):
        return sum(1 for t in events(intent, bar) if t.event.channel == channel and t.event.kind == Kind.NOTE_ON)
    assert count(Intent(arousal=0.1), 1) < count(Intent(arousal=0.5), 1) < count(Intent(arousal=0.9), 1)
    assert count(Intent(arousal=0.1), 9) < count(Intent(arousal=0.9), 9)
    six8 = Bar(Meter(6, 8), (), (Chord(0, "maj", 0, 1440),))
    assert count(Intent(arousal=0.5, meter=Meter(6, 8)), 1, six8) == 2   # two dotted beats


def test_intensity_brings_layers_in_in_order_within_the_allowed():
    assert active_layers(Intent(intensity=0.0)) == ("pad",)
    assert active_layers(Intent(intensity=0.5)) == ("pad", "bass", "melody")
    assert active_layers(Intent(intensity=1.0, layers=("bass", "percussion"))) == ("bass", "percussion")
    assert layer_gains(Intent(intensity=0.0, layers=("melody",)))["melody"] == 1.0


def test_from_frame_drops_earlier_notes_but_restrikes_the_pad():
    evs = events(Intent(), from_frame=30000)
    assert min(t.frame for t in evs) == 30000
    assert {t.event.channel for t in evs if t.event.kind == Kind.NOTE_ON and t.frame == 30000} >= {0}


def test_the_layer_table_is_one_row_per_layer_with_one_writer_signature():
    from engine.music.intent import LAYERS
    from engine.playback.arranger import LAYER_CHANNELS, LAYER_SPECS, BarContext

    assert tuple(s.name for s in LAYER_SPECS) == LAYERS
    assert LAYER_CHANNELS == {"pad": 0, "bass": 1, "melody": 2, "counter": 3, "percussion": 9}
    for spec in LAYER_SPECS:
        for start, end, pitch, velocity in spec.write(BAR, Intent(arousal=0.9, intensity=0.9), BarContext(0, 0, 8)):
            assert 0 <= start < end <= 1920 and 0 <= pitch <= 127 and velocity > 0


def test_a_layer_may_say_when_it_comes_in():
    import dataclasses

    from engine.playback.arranger import LAYER_SPECS

    early_drums = tuple(dataclasses.replace(s, enters_at=0.1) if s.name == "percussion" else s for s in LAYER_SPECS)
    assert active_layers(Intent(intensity=0.15), early_drums) == ("pad", "percussion")
    assert active_layers(Intent(intensity=0.15)) == ("pad",)          # the default rule: 4/5 for drums
    assert layer_gains(Intent(intensity=0.15), early_drums)["percussion"] == 1.0


def test_a_layer_row_with_its_own_writer_is_arranged_on_its_channel():
    import dataclasses

    from engine.playback.arranger import LAYER_SPECS, ArrangerConfig

    def drone(bar, intent, at):
        yield 0, bar.meter.ticks_per_bar, 36 + at.transpose, 70

    layers = tuple(dataclasses.replace(s, write=drone, channel=6) if s.name == "counter" else s for s in LAYER_SPECS)
    evs = Arranger(ArrangerConfig(layers=layers)).arrange(BAR, Intent(key=Key(2)), lambda tick: tick * 50)
    ons = [t.event.a for t in evs if t.event.channel == 6 and t.event.kind == Kind.NOTE_ON]
    assert ons == [38] and not [t for t in evs if t.event.channel == 3]
