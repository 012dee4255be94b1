"""Categorical cross-entropy on raw scores (logits), fused with the softmax that precedes it."""
import numpy as np

from layers import softmax


class SoftmaxCrossEntropy:
    """L = mean over the batch of −log p_y, with p = softmax(z) and y the true class.

    Computed as log Σ_j exp(z_j − m) − (z_y − m) with m = max z (log-sum-exp), so logits of
    ±1e4 give finite values. The gradient of the fused pair is simply (p − y_onehot) / batch.
    """

    def __init__(self):
        self._probs = self._grad = None

    def forward(self, logits, labels):
        """logits (batch, classes) float, labels (batch,) int -> mean loss as a Python float."""
        if self._probs is None or self._probs.shape != logits.shape or self._probs.dtype != logits.dtype:
            self._probs, self._grad = np.empty_like(logits), np.empty_like(logits)
        _, sums = softmax(logits, out=self._probs)
        self.labels = labels
        rows = np.arange(len(labels))
        true_shifted = logits[rows, labels] - logits.max(axis=1)  # z_y − m
        return float((np.log(sums) - true_shifted).sum()) / len(labels)

    def backward(self):
        """∂L/∂z = (p − y_onehot) / batch, into a reused buffer (overwritten by the next call)."""
        grad = self._grad
        np.copyto(grad, self._probs)
        grad[np.arange(len(self.labels)), self.labels] -= 1
        grad /= len(self.labels)
        return grad
