"""Categorical cross-entropy on raw scores (logits), fused with the softmax that precedes it."""
import numpy as np


class SoftmaxCrossEntropy:
    """L = mean over the batch of −log p_y, with p = softmax(z) and y the true class.

    Computed as log Σ_j exp(z_j − m) − (z_y − m) with m = max z (log-sum-exp), so logits of
    ±1e4 give finite values. The gradient of the fused pair is simply (p − y_onehot) / batch.
    """

    def __init__(self):
        self._shifted = None

    def forward(self, logits, labels):
        """logits (batch, classes) float, labels (batch,) int -> mean loss as a Python float."""
        if self._shifted is None or self._shifted.shape != logits.shape:
            self._shifted = np.empty_like(logits)
            self._probs = np.empty_like(logits)
        shifted, probs = self._shifted, self._probs
        np.subtract(logits, logits.max(axis=1, keepdims=True), out=shifted)
        np.exp(shifted, out=probs)
        sum_exp = probs.sum(axis=1)
        probs /= sum_exp[:, None]
        self.labels = labels
        rows = np.arange(len(labels))
        return float((np.log(sum_exp) - shifted[rows, labels]).sum()) / len(labels)

    def backward(self):
        """∂L/∂z = (p − y_onehot) / batch, written over the stored probabilities."""
        grad = self._probs
        grad[np.arange(len(self.labels)), self.labels] -= 1
        grad /= len(self.labels)
        return grad
