"""The network's building blocks: Dense, ReLU and Softmax, each with forward and backward.

Every layer caches what its backward pass needs and reuses its output buffers from batch to
batch, so the training loop allocates no new arrays once the first batch has run. That means an
array a layer returns is overwritten by its next call: copy it to keep it.
"""
import numpy as np


class Layer:
    """Shared plumbing: output buffers reused from batch to batch."""

    def __init__(self):
        self._buffers = {}

    def buffer(self, name, shape, dtype):
        """A scratch array kept between calls; reallocated only when the batch size changes."""
        array = self._buffers.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self._buffers[name] = np.empty(shape, dtype)
        return array


def he_initial_weights(n_in, n_out, rng, dtype=np.float32):
    """W (n_in, n_out) drawn from N(0, 2 / n_in) (He initialisation): keeps ReLU activations' variance steady."""
    return (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype)


def softmax(z, out):
    """p_k = exp(z_k − m) / Σ_j exp(z_j − m) for each row of z, m = max_j z_j, written into `out`.

    Subtracting m changes nothing mathematically and keeps exp from overflowing. Returns p, the
    row sums Σ_j exp(z_j − m) and the row maxima m (n, 1), from which the cross-entropy takes its
    log-sum-exp (loss.py).
    """
    maxima = z.max(axis=1, keepdims=True)
    np.subtract(z, maxima, out=out)
    np.exp(out, out=out)
    sums = out.sum(axis=1)
    out /= sums[:, None]
    return out, sums, maxima


class Dense(Layer):
    """Fully connected layer: z = x W + b, with x (batch, n_in), W (n_in, n_out), b (n_out,).

    W, b and their gradients dW, db are handed in, not made here: Model gives each layer views
    into its two flat arrays (model.py); Dense.create makes a layer with arrays of its own.
    """

    def __init__(self, W, b, dW, db):
        super().__init__()
        self.W, self.b, self.dW, self.db = W, b, dW, db

    @classmethod
    def create(cls, n_in, n_out, rng, dtype=np.float32):
        """A layer owning its arrays: He-initialised W, zero b."""
        W = he_initial_weights(n_in, n_out, rng, dtype)
        b = np.zeros(n_out, dtype)
        return cls(W, b, np.zeros_like(W), np.zeros_like(b))

    def forward(self, x):
        """z = x W + b."""
        self.x = x
        z = self.buffer("z", (x.shape[0], self.W.shape[1]), self.W.dtype)
        np.matmul(x, self.W, out=z)
        z += self.b
        return z

    def backward(self, grad_z, input_grad=True):
        """∂L/∂W = xᵀ·∂L/∂z;  ∂L/∂b = Σ_batch ∂L/∂z;  returns ∂L/∂x = ∂L/∂z·Wᵀ.

        input_grad=False skips ∂L/∂x for the first layer, whose input (the pixels) learns nothing.
        """
        np.matmul(self.x.T, grad_z, out=self.dW)
        grad_z.sum(axis=0, out=self.db)
        if not input_grad:
            return None
        grad_x = self.buffer("grad_x", self.x.shape, self.W.dtype)
        return np.matmul(grad_z, self.W.T, out=grad_x)


class ReLU(Layer):
    """a = max(0, z); the gradient passes only where z > 0."""

    def forward(self, z):
        self.active = self.buffer("active", z.shape, np.bool_)
        np.greater(z, 0, out=self.active)
        a = self.buffer("a", z.shape, z.dtype)
        return np.maximum(z, 0, out=a)

    def backward(self, grad_a):
        """∂L/∂z = ∂L/∂a where z > 0, else 0 (the ReLU mask)."""
        grad_z = self.buffer("grad_z", grad_a.shape, grad_a.dtype)
        return np.multiply(grad_a, self.active, out=grad_z)


class Softmax(Layer):
    """The softmax above as a layer: probabilities over the classes of each row.

    Training uses the fused softmax + cross-entropy gradient in loss.py; this layer's own
    backward is the general chain rule, kept for inspection and the gradient checks.
    """

    def forward(self, z):
        self.p, _, _ = softmax(z, out=self.buffer("p", z.shape, z.dtype))
        return self.p

    def backward(self, grad_p):
        """∂L/∂z_i = p_i (∂L/∂p_i − Σ_j ∂L/∂p_j p_j)."""
        return self.p * (grad_p - np.sum(grad_p * self.p, axis=1, keepdims=True))
