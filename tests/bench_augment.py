"""Time a plain and an augmented training epoch side by side, and the peak memory of each.

    NEUROSCRIBBLE_DATA=../shared/mnist python tests/bench_augment.py [--epochs 3]

For each BLAS setting (OpenBLAS's default threads, then OPENBLAS_NUM_THREADS=1) a subprocess
loads MNIST and alternates plain and augmented epochs of train.train_epoch (784-128-64-10,
batch 64, RMSProp), then times distorting one epoch's images alone. It prints the median
seconds, the augmented/plain ratio, and the peak memory (max RSS) before and after augmenting.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLAS_SETTINGS = {"default BLAS threads": None, "OPENBLAS_NUM_THREADS=1": "1"}


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(epochs):
    """Runs in the subprocess: returns the timings and peak memory as a dict."""
    sys.path.insert(0, REPO_ROOT)
    import numpy as np

    import augment
    from data import load_mnist
    from loss import SoftmaxCrossEntropy
    from model import Model
    from optimizers import RMSProp
    from train import train_epoch

    mnist = load_mnist(download=False)
    model = Model(seed=0)
    loss, optimizer = SoftmaxCrossEntropy(), RMSProp(model.parameters())
    rng = np.random.default_rng(0)
    seconds = {False: [], True: []}
    peak_before_augmenting = peak_mib()
    augment.elastic_field_bank()  # made once per process, as in train.py
    for _ in range(epochs + 1):  # the first round warms up caches and threads; not counted
        for augmented in (False, True):
            started = time.perf_counter()
            train_epoch(model, loss, optimizer, mnist.train_images, mnist.train_labels, 64, rng,
                        augment=augmented)
            seconds[augmented].append(time.perf_counter() - started)
    started = time.perf_counter()
    for _ in augment.distorted_batches(mnist.train_images, mnist.train_labels, 64, rng):
        pass
    return {"plain": statistics.median(seconds[False][1:]), "augmented": statistics.median(seconds[True][1:]),
            "distorting alone": time.perf_counter() - started,
            "peak_before": peak_before_augmenting, "peak_after": peak_mib()}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Benchmark augmented against plain training epochs.")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs of each kind (default 3)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.epochs)))
        return
    print(f"{'setting':24s} {'plain s':>8s} {'augmented s':>12s} {'ratio':>6s} {'distort-only s':>15s} "
          f"{'peak MiB before/after':>22s}")
    for name, threads in BLAS_SETTINGS.items():
        environment = dict(os.environ)
        environment.pop("OPENBLAS_NUM_THREADS", None)
        if threads:
            environment["OPENBLAS_NUM_THREADS"] = threads
        output = subprocess.run([sys.executable, __file__, "--child", "--epochs", str(args.epochs)],
                                env=environment, check=True, capture_output=True, text=True).stdout
        result = json.loads(output.splitlines()[-1])
        print(f"{name:24s} {result['plain']:8.3f} {result['augmented']:12.3f} "
              f"{result['augmented'] / result['plain']:6.2f} {result['distorting alone']:15.3f} "
              f"{result['peak_before']:10.0f} / {result['peak_after']:.0f}", flush=True)


if __name__ == "__main__":
    main()
