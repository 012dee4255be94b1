"""Time one teach: teach.teach_drawings on 3 drawings of each digit (30, as the --teach 3 protocol), MNIST replayed.

    python bench/bench_teach.py                       # weights.npz, 5 timed teaches
    python bench/bench_teach.py --repeats 10 --per-digit 1

The budget is 1 s per teach on this project's 2-core machine. The drawings are one pendigits
writer's (../shared/handwriting), read through pen.reading_copies as the app reads them.
"""
import argparse
import os
import statistics
import sys
import time

if __name__ == "__main__":  # as teach.py and draw.py run: one OpenBLAS thread, set before NumPy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from blas_setup import describe_openblas  # noqa: E402 — also puts the repository on sys.path
import teach  # noqa: E402
from data import DataError  # noqa: E402
from pen import reading_copies  # noqa: E402
from model import Model  # noqa: E402
from tools.eval_handwriting import DEV_HANDWRITING, REPO_ROOT, fit_to_canvas, load_handwriting  # noqa: E402



def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Time teach.teach_drawings on one writer's drawings.")
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "weights.npz"), help="the model to teach")
    parser.add_argument("--handwriting", default=DEV_HANDWRITING, help="the pendigits JSON to take drawings from")
    parser.add_argument("--per-digit", type=int, default=3, help="drawings of each digit taught (default 3)")
    parser.add_argument("--repeats", type=int, default=5, help="timed teaches (default 5)")
    parser.add_argument("--data-dir", help="folder with the MNIST files (default: $NEUROSCRIBBLE_DATA, else data/mnist)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model = Model.load(args.weights)
    handwriting = load_handwriting(args.handwriting)
    digits = list(zip(handwriting.strokes, handwriting.labels, handwriting.writers))
    writer = digits[0][2]
    chosen = [(strokes, label) for label in range(10)
              for strokes, _, _ in [d for d in digits if d[2] == writer and d[1] == label][:args.per_digit]]
    copies = [reading_copies(fit_to_canvas(strokes)).reshape(-1, 784) for strokes, _ in chosen]
    labels = np.array([label for _, label in chosen])
    try:
        started = time.perf_counter()
        mnist = teach.cached_mnist(args.data_dir)
    except DataError as error:
        sys.exit(f"error: {error}")
    print(f"MNIST read in {time.perf_counter() - started:.2f} s (once per process)")
    seconds = []
    for seed in range(args.repeats):
        started = time.perf_counter()
        teach.teach_drawings(model, copies, labels, seed=seed, mnist=mnist)
        seconds.append(time.perf_counter() - started)
    print(f"teach.teach_drawings on {len(labels)} drawings by {writer}, {teach.STEPS} steps: median {statistics.median(seconds):.3f} s, "
          f"fastest {min(seconds):.3f} s, slowest {max(seconds):.3f} s over {args.repeats} teaches "
          f"({describe_openblas()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
