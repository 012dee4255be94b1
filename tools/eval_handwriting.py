"""How well the app reads real pen-written digits: each drawing's strokes are placed on the app's
canvas as a person would draw them and read exactly as the app reads them (draw.read_digit: the
drawing and its leaned-back copies through digit_from_strokes, then the model); accuracy per
writer, per digit, and the confusions.

    python tools/eval_handwriting.py                                   # the dev set (30 writers), weights.npz
    python tools/eval_handwriting.py --handwriting ../shared/handwriting/uji_digits.json
    python tools/eval_handwriting.py --data-dir ../shared/mnist        # MNIST test accuracy too
    python tools/eval_handwriting.py --weights other.npz
    python tools/eval_handwriting.py --teach 3                         # the teaching protocol (teach.py)

Or from Python, e.g. to choose between trained models: handwriting_accuracy(model, path).
"""
import argparse
import collections
import json
import os
import re
import sys
import time

if __name__ == "__main__":  # one OpenBLAS thread for --teach, as teach.py explains; before NumPy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)  # run as a script from anywhere: import the repository's modules

from data import DataError, load_test_set  # noqa: E402
from draw import reading_from  # noqa: E402
from pen import CANVAS_SIZE, LEANED_BACK, reading_copies, stroke_arrays  # noqa: E402
from model import Model, WeightsError  # noqa: E402
from utils import accuracy  # noqa: E402
import teach  # noqa: E402

HANDWRITING_DIR = os.path.join(REPO_ROOT, "..", "shared", "handwriting")
DEV_HANDWRITING = os.path.join(HANDWRITING_DIR, "pendigits_train_digits.json")  # 7,494 digits, 30 writers
UJI_HANDWRITING = os.path.join(HANDWRITING_DIR, "uji_digits.json")  # 220 digits, 11 writers: a second check
DEFAULT_HANDWRITING = DEV_HANDWRITING
HEIGHT_FRACTION = 0.7  # each digit is drawn 70 % of the canvas tall, as a person would
SHOWN_CONFUSIONS = 12  # the most frequent ones; the rest are counted
NOTHING = -1  # the "prediction" for a drawing digit_from_strokes finds nothing to read in

Handwriting = collections.namedtuple("Handwriting", "strokes labels writers")
Result = collections.namedtuple("Result", "accuracy per_digit per_writer confusions predictions labels writers")


class HandwritingError(Exception):
    """The handwriting file is missing or not in the expected format."""


def load_handwriting(path):
    """The JSON list of {"label", "writer", "strokes"} entries described in its README, as a
    Handwriting(strokes: list of stroke lists, labels: (N,) int array, writers: (N,) str array)."""
    try:
        with open(path, encoding="utf-8") as stream:
            digits = json.load(stream)
        return Handwriting([entry["strokes"] for entry in digits], np.array([int(entry["label"]) for entry in digits]),
                           np.array([str(entry["writer"]) for entry in digits]))
    except FileNotFoundError:
        raise HandwritingError(f"{path} does not exist; pass --handwriting PATH to a digits JSON file.") from None
    except (ValueError, KeyError, TypeError) as error:
        raise HandwritingError(f"{path} is not a list of digits with labels, writers and strokes ({error}).") from None


def fit_to_canvas(strokes, size=CANVAS_SIZE, height_fraction=HEIGHT_FRACTION):
    """Scale and move a trajectory (tablet units, y down) so it is height_fraction · size tall,
    no wider than 90 % of the canvas, and centred on it; returns strokes of (n, 2) canvas points."""
    strokes = stroke_arrays(strokes)
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    width, height = np.maximum(high - low, 1)
    scale = min(height_fraction * size / height, 0.9 * size / width)
    middle = (low + high) / 2
    return [(stroke - middle) * scale + size / 2 for stroke in strokes]


