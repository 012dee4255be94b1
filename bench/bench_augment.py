"""Time a plain and an augmented training epoch side by side, and the peak memory of each.

    NEUROSCRIBBLE_DATA=../shared/mnist python bench/bench_augment.py [--epochs 3]

With two OpenBLAS threads, then with the one train.py gives itself, a subprocess loads MNIST and
alternates plain and augmented epochs of train.train_epoch (784-128-64-10, batch 64, RMSProp),
then times distorting one epoch's images alone. It prints the median seconds, the
augmented/plain ratio and the peak memory (max RSS) before and after augmenting.
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

from blas_setup import BLAS_THREADS, describe_openblas, environment, kernel_settings_note


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(epochs):
    """Runs in the subprocess: returns the timings and peak memory as a dict."""
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
    with augment.DistortingProcess(mnist.train_images, mnist.train_labels, 64, rng) as distorting:  # as in train.py
        for _ in range(epochs + 1):  # the first round warms up caches and starts the process; not counted
            for augmented in (False, True):
                started = time.perf_counter()
                train_epoch(model, loss, optimizer, mnist.train_images, mnist.train_labels, 64, rng,
                            distorting=distorting if augmented else None)
                seconds[augmented].append(time.perf_counter() - started)
        started = time.perf_counter()
        for _ in distorting.epoch():
            pass
    return {"plain": statistics.median(seconds[False][1:]), "augmented": statistics.median(seconds[True][1:]),
            "distorting alone": time.perf_counter() - started,
            "peak_before": peak_before_augmenting, "peak_after": peak_mib(), "openblas": describe_openblas()}


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
    for threads in (2, BLAS_THREADS):
        output = subprocess.run([sys.executable, __file__, "--child", "--epochs", str(args.epochs)],
                                env=environment(threads), check=True, capture_output=True, text=True).stdout
        result = json.loads(output.splitlines()[-1])
        print(f"{f'OPENBLAS_NUM_THREADS={threads}':24s} {result['plain']:8.3f} {result['augmented']:12.3f} "
              f"{result['augmented'] / result['plain']:6.2f} {result['distorting alone']:15.3f} "
              f"{result['peak_before']:10.0f} / {result['peak_after']:.0f}", flush=True)
    print(f"The last row is how train.py runs both: {result['openblas']}. Peak memory is this process's; "
          "the distorting process has its own.")
    note = kernel_settings_note()
    if note:
        print(note)


if __name__ == "__main__":
    main()
