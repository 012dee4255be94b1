"""What several test modules share: the repository's root and a finite-difference gradient."""
import os

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def numerical_gradient(f, x, step=1e-6):
    """∂f/∂x by central differences, one element at a time."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + step
        f_plus = f()
        x[index] = saved - step
        f_minus = f()
        x[index] = saved
        grad[index] = (f_plus - f_minus) / (2 * step)
    return grad
