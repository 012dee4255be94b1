"""RMSProp: gradient descent with each weight's step scaled by its recent gradient size."""
import numpy as np


class RMSProp:
    """cache = decay·cache + (1 − decay)·g²;  p −= learning_rate · g / (√cache + ε).

    params is a list of (parameter, gradient) array pairs; both are updated in place.
    """

    def __init__(self, params, learning_rate=0.001, decay=0.9, epsilon=1e-8):
        self.params = params
        self.learning_rate = learning_rate
        self.decay = decay
        self.epsilon = epsilon
        self.caches = [np.zeros_like(p) for p, _ in params]
        self.scratch = [np.empty_like(p) for p, _ in params]
        # The square root is taken of cache + the smallest normal float (1.2e-38 in float32). The
        # caches of weights whose pixel stays blank decay into the denormal range below it, where
        # np.sqrt ran twice as slow here (docs/performance.md). √1.2e-38 ≈ 1e-19 is far below what
        # ε = 1e-8 can feel, so no step changes.
        self.sqrt_floors = [np.finfo(p.dtype).tiny for p, _ in params]

    def step(self):
        for (param, grad), cache, tmp, floor in zip(self.params, self.caches, self.scratch, self.sqrt_floors):
            # The same formula, written with out= so no temporary array is made per step.
            np.multiply(grad, grad, out=tmp)
            tmp *= 1 - self.decay
            cache *= self.decay
            cache += tmp
            np.add(cache, floor, out=tmp)
            np.sqrt(tmp, out=tmp)
            tmp += self.epsilon
            np.divide(grad, tmp, out=tmp)
            tmp *= self.learning_rate
            param -= tmp
