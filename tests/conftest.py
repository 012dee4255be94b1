"""Shared test set-up: import the flat modules from the repository root; MNIST fixtures."""
import os
import sys

import numpy as np
import pytest

from helpers import REPO_ROOT

sys.path.insert(0, REPO_ROOT)  # the flat modules, and tools/ and bench/ as packages

from data import MNIST, load_mnist, to_float  # noqa: E402


@pytest.fixture(scope="session")
def small_mnist():
    """The committed fixture: 5,000 training and 1,000 test MNIST images, as float32 (N, 784)."""
    with np.load(os.path.join(REPO_ROOT, "tests", "fixtures", "mnist_small.npz")) as arrays:
        return MNIST(to_float(arrays["train_images"]), arrays["train_labels"].astype(np.int64),
                     to_float(arrays["test_images"]), arrays["test_labels"].astype(np.int64))


@pytest.fixture(scope="session")
def full_mnist():
    """All of MNIST from $NEUROSCRIBBLE_DATA (CI sets it); skipped when it is not set."""
    data_dir = os.environ.get("NEUROSCRIBBLE_DATA")
    if not data_dir:
        pytest.skip("NEUROSCRIBBLE_DATA is not set; the full-data checks need the real MNIST files")
    return load_mnist(data_dir, download=False)


@pytest.fixture(scope="session")
def uji_handwriting_path():
    """The 220 real pen-written digits beside the repository (../shared); skipped where they are absent."""
    from tools.eval_handwriting import UJI_HANDWRITING as path  # here, not at start-up: it loads draw.py
    if not os.path.exists(path):
        pytest.skip(f"{path} is not here; the real-handwriting check needs it (.ci/run requires it)")
    return path


@pytest.fixture(scope="session")
def committed_weights_path():
    return os.path.join(REPO_ROOT, "weights.npz")
