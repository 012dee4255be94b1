"""Benchmark the default training run against a tutorial-style NumPy loop and PyTorch, in one run.

    NEUROSCRIBBLE_DATA=../shared/mnist python bench/bench_train.py [--epochs 15] [--rounds 3]

Five contenders train 784 → 128 → 64 → 10 with RMSProp (lr 0.001, decay 0.9, ε 1e-8), batch 64,
on the same 60,000 images, each evaluated on the 10,000 test images after every epoch:
  neuroscribble  train.train_epoch and train.WeightAverage, the code path of `python train.py --no-augment`
  neuroscribble-aug  the same with distortion training, as `python train.py` runs by default
  naive-float64  the textbook loop: float64, a fresh array for every intermediate
  naive-float32  the same textbook loop in float32, to separate the dtype from the rest
  pytorch        torch.nn + torch.optim.RMSprop on the CPU (skipped when torch is not installed)
Each runs in its own subprocess, so its peak memory is its own (max RSS; neuroscribble-aug adds its
distorting process's, which counts the shared training images a second time); the four NumPy ones
run with the OpenBLAS threads train.py gives itself (one), so they differ only in their code. It prints
the median of the rounds, then the fastest run of ours and of PyTorch and the ratio within each
round, and the BLAS setup each ran with.
"""
import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

from blas_setup import describe_openblas, environment, kernel_settings_note  # also puts the repository on sys.path
from data import load_mnist

BATCH_SIZE, LEARNING_RATE, DECAY, EPSILON, SEED = 64, 0.001, 0.9, 1e-8, 0


def train_neuroscribble(mnist, epochs, augment=False):
    from loss import SoftmaxCrossEntropy
    from model import Model
    from optimizers import RMSProp
    from train import AVERAGED_EPOCHS, WeightAverage, distorting_process, evaluate, train_epoch
    model = Model(seed=SEED)
    loss, optimizer = SoftmaxCrossEntropy(), RMSProp(model.parameters(), LEARNING_RATE, DECAY, EPSILON)
    rng = np.random.default_rng(SEED)
    average = WeightAverage(model, epochs, AVERAGED_EPOCHS, -(-len(mnist.train_images) // BATCH_SIZE))
    with distorting_process(augment, mnist, BATCH_SIZE, rng) as distorting:
        for epoch in range(1, epochs + 1):
            average.start_epoch(epoch)
            train_epoch(model, loss, optimizer, mnist.train_images, mnist.train_labels, BATCH_SIZE, rng,
                        distorting=distorting, on_step=average.step)
            if epoch == epochs:  # the model train.py saves: the mean of the weights over the last epochs
                average.put_into_model()
            yield evaluate(model, mnist.test_images, mnist.test_labels)


def train_naive(mnist, epochs, dtype=np.float64):
    """How a first from-scratch network is usually written: float64 and new arrays everywhere."""
    rng = np.random.default_rng(SEED)
    x_train, x_test = mnist.train_images.astype(dtype), mnist.test_images.astype(dtype)
    sizes = (784, 128, 64, 10)
    weights = [(rng.standard_normal((m, n)) * np.sqrt(2 / m)).astype(dtype) for m, n in zip(sizes[:-1], sizes[1:])]
    biases = [np.zeros(n, dtype) for n in sizes[1:]]
    params = weights + biases
    caches = [np.zeros_like(p) for p in params]
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            x, y = x_train[idx], np.eye(10, dtype=dtype)[mnist.train_labels[idx]]
            h1 = np.maximum(0, x @ weights[0] + biases[0])
            h2 = np.maximum(0, h1 @ weights[1] + biases[1])
            z = h2 @ weights[2] + biases[2]
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p = p / p.sum(axis=1, keepdims=True)
            dz = (p - y) / len(idx)
            dh2 = (dz @ weights[2].T) * (h2 > 0)
            dh1 = (dh2 @ weights[1].T) * (h1 > 0)
            grads = [x.T @ dh1, h1.T @ dh2, h2.T @ dz, dh1.sum(0), dh2.sum(0), dz.sum(0)]
            for i in range(len(params)):
                caches[i] = DECAY * caches[i] + (1 - DECAY) * grads[i] ** 2
                params[i] -= LEARNING_RATE * grads[i] / (np.sqrt(caches[i]) + EPSILON)
        h = x_test
        for w, b in zip(weights[:-1], biases[:-1]):
            h = np.maximum(0, h @ w + b)
        yield np.mean((h @ weights[-1] + biases[-1]).argmax(axis=1) == mnist.test_labels)


def train_pytorch(mnist, epochs):
    import torch
    torch.manual_seed(SEED)
    net = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64),
                              torch.nn.ReLU(), torch.nn.Linear(64, 10))
    for layer in net[::2]:  # He initialisation and zero biases, as in layers.Dense
        torch.nn.init.kaiming_normal_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    optimizer = torch.optim.RMSprop(net.parameters(), lr=LEARNING_RATE, alpha=DECAY, eps=EPSILON)
    loss_fn = torch.nn.CrossEntropyLoss()
    x_train, y_train = torch.from_numpy(mnist.train_images), torch.from_numpy(mnist.train_labels)
    x_test, y_test = torch.from_numpy(mnist.test_images), torch.from_numpy(mnist.test_labels)
    for _ in range(epochs):
        order = torch.randperm(len(x_train))
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            loss_fn(net(x_train[idx]), y_train[idx]).backward()
            optimizer.step()
        with torch.no_grad():
            yield (net(x_test).argmax(dim=1) == y_test).float().mean().item()


