"""OSC benchmark: prints ONE JSON line.

The server (``OscServer`` in front of a ``MusicEngine`` on the dungeon score, 48 kHz,
256-frame blocks, 3 buffered, the ``virtual`` output on threads of this process, as
``moodscore serve`` runs it) and a python-osc client in another process, as a game
would be. Three phases:

1. latency: ``--probes`` messages ``/moodscore/param danger <v>``, 10-30 ms apart, each
   value unique; the engine's ``apply`` is timed (perf_counter, the same clock in both
   processes), so each message's latency is send -> applied at its control frame.
2. immediate: ``--immediates`` state changes with sync ``immediate``, the client
   subscribed: send -> the ``/moodscore/transition`` cue back at the client, i.e. when
   the output took the block where the change sounds (its audible onset; a device adds
   its own buffer, one block, after that).
3. load: ``--rate`` messages a second for ``--seconds`` (unique parameter values, an
   event every 100th): every one must arrive and take effect, with no underrun or late
   read of the output. The engine coalesces a parameter set again before its last value
   was applied (``calls_coalesced``), so a message's change takes effect at the control
   frame where it or a later value of the same parameter is applied: that is its
   latency, and a message no applied value covers is lost (``load_lost``).

The baseline, in the same run: the same probes as direct ``set_parameter`` calls from a
thread of the server's process (no OSC), timed the same way (``direct_applied_ms_*``):
what the control frame itself costs, so the difference is what OSC adds.

Goal: applied within one block + 2 ms at p99, nothing lost. The machine is shared
with other work: ``loadavg`` is reported, and ``machine_stalls`` counts the times a
process that only sleeps was woken more than a block late meanwhile (``stall_probe.py``):
an underrun the machine also had. Usage: python bench/osc.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import bisect
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.api import MusicEngine  # noqa: E402
from engine.calls import SetParameter  # noqa: E402
from engine.osc.client import MoodscoreClient  # noqa: E402
from engine.osc.serve import start_here  # noqa: E402
from engine.osc.server import OscServer  # noqa: E402
from stall_probe import StallProbe  # noqa: E402

SCORE = ROOT / "demo" / "scores" / "dungeon.yaml"
RATE_HZ, BLOCK = 48000, 256
EVENTS = ("item_pickup", "player_hurt", "enemy_spotted", "enemy_lost")


class TimedEngine(MusicEngine):
    """The engine with its render side's ``apply`` timed: (perf_counter, call) per call."""

    applied: list

    def apply(self, call, frame: int) -> None:
        self.applied.append((time.perf_counter(), call))
        super().apply(call, frame)


def _f32(value: float) -> float:
    return float(np.float32(value))   # what an OSC float carries


# ------------------------------------------------------------ the client process

def client_main(port: int, args: dict, out) -> None:
    """Runs in its own process: the three phases; sends back what it sent, and when."""
    with MoodscoreClient(port=port) as client:
        client.subscribe()
        probes = _probes(client, args["probes"])
        immediates = _immediates(client, args["immediates"])
        load = _load(client, args["rate"], args["seconds"])
        time.sleep(0.2)
        counters = client.counters(timeout_s=5.0)
    out.send({"probes": probes, "immediates": immediates, "load": load, "counters": counters})


def _probes(client: MoodscoreClient, n: int) -> list[tuple[float, float]]:
    sent, rng = [], np.random.default_rng(1)
    for i in range(n):
        value = _f32(0.2 + i * 1e-4)
        t = time.perf_counter()
        client.param("danger", value)
        sent.append((value, t))
        time.sleep(rng.uniform(0.010, 0.030))
    return sent


def _immediates(client: MoodscoreClient, n: int) -> list[float]:
    heard = []
    for i in range(n):
        client.drain()
        target = ("combat", "explore")[i % 2]
        t = time.perf_counter()
        client.state(target, "immediate")
        cue = client.wait_for("/moodscore/transition", timeout_s=2.0, where=lambda m: m.args[1] == target)
        heard.append(cue.arrived_s - t)
        time.sleep(0.3)
    return heard


