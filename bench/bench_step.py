"""Where one training step's time goes: microseconds per step for each part of train.train_epoch.

    NEUROSCRIBBLE_DATA=../shared/mnist python bench/bench_step.py [--epochs 2] [--threads 1 2]
                                                                  [--kernels machine own]

Runs the plain training loop's steps one part at a time (gather the batch, forward, accuracy,
loss, backward, RMSProp) with a clock between the parts, for each OpenBLAS thread count and
kernel choice given, each in its own subprocess (OpenBLAS reads both as NumPy loads): "machine"
keeps the kernels the environment sets (OPENBLAS_CORETYPE), "own" lets OpenBLAS choose them for
this CPU. The first epoch warms up and is not counted.
"""
import argparse
import itertools
import json
import subprocess
import sys
import time

from blas_setup import describe_openblas, environment  # also puts the repository on sys.path

PARTS = ("gather", "forward", "accuracy", "loss", "backward", "RMSProp")


def measure(epochs):
    """Runs in the subprocess: mean microseconds per step for each part, and seconds per epoch."""
    import numpy as np

    from data import load_mnist
    from loss import SoftmaxCrossEntropy
    from model import Model
    from optimizers import RMSProp
    from train import shuffled_batches, train_epoch

    mnist = load_mnist(download=False)
    images, labels = mnist.train_images, mnist.train_labels
    model, loss = Model(seed=0), SoftmaxCrossEntropy()
    optimizer, rng = RMSProp(model.parameters()), np.random.default_rng(0)
    train_epoch(model, loss, optimizer, images, labels, 64, rng)  # warm-up, not counted
    totals, steps, started = dict.fromkeys(PARTS, 0.0), 0, time.perf_counter()
    for _ in range(epochs):
        before_gather = time.perf_counter()
        for x, y in shuffled_batches(images, labels, 64, rng):
            clock = [before_gather, time.perf_counter()]
            logits = model.forward(x)
            clock.append(time.perf_counter())
            np.count_nonzero(logits.argmax(axis=1) == y)
            clock.append(time.perf_counter())
            loss.forward(logits, y)
            clock.append(time.perf_counter())
            model.backward(loss.backward())
            clock.append(time.perf_counter())
            optimizer.step()
            clock.append(time.perf_counter())
            for part, begin, end in zip(PARTS, clock, clock[1:]):
                totals[part] += end - begin
            steps += 1
            before_gather = time.perf_counter()
    return {"epoch_seconds": (time.perf_counter() - started) / epochs, "openblas": describe_openblas(),
            "microseconds": {part: total / steps * 1e6 for part, total in totals.items()}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs (default 2)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="OpenBLAS thread counts (default 1 2)")
    parser.add_argument("--kernels", nargs="+", choices=["machine", "own"], default=["machine"],
                        help="machine: the kernels the environment sets; own: OpenBLAS's choice (default machine)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return print(json.dumps(measure(args.epochs)))
    print(" ".join(f"{part:>9s}" for part in PARTS) + f" {'total µs':>9s} {'s/epoch':>8s}  setup")
    for kernels, threads in itertools.product(args.kernels, args.threads):
        output = subprocess.run([sys.executable, __file__, "--child", "--epochs", str(args.epochs)],
                                env=environment(threads, own_kernel_choice=kernels == "own"),
                                check=True, capture_output=True, text=True).stdout
        result = json.loads(output)
        parts = result["microseconds"]
        print(" ".join(f"{parts[part]:9.1f}" for part in PARTS)
              + f" {sum(parts.values()):9.1f} {result['epoch_seconds']:8.3f}  {result['openblas']}", flush=True)


if __name__ == "__main__":
    main()