CONTENDERS = {"neuroscribble": train_neuroscribble,
              "neuroscribble-aug": functools.partial(train_neuroscribble, augment=True), "naive-float64": train_naive,
              "naive-float32": functools.partial(train_naive, dtype=np.float32), "pytorch": train_pytorch}


def worker(name, epochs, data_dir):
    """Run one contender and print its figures as one JSON line."""
    mnist = load_mnist(data_dir, download=False)
    epoch_seconds, started = [], time.perf_counter()
    for test_accuracy in CONTENDERS[name](mnist, epochs):
        epoch_seconds.append(time.perf_counter() - started - sum(epoch_seconds))
    # this process's peak plus its largest child's (the distorting process): an upper bound on the two together
    peak_mib = sum(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    if name == "pytorch":
        import torch
        blas = f"PyTorch's own: {torch.backends.cpu.get_cpu_capability()} kernels, {torch.get_num_threads()} threads"
    else:
        blas = describe_openblas()
    print(json.dumps({"name": name, "epoch_seconds": epoch_seconds, "total": sum(epoch_seconds),
                      "peak_mib": peak_mib, "test_accuracy": float(test_accuracy), "blas": blas}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3,
                        help="run every contender this many times, in turn, and report the median")
    parser.add_argument("--data-dir", default=os.environ.get("NEUROSCRIBBLE_DATA"))
    parser.add_argument("--only", nargs="+", choices=CONTENDERS, metavar="NAME",
                        help=f"run only these contenders (of {', '.join(CONTENDERS)}; neuroscribble is always run)")
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.epochs, args.data_dir)
    try:
        import torch
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        print("PyTorch is not installed here: its row is skipped.")
        CONTENDERS.pop("pytorch")
    if args.only:
        for name in set(CONTENDERS) - {"neuroscribble", *args.only}:
            CONTENDERS.pop(name, None)
    print(f"NumPy {np.__version__}; {os.cpu_count()} cores; {args.epochs} epochs, batch {BATCH_SIZE}")
    note = kernel_settings_note()
    if note:
        print(note)
    runs = {name: [] for name in CONTENDERS}
    for _ in range(args.rounds):  # round-robin, so a slow spell of the shared machine hits everyone
        for name in CONTENDERS:
            command = [sys.executable, __file__, "--worker", name, "--epochs", str(args.epochs)]
            if args.data_dir:
                command += ["--data-dir", args.data_dir]
            env = None if name == "pytorch" else environment()  # PyTorch does its own threading
            runs[name].append(json.loads(subprocess.run(command, check=True, capture_output=True, text=True,
                                                        env=env).stdout))
    results = {name: sorted(results, key=lambda r: r["total"])[len(results) // 2] for name, results in runs.items()}
    print(f"median of {args.rounds} rounds; every total: " +
          "; ".join(f"{name} " + " ".join(f"{r['total']:.1f}" for r in results) for name, results in runs.items()))
    print(f"{'':17s} {'s/epoch':>8s} {'total s':>8s} {'peak MiB':>9s} {'test acc':>9s} {'time ÷ ours':>12s}")
    ours = results["neuroscribble"]["total"]
    for name, r in results.items():
        print(f"{name:17s} {r['total'] / args.epochs:8.2f} {r['total']:8.1f} {r['peak_mib']:9.0f} "
              f"{r['test_accuracy']:9.2%} {r['total'] / ours:12.2f}")
    setups = {}
    for name, r in results.items():
        setups.setdefault(r["blas"], []).append(name)
    print("BLAS: " + "; ".join(f"{', '.join(names)}: {blas}" for blas, names in setups.items()))
    if "pytorch" in results:
        print(f"NeuroScribble takes {ours / results['pytorch']['total']:.2f}× PyTorch's time, medians (target ≤ 0.50).")
        if "neuroscribble-aug" in results:
            print(f"The default run (neuroscribble-aug) takes "
                  f"{results['neuroscribble-aug']['total'] / results['pytorch']['total']:.2f}× PyTorch's time, "
                  "medians (target ≤ 0.60); per round: " + " ".join(
                      f"{aug['total'] / torch_run['total']:.2f}"
                      for aug, torch_run in zip(runs["neuroscribble-aug"], runs["pytorch"])))
        # The shared machine has slow spells; the fastest run of each is the code's own speed (as
        # timeit advises), the per-round ratios show the spread.
        fastest = {name: min(r["total"] for r in runs[name]) for name in ("neuroscribble", "pytorch")}
        per_round = [ours_run["total"] / torch_run["total"]
                     for ours_run, torch_run in zip(runs["neuroscribble"], runs["pytorch"])]
        print(f"Fastest of {args.rounds}: NeuroScribble {fastest['neuroscribble']:.1f} s, "
              f"PyTorch {fastest['pytorch']:.1f} s, {fastest['neuroscribble'] / fastest['pytorch']:.2f}×. "
              "Ratio in each round: " + " ".join(f"{ratio:.2f}" for ratio in per_round))


if __name__ == "__main__":
    main()
