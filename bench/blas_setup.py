"""The OpenBLAS setup the benchmarks run NumPy with, and a one-line description of it.

OpenBLAS reads its settings from the environment once, as NumPy loads, so a benchmark passes them
to each measured subprocess. Which kernels actually ran is read back with threadpoolctl, so every
benchmark prints the setup its figures belong to.
"""
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
from train import BLAS_THREADS  # noqa: E402

# This machine sets these for every process, because older OpenBLAS builds compute wrong results
# or crash on some processors; NumPy 2.4's OpenBLAS would choose its kernels itself without them.
MACHINE_KERNEL_SETTINGS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def environment(threads=None, own_kernel_choice=False):
    """os.environ for a measured subprocess. OPENBLAS_NUM_THREADS is `threads`, or by default what
    train.py gives itself (BLAS_THREADS, unless the environment already sets it). own_kernel_choice
    drops the machine's kernel settings, so that OpenBLAS picks the kernels for this CPU itself."""
    settings = {"OPENBLAS_NUM_THREADS": str(BLAS_THREADS), **os.environ}
    if threads is not None:
        settings["OPENBLAS_NUM_THREADS"] = str(threads)
    if own_kernel_choice:
        for name in MACHINE_KERNEL_SETTINGS:
            settings.pop(name, None)
    return settings


def describe_openblas():
    """E.g. 'OpenBLAS 0.3.31, SkylakeX kernels, 1 thread', for this process (NumPy must be loaded)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "OpenBLAS setup unknown (threadpoolctl is not installed; pip install -r requirements-dev.txt)"
    pools = [pool for pool in threadpool_info() if pool["internal_api"] == "openblas" and "numpy" in pool["filepath"]]
    if not pools:
        return "NumPy does not use OpenBLAS here"
    pool = pools[0]
    threads = f"{pool['num_threads']} thread{'s' if pool['num_threads'] != 1 else ''}"
    return f"OpenBLAS {pool['version']}, {pool['architecture']} kernels, {threads}"


def kernel_settings_note():
    """A warning line when the environment forces OpenBLAS's kernels, else ''."""
    forced = [f"{name}={os.environ[name]}" for name in MACHINE_KERNEL_SETTINGS if name in os.environ]
    if not forced:
        return ""
    return (f"Note: {' '.join(forced)} is set in this environment, so NumPy runs those kernels; "
            f"`env -u {' -u '.join(MACHINE_KERNEL_SETTINGS)} ...` lets OpenBLAS choose for this CPU.")