def readings(model, handwriting, height_fraction=HEIGHT_FRACTION):
    """draw.read_digit's Reading (or None: nothing to read) for every drawing, height_fraction of
    the canvas tall; the copies of all drawings go through the model in one batch."""
    copies = [reading_copies(fit_to_canvas(strokes, height_fraction=height_fraction))
              for strokes in handwriting.strokes]
    readable = [images for images in copies if images is not None]
    if not readable:
        return [None] * len(copies)
    made = iter(reading_from(p, images[0]) for p, images in zip(teach.drawing_probabilities(model, readable), readable))
    return [None if images is None else next(made) for images in copies]


def natural_order(name):
    """Sort key that puts w2 before w10: the text with its runs of digits compared as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def score(predictions, labels, writers):
    """Result: accuracy overall, per_digit {digit: accuracy}, per_writer {writer: accuracy},
    confusions {(true, predicted): count} most frequent first, and the arrays scored."""
    per_digit = {int(digit): accuracy(predictions[labels == digit], digit) for digit in np.unique(labels)}
    per_writer = {writer: accuracy(predictions[writers == writer], labels[writers == writer])
                  for writer in sorted(set(writers), key=natural_order)}
    wrong = collections.Counter((int(true), int(guess)) for true, guess in zip(labels, predictions) if true != guess)
    return Result(accuracy(predictions, labels), per_digit, per_writer, dict(wrong.most_common()),
                  predictions, labels, writers)


def handwriting_accuracy(model, path=DEFAULT_HANDWRITING, height_fraction=HEIGHT_FRACTION):
    """Draw every digit in `path` height_fraction of the canvas tall, read it as the app does, score it."""
    handwriting = load_handwriting(path)
    predictions = np.array([NOTHING if reading is None else reading.digit
                            for reading in readings(model, handwriting, height_fraction)])
    return score(predictions, handwriting.labels, handwriting.writers)


def format_result(result):
    """The report as lines: overall, per digit, confusions, per writer (mean, worst, then a table)."""
    per_writer = result.per_writer
    worst = min(per_writer, key=per_writer.get)
    cells = [f"{writer.rsplit('/', 1)[-1]:>4s} {value:6.1%}" for writer, value in per_writer.items()]
    table = ["  " + "   ".join(cells[start:start + 6]) for start in range(0, len(cells), 6)]
    return [f"{len(result.labels)} handwritten digits: accuracy {result.accuracy:.1%}",
            "per digit: " + "  ".join(f"{digit}: {value:.1%}" for digit, value in result.per_digit.items()),
            "confusions (true -> predicted: count): " + (", ".join(
                f"{true}->{guess}: {count}" for (true, guess), count in list(result.confusions.items())[:SHOWN_CONFUSIONS])
                or "none") + (f" and {len(result.confusions) - SHOWN_CONFUSIONS} rarer" if
                              len(result.confusions) > SHOWN_CONFUSIONS else ""),
            f"per writer ({len(per_writer)}): mean {np.mean(list(per_writer.values())):.1%}, "
            f"worst {worst} {per_writer[worst]:.1%}", *table]


def mnist_accuracy(model, data_dir):
    """Accuracy on MNIST's 10,000 test images in data_dir."""
    images, labels = load_test_set(data_dir)
    return accuracy(model.predict(images), labels)


# --- teaching: --teach K ------------------------------------------------------------------------

TeachingResult = collections.namedtuple("TeachingResult", "writers before after mnist_after seconds_per_teach")


def drawn_by_writer(path, height_fraction=HEIGHT_FRACTION):
    """(copies (N, 3, 784), labels (N,), writers (N,)): every digit, drawn height_fraction of the
    canvas tall, as pen.reading_copies makes it (the drawing itself first, then its leaned-back
    copies); drawings with nothing to read, or fewer copies, are left out."""
    handwriting = load_handwriting(path)
    copies = [reading_copies(fit_to_canvas(strokes, height_fraction=height_fraction)) for strokes in handwriting.strokes]
    kept = [i for i, images in enumerate(copies) if images is not None and len(images) == 1 + len(LEANED_BACK)]
    return (np.array([copies[i].reshape(len(copies[i]), -1) for i in kept]),
            handwriting.labels[kept], handwriting.writers[kept])


