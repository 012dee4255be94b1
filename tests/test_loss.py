"""Cross-entropy: its value, its stability with huge logits, the fused gradient, and soft targets."""
import numpy as np

from layers import Softmax
from loss import SoftmaxCrossEntropy
from helpers import numerical_gradient


def test_cross_entropy_is_mean_negative_log_probability_of_the_true_class():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    labels = np.array([0, 2])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[[0, 1], labels]))
    assert np.isclose(SoftmaxCrossEntropy().forward(logits, labels), expected, rtol=1e-12)


def test_cross_entropy_stays_finite_for_logits_of_plus_minus_ten_thousand():
    loss = SoftmaxCrossEntropy()
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=np.float32)
    value = loss.forward(logits, np.array([1, 0]))
    grad = loss.backward()
    assert np.isfinite(value) and value > 1e4  # confidently wrong: a huge but finite loss
    assert np.all(np.isfinite(grad))
    assert SoftmaxCrossEntropy().forward(logits, np.array([0, 1])) < np.log(2) + 1e-6


def test_fused_gradient_is_probabilities_minus_one_hot_over_batch():
    logits = np.random.default_rng(1).standard_normal((4, 10))
    labels = np.array([3, 0, 9, 3])
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, labels)
    one_hot = np.eye(10)[labels]
    p = Softmax().forward(logits).copy()
    np.testing.assert_allclose(loss.backward(), (p - one_hot) / 4, rtol=1e-12)


def test_fused_gradient_equals_chain_rule_through_softmax():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((5, 10))
    labels = rng.integers(0, 10, 5)
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, labels)
    fused = loss.backward().copy()
    # Chain rule: ∂L/∂p = −y/(p·batch), then Softmax.backward turns it into ∂L/∂z.
    softmax = Softmax()
    p = softmax.forward(logits)
    grad_p = -np.eye(10)[labels] / (p * len(labels))
    np.testing.assert_allclose(fused, softmax.backward(grad_p), rtol=1e-10, atol=1e-12)


def test_fused_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((3, 10))
    labels = np.array([1, 7, 7])
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, labels)
    analytic = loss.backward().copy()
    numeric = numerical_gradient(lambda: SoftmaxCrossEntropy().forward(logits, labels), logits)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_backward_twice_gives_the_same_gradient_and_leaves_the_probabilities_alone():
    logits = np.random.default_rng(4).standard_normal((6, 10))
    labels = np.array([0, 1, 2, 3, 4, 5])
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, labels)
    first = loss.backward().copy()
    np.testing.assert_array_equal(loss.backward(), first)


def test_soft_targets_give_mean_cross_entropy_and_probabilities_minus_targets():
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((4, 10))
    targets = rng.dirichlet(np.ones(10), size=4)  # each row a probability distribution
    loss = SoftmaxCrossEntropy()
    value = loss.forward(logits, targets)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.isclose(value, -np.mean((targets * np.log(p)).sum(axis=1)), rtol=1e-12)
    np.testing.assert_allclose(loss.backward(), (p - targets) / 4, rtol=1e-10, atol=1e-15)
    numeric = numerical_gradient(lambda: SoftmaxCrossEntropy().forward(logits, targets), logits)
    np.testing.assert_allclose(loss.backward(), numeric, rtol=1e-6, atol=1e-9)


def test_one_hot_soft_targets_equal_integer_labels():
    logits = np.random.default_rng(6).standard_normal((5, 10)).astype(np.float32)
    labels = np.array([2, 2, 7, 0, 9])
    by_label, by_target = SoftmaxCrossEntropy(), SoftmaxCrossEntropy()
    assert np.isclose(by_label.forward(logits, labels), by_target.forward(logits, np.eye(10, dtype=np.float32)[labels]))
    np.testing.assert_allclose(by_label.backward(), by_target.backward(), atol=1e-7)
