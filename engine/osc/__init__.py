"""The OSC front: ``moodscore serve`` lets Godot, Unity, Unreal (any OSC sender) drive
a ``MusicEngine`` over UDP.

``addresses`` is the address space as a table (what each address takes and does),
``server`` the UDP server that checks messages against it and forwards them to the
engine, ``replies`` the cues sent back to subscribers when they sound, ``serve`` the
command, and ``client`` a python-osc client for tests, benches and Python tools.
``docs/osc.md`` documents the address space for people writing clients.
"""