def _load(client: MoodscoreClient, rate: float, seconds: float) -> dict:
    n, period = int(rate * seconds), 1.0 / rate
    start, values, events = time.perf_counter(), [], 0
    for i in range(n):
        due = start + i * period
        while time.perf_counter() < due:
            if due - time.perf_counter() > 0.002:
                time.sleep(0.001)
        if i % 100 == 99:
            client.event(EVENTS[(i // 100) % len(EVENTS)])
            events += 1
        else:
            value = _f32(0.3 + (i % 50000) * 1e-5 + (i // 50000) * 0.5)
            client.param("health", value)
            values.append((value, time.perf_counter()))
    return {"sent": n, "events": events, "params": values, "took_s": time.perf_counter() - start}


# ------------------------------------------------------------ the server side

def _direct_probes(engine: MusicEngine, n: int) -> list[tuple[float, float]]:
    """The baseline: ``n`` direct calls, 10-30 ms apart, values unique (below the OSC probes')."""
    sent, rng = [], np.random.default_rng(2)
    for i in range(n):
        value = _f32(0.1 + i * 1e-4)
        sent.append((value, time.perf_counter()))
        engine.set_parameter("danger", value)
        time.sleep(rng.uniform(0.010, 0.030))
    return sent


def _covered_ms(sent: list[tuple[float, float]], applied: dict[float, float]) -> tuple[np.ndarray, int]:
    """Each message's latency to the first applied value sent at or after it (coalescing
    keeps the newest), and how many no applied value covers."""
    applied_at = [(i, applied[v]) for i, (v, _) in enumerate(sent) if v in applied]
    indices = [i for i, _ in applied_at]
    latencies, lost = [], 0
    for i, (_, t_sent) in enumerate(sent):
        j = bisect.bisect_left(indices, i)
        if j == len(indices):
            lost += 1
        else:
            latencies.append((applied_at[j][1] - t_sent) * 1000.0)
    return np.array(latencies), lost


def _latencies_ms(sent: list[tuple[float, float]], applied: dict[float, float]) -> np.ndarray:
    return np.array([(applied[v] - t) * 1000.0 for v, t in sent if v in applied])


def _pct(values, q) -> float | None:
    return round(float(np.percentile(values, q)), 3) if len(values) else None


def run(args: argparse.Namespace) -> dict:
    engine = TimedEngine.load(SCORE, seed=1, sample_rate_hz=RATE_HZ, block_frames=BLOCK, latency_blocks=3)
    engine.applied = []
    start_here(engine, "virtual")   # on threads of this process, as moodscore serve plays
    load_before = os.getloadavg()
    with StallProbe(1000.0 * BLOCK / RATE_HZ) as stalls:
        direct = _direct_probes(engine, args.probes // 2)
        with OscServer(engine, port=0) as server:
            receive, send = multiprocessing.Pipe(duplex=False)
            client = multiprocessing.get_context("spawn").Process(
                target=client_main, args=(server.address[1], vars(args), send), daemon=True)
            client.start()
            sent = receive.recv()
            client.join(timeout=10)
            time.sleep(0.1)
            snap = engine.snapshot()
    engine.close()
    sent["direct"] = direct
    return _report(args, engine, sent, snap, server.counters, load_before, stalls)


def _report(args, engine: TimedEngine, sent: dict, snap, osc: dict, load_before, stalls: StallProbe) -> dict:
    applied = {c.value: t for t, c in engine.applied if isinstance(c, SetParameter)}
    probe_ms = _latencies_ms(sent["probes"], applied)
    direct_ms = _latencies_ms(sent["direct"], applied)
    load_ms, load_lost = _covered_ms(sent["load"]["params"], applied)
    total_sent = 2 + len(sent["probes"]) + len(sent["immediates"]) + sent["load"]["sent"]   # + subscribe, counters
    heard_ms = np.array(sent["immediates"]) * 1000.0
    block_ms = 1000.0 * BLOCK / RATE_HZ
    return {
        "bench": "osc", "output": "virtual (in-process, as moodscore serve)", "block_ms": round(block_ms, 3),
        "probes": len(sent["probes"]), "applied_ms_p50": _pct(probe_ms, 50), "applied_ms_p99": _pct(probe_ms, 99),
        "applied_ms_max": _pct(probe_ms, 100), "goal_applied_ms_p99": round(block_ms + 2.0, 3),
        "direct_applied_ms_p50": _pct(direct_ms, 50), "direct_applied_ms_p99": _pct(direct_ms, 99),
        "immediate_heard_ms_p50": _pct(heard_ms, 50), "immediate_heard_ms_p99": _pct(heard_ms, 99),
        "load_rate_msgs_per_s": args.rate, "load_seconds": args.seconds,
        "load_send_took_s": round(sent["load"]["took_s"], 2),
        "load_applied_ms_p50": _pct(load_ms, 50), "load_applied_ms_p99": _pct(load_ms, 99),
        "load_applied_ms_max": _pct(load_ms, 100),
        "sent": total_sent, "received": osc["messages"], "lost_in_transit": total_sent - osc["messages"],
        "load_lost": load_lost, "calls_coalesced": snap.counters.get("calls_coalesced"),
        "calls_dropped": snap.counters.get("calls_dropped"),
        "bad_messages": osc["not_osc"] + osc["unknown_address"] + osc["bad_arguments"],
        "underruns": snap.underruns, "late_reads": snap.counters.get("late_reads"),
        "machine_stalls": stalls.stalls, "machine_stall_worst_ms": stalls.worst_ms,
        "rejected_calls": snap.counters["rejected_calls"], "render_errors": snap.counters["render_errors"],
        "loadavg_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load phase")
    parser.add_argument("--rate", type=float, default=1000.0, help="messages per second in the load phase")
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--immediates", type=int, default=20)
    print(json.dumps(run(parser.parse_args())))


if __name__ == "__main__":
    main()
