"""How well the app reads real pen-written digits: the 220 UJI digits (11 writers, not MNIST),
drawn with the app's own brush, run through draw.preprocess and the model.

    python tools/eval_handwriting.py                        # weights.npz
    python tools/eval_handwriting.py --weights other.npz
    python tools/eval_handwriting.py --height-fraction 0.3  # small drawings

Or from Python, e.g. to choose between trained models: handwriting_accuracy(model, path).
"""
import argparse
import collections
import json
import os
import sys

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)  # run as a script from anywhere: import the repository's modules

from draw import CANVAS_SIZE, preprocess, render_strokes  # noqa: E402
from model import Model, WeightsError  # noqa: E402
from utils import accuracy  # noqa: E402

DEFAULT_HANDWRITING = os.path.join(REPO_ROOT, "..", "shared", "handwriting", "uji_digits.json")
HEIGHT_FRACTION = 0.7  # each digit is drawn 70 % of the canvas tall, as a person would
# The brush is the app's own (draw.BRUSH_RADIUS 12: a 25 px pen on the 400 px canvas).

Result = collections.namedtuple("Result", "accuracy per_digit confusions predictions labels")


class HandwritingError(Exception):
    """The handwriting file is missing or not in the expected format."""


def load_handwriting(path):
    """The JSON list of {"label", "writer", "strokes"} entries described in its README."""
    try:
        with open(path, encoding="utf-8") as stream:
            digits = json.load(stream)
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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Accuracy of the drawing pipeline on real pen-written digits.")
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "weights.npz"),
                        help="the trained model to measure (default weights.npz in the repository)")
    parser.add_argument("--handwriting", default=DEFAULT_HANDWRITING,
                        help="the UJI digits JSON (default ../shared/handwriting/uji_digits.json beside the repository)")
    parser.add_argument("--height-fraction", type=float, default=HEIGHT_FRACTION,
                        help=f"how tall each digit is drawn, as a fraction of the canvas (default {HEIGHT_FRACTION})")
    args = parser.parse_args(argv)
    if not 0 < args.height_fraction <= 1:
        parser.error("--height-fraction must be in (0, 1]")
    return args


def main(argv=None):
    args = parse_args(argv)
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
