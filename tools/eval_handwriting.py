"""How well the app reads real pen-written digits: the 220 UJI digits (11 writers, not MNIST),
drawn with the app's own brush, run through draw.preprocess and the model.

    python tools/eval_handwriting.py                        # weights.npz
    python tools/eval_handwriting.py --weights other.npz
    python tools/eval_handwriting.py --height-fraction 0.3  # small drawings
    python tools/eval_handwriting.py --teach 3 --handwriting ../shared/handwriting/pendigits_train_digits.json

Or from Python, e.g. to choose between trained models: handwriting_accuracy(model, path).
"""
import argparse
import collections
import json
import os
import sys
import time

if __name__ == "__main__":  # one OpenBLAS thread for --teach, as teach.py explains; before NumPy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)  # run as a script from anywhere: import the repository's modules

from data import DataError  # noqa: E402
from draw import CANVAS_SIZE, digit_from_strokes, preprocess, render_strokes  # noqa: E402
from model import Model, WeightsError  # noqa: E402
from utils import accuracy  # noqa: E402

DEFAULT_HANDWRITING = os.path.join(REPO_ROOT, "..", "shared", "handwriting", "uji_digits.json")
HEIGHT_FRACTION = 0.7  # each digit is drawn 70 % of the canvas tall, as a person would
# The brush is the app's own (draw.BRUSH_RADIUS 12: a 25 px pen on the 400 px canvas).

Result = collections.namedtuple("Result", "accuracy per_digit confusions predictions labels")


class HandwritingError(Exception):
    """The handwriting file is missing or not in the expected format."""


def load_handwriting(path, with_writers=False):
    """The JSON list of {"label", "writer", "strokes"} entries described in its README, as
    (strokes, label) pairs, or (strokes, label, writer) triples when with_writers is True."""
    try:
        with open(path, encoding="utf-8") as stream:
            digits = json.load(stream)
        if with_writers:
            return [(entry["strokes"], int(entry["label"]), str(entry["writer"])) for entry in digits]
        return [(entry["strokes"], int(entry["label"])) for entry in digits]
    except FileNotFoundError:
        raise HandwritingError(f"{path} does not exist; pass --handwriting PATH to uji_digits.json.") from None
    except (ValueError, KeyError, TypeError) as error:
        raise HandwritingError(f"{path} is not a list of digits with labels and strokes ({error}).") from None


def fit_to_canvas(strokes, size=CANVAS_SIZE, height_fraction=HEIGHT_FRACTION):
    """Scale and move a trajectory (tablet units, y down) so it is height_fraction · size tall,
    no wider than 90 % of the canvas, and centred on it; returns strokes of (x, y) canvas points."""
    points = np.concatenate([np.asarray(stroke, dtype=float) for stroke in strokes])
    low, high = points.min(axis=0), points.max(axis=0)
    width, height = np.maximum(high - low, 1)
    scale = min(height_fraction * size / height, 0.9 * size / width)
    middle = (low + high) / 2
    return [[tuple((np.asarray(point) - middle) * scale + size / 2) for point in stroke] for stroke in strokes]


def handwriting_accuracy(model, path=DEFAULT_HANDWRITING, height_fraction=HEIGHT_FRACTION):
    """Draw every digit in `path` on the app's canvas, height_fraction of it tall; preprocess, predict.

    Returns Result(accuracy, per_digit {digit: accuracy}, confusions {(true, predicted): count}
    most frequent first, predictions, labels).
    """
    digits = load_handwriting(path)
    images = np.array([preprocess(render_strokes(fit_to_canvas(strokes, height_fraction=height_fraction)))
                       for strokes, _ in digits])
    labels = np.array([label for _, label in digits])
    predictions = model.predict(images.reshape(len(images), -1))
    per_digit = {digit: accuracy(predictions[labels == digit], digit) for digit in np.unique(labels)}
    wrong = collections.Counter((int(true), int(guess)) for true, guess in zip(labels, predictions) if true != guess)
    return Result(accuracy(predictions, labels), per_digit, dict(wrong.most_common()), predictions, labels)


# --- teaching: --teach K ------------------------------------------------------------------------

TeachingResult = collections.namedtuple("TeachingResult", "writers before after mnist_after seconds_per_teach")


def drawn_by_writer(path, height_fraction=HEIGHT_FRACTION):
    """(images (N, 784), labels (N,), writers (N,)): every digit through the app's own path,
    draw.digit_from_strokes, drawn height_fraction of the canvas tall."""
    digits = load_handwriting(path, with_writers=True)
    images = np.array([digit_from_strokes(fit_to_canvas(strokes, height_fraction=height_fraction)).ravel()
                       for strokes, _, _ in digits])
    return images, np.array([label for _, label, _ in digits]), np.array([writer for _, _, writer in digits])


