"""RMSProp: gradient descent with each weight's step scaled by its recent gradient size."""
import numpy as np


class RMSProp:
    """cache ← decay·cache + (1 − decay)·g²;  param ← param − learning_rate·g / (√cache + epsilon).

    params is a list of (param, g) array pairs: each parameter array and its gradient; the
    parameters and their caches are updated in place.
    """

    def __init__(self, params, learning_rate=0.001, decay=0.9, epsilon=1e-8):
        self.params = params
        self.learning_rate = learning_rate
        self.decay = decay
        self.epsilon = epsilon
        self.caches = [np.zeros_like(param) for param, _ in params]
        self.scratch = [np.empty_like(param) for param, _ in params]
        # The square root is taken of cache + the smallest normal float (1.2e-38 in float32). The
        # caches of weights whose pixel stays blank decay into the denormal range below it, where
        # np.sqrt ran twice as slow here (docs/performance.md). √1.2e-38 ≈ 1e-19 is far below what
        # epsilon = 1e-8 can feel, so no step changes.
        self.sqrt_floors = [np.finfo(param.dtype).tiny for param, _ in params]

    def step(self):
        for (param, g), cache, tmp, floor in zip(self.params, self.caches, self.scratch, self.sqrt_floors):
            # The same formula, written with out= so no temporary array is made per step.
            np.multiply(g, g, out=tmp)
            tmp *= 1 - self.decay
            cache *= self.decay
            cache += tmp
            np.add(cache, floor, out=tmp)
            np.sqrt(tmp, out=tmp)
            tmp += self.epsilon
            np.divide(g, tmp, out=tmp)
            tmp *= self.learning_rate
            param -= tmp
