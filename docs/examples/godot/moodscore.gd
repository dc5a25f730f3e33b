# moodscore.gd: drive `moodscore serve` from Godot 4 over OSC (plain UDP, no plugin needed).
# Autoload it as "Music" (Project Settings > Globals), run `moodscore serve SCORE`, then:
#   Music.event("combat_start"); Music.param("danger", 0.8); Music.state("victory", "next_bar")
#   Music.beat.connect(func(bar, beat, tempo_bpm, time_s): $Hud.flash())
extends Node

signal beat(bar: int, beat: int, tempo_bpm: float, time_s: float)
signal bar(bar: int, tempo_bpm: float, meter: String, time_s: float)
signal transition(from_state: String, to_state: String, mood: String, bar: int, beat: int, t: float)
signal stinger(stinger_name: String, bar: int, beat: int, time_s: float)
signal stop(time_s: float)
signal snapshot(fields: Array)  # state mood intensity bar beat tempo meter key time_s underruns...

@export var host := "127.0.0.1"
@export var port := 9000
var _udp := PacketPeerUDP.new()
var _at := 0  # read position in the packet being decoded

func _ready() -> void:
	_udp.connect_to_host(host, port)  # the server's answers and cues come back to this socket
	send("/moodscore/subscribe", [])  # beats, bars, transitions, stingers: sent when heard

func _process(_delta: float) -> void:
	while _udp.get_available_packet_count() > 0:
		_dispatch(_udp.get_packet())

func event(what: String) -> void: send("/moodscore/event", [what])
func param(what: String, value: float) -> void: send("/moodscore/param", [what, value])
func state(what: String, sync := "") -> void:
	send("/moodscore/state", [what] if sync.is_empty() else [what, sync])
func play_stinger(what: String) -> void: send("/moodscore/stinger", [what])
func stop_music(fade_s := 0.5) -> void: send("/moodscore/stop", [fade_s])
func ask_snapshot() -> void: send("/moodscore/snapshot", [])

func send(address: String, args: Array) -> void:
	var tags := ","
	var body := PackedByteArray()
	for value in args:
		if value is String:
			tags += "s"
			body.append_array(_osc_string(value))
			continue
		var word := PackedByteArray([0, 0, 0, 0])
		if value is int:
			tags += "i"
			word.encode_s32(0, value)
		else:
			tags += "f"
			word.encode_float(0, value)
		word.reverse()  # OSC is big-endian
		body.append_array(word)
	_udp.put_packet(_osc_string(address) + _osc_string(tags) + body)

func _osc_string(text: String) -> PackedByteArray:
	var bytes := text.to_utf8_buffer()
	bytes.append(0)
	while bytes.size() % 4 != 0:
		bytes.append(0)
	return bytes

func _read_string(packet: PackedByteArray) -> String:
	var end := packet.find(0, _at)
	var text := packet.slice(_at, end).get_string_from_utf8()
	_at = (end + 4) & ~3
	return text

func _dispatch(packet: PackedByteArray) -> void:
	_at = 0
	var kind := _read_string(packet).trim_prefix("/moodscore/")
	var args := []
	for tag in _read_string(packet).substr(1):
		if tag == "s":
			args.append(_read_string(packet))
			continue
		var word := packet.slice(_at, _at + 4)
		word.reverse()
		_at += 4
		args.append(word.decode_s32(0) if tag == "i" else word.decode_float(0))
	if has_signal(kind):
		callv("emit_signal", [kind] + ([args] if kind == "snapshot" else args))
