"""Categorical cross-entropy on raw scores (logits), fused with the softmax that precedes it."""
import numpy as np

from layers import softmax


class SoftmaxCrossEntropy:
    """L = mean over the batch of −Σ_k t_k log p_k, with p = softmax(z) and t the target: the true
    class y as an int (t its one-hot vector, so L = −log p_y), or any probabilities over the classes
    (soft targets; teach.py gives some of its images part of the shipped model's answer).

    Computed as log Σ_j exp(z_j − m) − Σ_k t_k (z_k − m) with m = max z (log-sum-exp; each t sums
    to 1), so logits of ±1e4 give finite values. The gradient of the fused pair is simply (p − t) / batch.
    """

    def __init__(self):
        self._probs = self._grad = None

    def forward(self, logits, labels):
        """logits (batch, classes) float; labels (batch,) ints, or (batch, classes) target
        probabilities -> mean loss as a Python float."""
        if self._probs is None or self._probs.shape != logits.shape or self._probs.dtype != logits.dtype:
            self._probs, self._grad = np.empty_like(logits), np.empty_like(logits)
        _, sums, maxima = softmax(logits, out=self._probs)
        self.labels = labels
        if labels.ndim == 1:
            target_logits = logits[np.arange(len(labels)), labels]  # z_y
        else:
            target_logits = (labels * logits).sum(axis=1)  # Σ_k t_k z_k
        target_shifted = target_logits - maxima[:, 0]  # Σ_k t_k (z_k − m)
        return float((np.log(sums) - target_shifted).sum()) / len(labels)

    def backward(self):
        """∂L/∂z = (p − t) / batch, into a reused buffer (overwritten by the next call)."""
        grad = self._grad
        if self.labels.ndim == 1:
            np.copyto(grad, self._probs)
            grad[np.arange(len(self.labels)), self.labels] -= 1  # t is one-hot: subtract 1 at y
        else:
            np.subtract(self._probs, self.labels, out=grad)
        grad /= len(self.labels)
        return grad
