"""Real-time playback: clock, arranger, plan, sequencer, player, stingers, streaming outputs.

``Synth`` is imported lazily (it loads FluidSynth) so the audio-callback path and the
pure parts never pull it in.
"""

from engine.playback.arranger import Arranger, ArrangerConfig, LAYER_CHANNELS, active_layers, layer_gains
from engine.music.sync import SyncPoint
from engine.playback.conductor import ClockConfig, Conductor, sync_frame
from engine.playback.outputs import OUTPUTS, NullOutput, PygameOutput, SoundDeviceOutput, WavOutput, open_output
from engine.playback.plan import Plan
from engine.playback.player import Cue, Player, PlayerConfig
from engine.playback.segments import Segment
from engine.playback.sequencer import Sequencer
from engine.playback.stingers import Stinger
from engine.playback.stream import AudioStream, StreamConfig
from engine.playback.voices import VoiceGate

__all__ = [
    "Arranger", "ArrangerConfig", "LAYER_CHANNELS", "active_layers", "layer_gains", "ClockConfig", "Conductor",
    "SyncPoint", "sync_frame", "OUTPUTS", "NullOutput", "PygameOutput", "SoundDeviceOutput", "WavOutput", "open_output",
    "Cue", "Plan", "Player", "PlayerConfig", "Segment", "Sequencer", "Stinger", "AudioStream", "StreamConfig", "Synth",
    "VoiceGate",
]


def __getattr__(name):
    if name == "Synth":
        from engine.playback.synth import Synth
        return Synth
    raise AttributeError(name)
