"""RMSProp against values worked out by hand."""
import numpy as np
import pytest

from optimizers import RMSProp


def test_one_rmsprop_step_matches_hand_computed_value():
    param = np.array([1.0, -2.0], dtype=np.float32)
    grad = np.array([0.5, -0.1], dtype=np.float32)
    RMSProp([(param, grad)], learning_rate=0.01, decay=0.9, epsilon=1e-8).step()
    # cache = 0.1·g² = [0.025, 0.001]; step = 0.01·g/√cache = [0.0316228, -0.0316228]
    np.testing.assert_allclose(param, [1.0 - 0.0316228, -2.0 + 0.0316228], rtol=1e-6)


def test_second_step_uses_the_decayed_cache():
    param = np.array([0.0])
    grad = np.array([2.0])
    optimizer = RMSProp([(param, grad)], learning_rate=0.1, decay=0.9, epsilon=0.0)
    optimizer.step()
    grad[:] = 1.0
    optimizer.step()
    # cache₁ = 0.1·4 = 0.4; cache₂ = 0.9·0.4 + 0.1·1 = 0.46
    assert optimizer.caches[0][0] == pytest.approx(0.46)
    assert param[0] == pytest.approx(-0.1 * 2 / np.sqrt(0.4) - 0.1 * 1 / np.sqrt(0.46))


def test_defaults_are_the_documented_ones():
    optimizer = RMSProp([])
    assert (optimizer.learning_rate, optimizer.decay, optimizer.epsilon) == (0.001, 0.9, 1e-8)


def test_a_parameter_whose_gradient_is_always_zero_does_not_move():
    param = np.array([3.0], dtype=np.float32)
    optimizer = RMSProp([(param, np.zeros(1, np.float32))])
    for _ in range(2000):
        optimizer.step()
    assert param[0] == 3.0


def test_a_cache_decayed_into_denormals_still_gives_the_formula_s_step():
    param, grad = np.zeros(1, np.float32), np.array([1e-3], np.float32)
    optimizer = RMSProp([(param, grad)], learning_rate=0.01)
    optimizer.step()
    grad[:] = 0
    for _ in range(700):  # 0.9**700 · 1e-7 is below float32's smallest normal number
        optimizer.step()
    cache = optimizer.caches[0][0]
    assert 0 < cache < np.finfo(np.float32).tiny
    before = param[0]
    grad[:] = 2e-3
    optimizer.step()
    expected_cache = np.float32(0.9) * cache + np.float32(0.1) * np.float32(4e-6)
    assert param[0] == pytest.approx(before - 0.01 * 2e-3 / (np.sqrt(expected_cache) + 1e-8), rel=1e-6)