def chosen_for_teaching(labels, k, rng):
    """Indices of k drawings of each digit (fewer where a digit has no more than k), chosen with rng."""
    return np.concatenate([rng.choice(np.flatnonzero(labels == digit), min(k, np.count_nonzero(labels == digit) - 1),
                                      replace=False) for digit in np.unique(labels)])


def teaching_protocol(model, copies, labels, writers, k, seed=0, mnist=None):
    """For each writer: teach k drawings of each digit (all their copies, teach.teach_drawings) to a
    copy of `model`, score the writer's OTHER drawings before and after as the app reads them
    (teach.read_drawings); MNIST test accuracy of every taught model.

    Returns TeachingResult(writers, before (W,), after (W,), mnist_after (W,), seconds_per_teach).
    """
    mnist = mnist or teach.cached_mnist()
    names = sorted(set(writers.tolist()), key=natural_order)
    before, after, mnist_after, seconds = [], [], [], []
    for number, writer in enumerate(names):
        mine = np.flatnonzero(writers == writer)
        taught = mine[chosen_for_teaching(labels[mine], k, np.random.default_rng([seed, number]))]
        others = np.setdiff1d(mine, taught)
        started = time.perf_counter()
        student = teach.teach_drawings(model, copies[taught], labels[taught], seed=seed, mnist=mnist)
        seconds.append(time.perf_counter() - started)
        before.append(accuracy(teach.read_drawings(model, copies[others]), labels[others]))
        after.append(accuracy(teach.read_drawings(student, copies[others]), labels[others]))
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
    try:
        copies, labels, writers = drawn_by_writer(args.handwriting, args.height_fraction)
        mnist = teach.cached_mnist(args.data_dir)
    except DataError as error:
        sys.exit(f"error: {error}")
    print(f"{len(labels)} handwritten digits by {len(set(writers.tolist()))} writers; teaching each writer's "
          f"{args.teach} of each digit (seed {args.seed}), scoring their others (before → after):")
    result = teaching_protocol(model, copies, labels, writers, args.teach, args.seed, mnist)
    print_teaching(result, args.teach, accuracy(model.predict(mnist.test_images), mnist.test_labels))
    return 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Accuracy of the drawing pipeline on real pen-written digits.")
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "weights.npz"),
                        help="the trained model to measure (default weights.npz in the repository)")
    parser.add_argument("--handwriting", default=DEFAULT_HANDWRITING,
                        help="the digits JSON (default: the dev set, ../shared/handwriting/pendigits_train_digits.json "
                             "beside the repository; uji_digits.json there is the second check)")
    parser.add_argument("--height-fraction", type=float, default=HEIGHT_FRACTION,
                        help=f"how tall each digit is drawn, as a fraction of the canvas (default {HEIGHT_FRACTION})")
    parser.add_argument("--data-dir", default=os.environ.get("NEUROSCRIBBLE_DATA"),
                        help="folder with the MNIST files: MNIST test accuracy is reported too, and --teach "
                             "replays them (default $NEUROSCRIBBLE_DATA; without either: no MNIST figure, "
                             "and --teach looks in data/mnist)")
    parser.add_argument("--teach", type=int, metavar="K",
                        help="the teaching protocol: per writer, teach K drawings of each digit (teach.teach) "
                             "and score that writer's other drawings before and after")
    parser.add_argument("--seed", type=int, default=0, help="--teach: seed for choosing and teaching (default 0)")
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
        model = Model.load(args.weights)
        result = handwriting_accuracy(model, args.handwriting, args.height_fraction)
        mnist = mnist_accuracy(model, args.data_dir) if args.data_dir else None
    except (WeightsError, HandwritingError, DataError) as error:
        sys.exit(f"error: {error}")
    print("\n".join(format_result(result)))
    if mnist is not None:
        print(f"MNIST test: {mnist:.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
