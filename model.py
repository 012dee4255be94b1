"""The network: a stack of Dense and ReLU layers ending in 10 logits, and its .npz file format.

Model knows nothing about data files or the command line; train.py, draw.py and visualize.py
build on it.
"""
import math
import os
import zipfile
import zlib

import numpy as np

from layers import Dense, ReLU, Softmax, he_initial_weights

DEFAULT_LAYER_SIZES = (784, 128, 64, 10)
MAX_PARAMETERS = 50_000_000  # 200 MB of float32 a copy, and training holds four (weights, gradients, RMSProp, start)
MAX_FILE_BYTES = 8 * MAX_PARAMETERS + (1 << 20)  # float64 weights and a megabyte of metadata


def parameter_count(layer_sizes):
    """Weights and biases of the Dense layers: Σ (n_in · n_out + n_out)."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))


def views_of(flat, shapes):
    """Consecutive views into the 1-D array `flat`, one of each shape, in order."""
    views, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[start:start + size].reshape(shape))
        start += size
    return views


class WeightsError(Exception):
    """A weights file that is missing, damaged or not a NeuroScribble model."""


class Model:
    """Dense → ReLU → … → Dense: layer_sizes (784, 128, 64, 10) gives two hidden ReLU layers."""

    def __init__(self, layer_sizes=DEFAULT_LAYER_SIZES, seed=0, dtype=np.float32):
        """Every W and b lives in one flat array, every dW and db in another: each Dense layer is
        handed views (W, b, dW, db) into them, so the optimizer updates all the parameters with one
        pass per formula step instead of one per array (fewer, longer NumPy calls; docs/performance.md)."""
        rng = np.random.default_rng(seed)
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        pairs = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        shapes = [shape for n_in, n_out in pairs for shape in ((n_in, n_out), (n_out,))]  # W0, b0, W1, b1, …
        total = parameter_count(self.layer_sizes)
        self.flat_params, self.flat_grads = np.zeros(total, dtype), np.zeros(total, dtype)
        params, grads = views_of(self.flat_params, shapes), views_of(self.flat_grads, shapes)
        self.layers = []
        for i, (n_in, n_out) in enumerate(pairs):
            W, b = params[2 * i], params[2 * i + 1]
            W[...] = he_initial_weights(n_in, n_out, rng, dtype)  # b stays 0
            self.layers += [Dense(W, b, grads[2 * i], grads[2 * i + 1]), ReLU()]
        self.layers.pop()  # the last Dense gives raw scores (logits); softmax is applied after
        self.softmax = Softmax()
        self.metadata = {}

    @property
    def dense_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    def parameters(self):
        """The (parameters, gradients) pair for the optimizer: all of them, as two flat arrays."""
        return [(self.flat_params, self.flat_grads)]

    def forward(self, x):
        """x (batch, 784) -> logits (batch, 10), in the last layer's buffer: the next call overwrites it."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_logits):
        """Backpropagate ∂L/∂logits through every layer, filling each Dense layer's dW and db."""
        grad = grad_logits
        for layer in reversed(self.layers[1:]):
            grad = layer.backward(grad)
        self.layers[0].backward(grad, input_grad=False)  # the pixels need no gradient

    def predict_proba(self, x, batch_size=2000):
        """x (N, 784) floats in [0, 1] -> (N, 10) class probabilities (a new array)."""
        x = np.asarray(x, dtype=self.layers[0].W.dtype).reshape(-1, self.layer_sizes[0])
        probs = np.empty((len(x), self.layer_sizes[-1]), x.dtype)
        for start in range(0, len(x), batch_size):
            probs[start:start + batch_size] = self.softmax.forward(self.forward(x[start:start + batch_size]))
        return probs

    def predict(self, x):
        """x (N, 784) -> (N,) predicted digits."""
        return self.predict_proba(x).argmax(axis=1)

    def activations(self, x):
        """One input (784,) -> [input, hidden 1, …, output probabilities]: what each layer holds."""
        a = np.asarray(x, dtype=self.layers[0].W.dtype).reshape(1, -1)
        values = [a[0]]
        for layer in self.layers:
            a = layer.forward(a)
            if isinstance(layer, ReLU):
                values.append(a[0].copy())
        values.append(self.softmax.forward(a)[0].copy())
        return values

    def save(self, path):
        """Write parameters, layer sizes and self.metadata to an .npz file at exactly `path`.

        (np.savez given a name would append ".npz" to it; given an open file it writes there.)
        Use it inside utils.atomic_write, so a crash never leaves half a file.
        """
        arrays = {"layer_sizes": np.array(self.layer_sizes)}
        for i, dense in enumerate(self.dense_layers):
            arrays[f"W{i}"], arrays[f"b{i}"] = dense.W, dense.b
        for key, value in self.metadata.items():
            arrays[f"meta_{key}"] = np.asarray(value)
        with open(path, "wb") as stream:
            np.savez(stream, **arrays)

    @classmethod
    def load(cls, path):
        """Read a file written by save(); anything malformed raises WeightsError saying what."""
        if not os.path.exists(path):
            raise WeightsError(f"{path} does not exist; name a trained model with --weights, "
                               "or make one with `python train.py`.")
        if not zipfile.is_zipfile(path):
            raise WeightsError(f"{path} is not a readable .npz file; make a new one with `python train.py`.")
        try:
            check_sizes(path)
            with np.load(path, allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
        except (ValueError, OSError, zipfile.BadZipFile, EOFError, zlib.error) as error:
            # numpy refuses object arrays (they would need unpickling) with a ValueError naming allow_pickle
            problem = ("holds pickled Python objects, which are never loaded" if "allow_pickle" in str(error)
                       else "is damaged")
            raise WeightsError(f"{path} {problem}; make a new one with `python train.py`.") from None
        return cls._from_arrays(arrays, path)

    @classmethod
    def _from_arrays(cls, arrays, path):
        def fail(problem):
            raise WeightsError(f"{path} is not a valid NeuroScribble model: {problem}; "
                               "make a new one with `python train.py`.")

        sizes = arrays.get("layer_sizes")
        if sizes is None or sizes.ndim != 1 or sizes.dtype.kind not in "iu" or len(sizes) < 2:
            fail("the layer_sizes entry is missing or malformed")
        if sizes.min() < 1 or sizes[0] != DEFAULT_LAYER_SIZES[0] or sizes[-1] != DEFAULT_LAYER_SIZES[-1]:
            fail(f"its layer sizes {sizes.tolist()} do not go from 784 pixels to 10 digits")
        layer_pairs = list(zip(sizes[:-1].tolist(), sizes[1:].tolist()))
        for i, (n_in, n_out) in enumerate(layer_pairs):  # all checked before any array is made
            for name, shape in ((f"W{i}", (n_in, n_out)), (f"b{i}", (n_out,))):
                value = arrays.get(name)
                if value is None:
                    fail(f"{name} is missing")
                if value.shape != shape:
                    fail(f"{name} has shape {value.shape}, expected {shape}")
                if value.dtype.kind != "f" or not np.all(np.isfinite(value)):
                    fail(f"{name} is not all finite floating-point numbers")
        model = cls(sizes)
        for i, dense in enumerate(model.dense_layers):
            dense.W[...], dense.b[...] = arrays[f"W{i}"], arrays[f"b{i}"]
        model.metadata = {key[5:]: (value.item() if value.ndim == 0 else value)
                          for key, value in arrays.items() if key.startswith("meta_")}
        return model


def check_sizes(path):
    """Refuse an .npz whose arrays would take more than MAX_FILE_BYTES, before reading any of them.

    Both what the zip says its members inflate to and what each .npy header says its array holds
    are checked, so neither a compressed bomb nor a header claiming a (10¹²,) array takes memory.
    """
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        biggest = sum(member.file_size for member in members)
        if biggest <= MAX_FILE_BYTES:  # only then are the headers worth reading
            biggest = max(biggest, sum(declared_bytes(archive, member) for member in members
                                       if member.filename.endswith(".npy")))
    if biggest > MAX_FILE_BYTES:
        raise WeightsError(f"{path} would take {biggest / 1e9:,.1f} GB of memory, far more than any model "
                           f"this project makes ({MAX_FILE_BYTES / 1e9:.1f} GB at most); it was not read.")


def declared_bytes(archive, member):
    """The bytes the array in one .npy member of an open zip says it holds, from its header alone."""
    with archive.open(member) as stream:
        version = np.lib.format.read_magic(stream)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(stream)
    return math.prod(shape) * dtype.itemsize
