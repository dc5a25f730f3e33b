import numpy as np

from engine.playback.ceiling import CEILING, LIMIT, soft_clip


def test_below_the_ceiling_a_block_is_not_touched():
    block = (0.8 * np.sin(np.linspace(0, 60, 512))).astype(np.float32).reshape(256, 2)
    before = block.copy()
    assert soft_clip(block) == 0
    assert block.tobytes() == before.tobytes()


def test_above_it_samples_bend_below_full_scale_keeping_sign_and_order():
    x = np.linspace(-3.0, 3.0, 2001, dtype=np.float32)
    block = np.stack([x, -x], axis=1)
    bent = soft_clip(block)
    assert bent == np.count_nonzero(np.abs(np.stack([x, -x], axis=1)) > CEILING)
    assert np.abs(block).max() <= LIMIT < 1.0
    assert np.all(np.diff(block[:, 0]) >= 0)                  # still monotonic: no fold-back
    inside = np.abs(x) <= CEILING
    assert np.array_equal(block[inside, 0], x[inside])
    # no corner at the ceiling: the slope just above it is the identity's
    y = np.array([[CEILING + 1e-4, 0.0]], dtype=np.float32)
    soft_clip(y)
    assert abs(y[0, 0] - (CEILING + 1e-4)) < 2e-6
