"""CallQueue: coalesced per parameter, in order, bounded, a block's worth at a time."""

from __future__ import annotations

import threading

from engine.calls import PostEvent, SetParameter, Stop
from engine.callqueue import CallQueue


def test_a_parameter_keeps_its_last_value_after_the_calls_made_meanwhile():
    queue = CallQueue()
    for call in (SetParameter("danger", 0.1), PostEvent("hit"), SetParameter("health", 0.5),
                 SetParameter("danger", 0.9), Stop(0.5)):
        queue.put(call)
    assert queue.take() == [PostEvent("hit"), SetParameter("health", 0.5), SetParameter("danger", 0.9), Stop(0.5)]
    assert queue.coalesced == 1 and len(queue) == 0


def test_a_million_sets_of_one_parameter_are_one_call():
    queue = CallQueue()
    for i in range(10**6):
        queue.put(SetParameter("danger", i / 10**6))
    assert queue.take() == [SetParameter("danger", (10**6 - 1) / 10**6)] and queue.coalesced == 10**6 - 1


def test_beyond_the_bound_calls_are_dropped_and_the_rest_wait_their_block(caplog):
    queue = CallQueue(max_pending=100, per_block=16)
    for i in range(250):
        queue.put(PostEvent(f"e{i}"))
    assert len(queue) == 100 and queue.dropped == 150
    assert sum("calls dropped" in r.message for r in caplog.records) == 8    # 1, 2, 4, ..., 128
    blocks = []
    while len(queue):
        blocks.append(queue.take())
    assert [len(b) for b in blocks] == [16] * 6 + [4]
    assert [c.name for b in blocks for c in b] == [f"e{i}" for i in range(100)]


def test_threads_lose_nothing_below_the_bound():
    queue = CallQueue()
    taken = []

    def game(index):
        for i in range(500):
            queue.put(PostEvent(f"{index}-{i}"))

    threads = [threading.Thread(target=game, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads) or len(queue):
        taken += queue.take()
    assert sorted(c.name for c in taken) == sorted(f"{t}-{i}" for t in range(4) for i in range(500))
