"""Each layer's backward pass against finite differences of its forward pass (float64)."""
import numpy as np
import pytest

from helpers import numerical_gradient
from layers import Dense, ReLU, Softmax


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_dense_forward_is_x_times_w_plus_b(rng):
    dense = Dense.create(5, 3, rng, dtype=np.float64)
    x = rng.standard_normal((4, 5))
    np.testing.assert_allclose(dense.forward(x), x @ dense.W + dense.b)


def test_dense_backward_matches_finite_differences(rng):
    dense = Dense.create(5, 3, rng, dtype=np.float64)
    dense.b[:] = rng.standard_normal(3)
    x = rng.standard_normal((4, 5))
    upstream = rng.standard_normal((4, 3))  # L = Σ upstream ⊙ z, so ∂L/∂z = upstream

    def loss():
        return np.sum(upstream * dense.forward(x))

    dense.forward(x)
    grad_x = dense.backward(upstream).copy()
    np.testing.assert_allclose(dense.dW, numerical_gradient(loss, dense.W), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dense.db, numerical_gradient(loss, dense.b), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_x, numerical_gradient(loss, x), rtol=1e-6, atol=1e-8)


def test_dense_backward_without_input_gradient_still_fills_parameter_gradients(rng):
    dense = Dense.create(5, 3, rng, dtype=np.float64)
    x = rng.standard_normal((4, 5))
    upstream = rng.standard_normal((4, 3))
    dense.forward(x)
    assert dense.backward(upstream, input_grad=False) is None
    np.testing.assert_allclose(dense.dW, x.T @ upstream)
    np.testing.assert_allclose(dense.db, upstream.sum(axis=0))


def test_he_initialisation_has_variance_two_over_fan_in(rng):
    dense = Dense.create(784, 512, rng)
    assert dense.W.dtype == np.float32
    assert dense.W.var() == pytest.approx(2 / 784, rel=0.02)
    assert not dense.b.any()


def test_relu_backward_matches_finite_differences(rng):
    relu = ReLU()
    z = rng.standard_normal((4, 6))
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the kink, where the derivative is undefined
    upstream = rng.standard_normal((4, 6))

    def loss():
        return np.sum(upstream * relu.forward(z))

    relu.forward(z)
    np.testing.assert_allclose(relu.backward(upstream), numerical_gradient(loss, z), rtol=1e-6, atol=1e-8)


def test_relu_passes_gradient_only_where_input_was_positive():
    relu = ReLU()
    relu.forward(np.array([[-2.0, 0.0, 3.0]]))
    np.testing.assert_array_equal(relu.backward(np.array([[5.0, 5.0, 5.0]])), [[0.0, 0.0, 5.0]])


def test_softmax_rows_are_probabilities_even_for_huge_scores():
    p = Softmax().forward(np.array([[1e4, -1e4, 0.0], [3.0, 3.0, 3.0]]))
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], 1 / 3)


def test_softmax_backward_matches_finite_differences(rng):
    softmax = Softmax()
    z = rng.standard_normal((3, 5))
    upstream = rng.standard_normal((3, 5))

    def loss():
        return np.sum(upstream * softmax.forward(z))

    softmax.forward(z)
    np.testing.assert_allclose(softmax.backward(upstream), numerical_gradient(loss, z), rtol=1e-6, atol=1e-8)