def chosen_for_teaching(labels, k, rng):
    """Indices of k drawings of each digit (fewer where a digit has no more than k), chosen with rng."""
    return np.concatenate([rng.choice(np.flatnonzero(labels == digit), min(k, np.count_nonzero(labels == digit) - 1),
                                      replace=False) for digit in np.unique(labels)])


def teaching_protocol(model, images, labels, writers, k, seed=0, mnist=None):
    """For each writer: teach.teach k drawings of each digit to a copy of `model`, score the writer's
    OTHER drawings before and after; MNIST test accuracy of every taught model.

    Returns TeachingResult(writers, before (W,), after (W,), mnist_after (W,), seconds_per_teach).
    """
    import teach  # only here: it is the teaching protocol's own dependency
    mnist = mnist or teach.cached_mnist()
    names = sorted(set(writers.tolist()))
    before, after, mnist_after, seconds = [], [], [], []
    for number, writer in enumerate(names):
        mine = np.flatnonzero(writers == writer)
        taught = mine[chosen_for_teaching(labels[mine], k, np.random.default_rng([seed, number]))]
        others = np.setdiff1d(mine, taught)
        started = time.perf_counter()
        student = teach.teach(model, images[taught], labels[taught], seed=seed, mnist=mnist)
        seconds.append(time.perf_counter() - started)
        before.append(accuracy(model.predict(images[others]), labels[others]))
        after.append(accuracy(student.predict(images[others]), labels[others]))
        mnist_after.append(accuracy(student.predict(mnist.test_images), mnist.test_labels))
    return TeachingResult(names, np.array(before), np.array(after), np.array(mnist_after), float(np.median(seconds)))


def print_teaching(result, k, mnist_before):
    for writer, before, after in zip(result.writers, result.before, result.after):
        print(f"  {writer:<16} {before:6.1%} → {after:6.1%}")
    worst = int(result.after.argmin())
    print(f"taught {k} of each digit per writer ({len(result.writers)} writers): mean {result.before.mean():.1%} → "
          f"{result.after.mean():.1%}; worst writer {result.writers[worst]} {result.after[worst]:.1%} after")
    print(f"MNIST test {mnist_before:.2%} → {result.mnist_after.mean():.2%} (mean over the taught models, "
          f"lowest {result.mnist_after.min():.2%}); {result.seconds_per_teach:.2f} s per teach (median)")


def main_teach(model, args):
    import teach
    try:
        images, labels, writers = drawn_by_writer(args.handwriting, args.height_fraction)
        mnist = teach.cached_mnist(args.data_dir)
    except DataError as error:
        sys.exit(f"error: {error}")
    print(f"{len(labels)} handwritten digits by {len(set(writers.tolist()))} writers; teaching each writer's "
          f"{args.teach} of each digit (seed {args.seed}), scoring their others (before → after):")
    result = teaching_protocol(model, images, labels, writers, args.teach, args.seed, mnist)
    print_teaching(result, args.teach, accuracy(model.predict(mnist.test_images), mnist.test_labels))
    return 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Accuracy of the drawing pipeline on real pen-written digits.")
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "weights.npz"),
                        help="the trained model to measure (default weights.npz in the repository)")
    parser.add_argument("--handwriting", default=DEFAULT_HANDWRITING,
                        help="the UJI digits JSON (default ../shared/handwriting/uji_digits.json beside the repository)")
    parser.add_argument("--height-fraction", type=float, default=HEIGHT_FRACTION,
                        help=f"how tall each digit is drawn, as a fraction of the canvas (default {HEIGHT_FRACTION})")
    parser.add_argument("--teach", type=int, metavar="K",
                        help="the teaching protocol: per writer, teach K drawings of each digit (teach.teach) "
                             "and score that writer's other drawings before and after")
    parser.add_argument("--seed", type=int, default=0, help="--teach: seed for choosing and teaching (default 0)")
    parser.add_argument("--data-dir", help="--teach: folder with the MNIST files replayed while teaching "
                                           "(default: $NEUROSCRIBBLE_DATA, else data/mnist)")
    args = parser.parse_args(argv)
    if not 0 < args.height_fraction <= 1:
        parser.error("--height-fraction must be in (0, 1]")
    if args.teach is not None and args.teach < 1:
        parser.error("--teach must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.teach:
        try:
            return main_teach(Model.load(args.weights), args)
        except (WeightsError, HandwritingError) as error:
            sys.exit(f"error: {error}")
    try:
        result = handwriting_accuracy(Model.load(args.weights), args.handwriting, args.height_fraction)
    except (WeightsError, HandwritingError) as error:
        sys.exit(f"error: {error}")
    print(f"{len(result.labels)} handwritten digits: accuracy {result.accuracy:.1%}")
    print("per digit: " + "  ".join(f"{digit}: {value:.0%}" for digit, value in result.per_digit.items()))
    print("confusions (true -> predicted: count): " +
          (", ".join(f"{true}->{guess}: {count}" for (true, guess), count in result.confusions.items()) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
