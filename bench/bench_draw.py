"""Latency of one live prediction: draw.read_digit (the drawing and its two leaned-back copies
through digit_from_strokes, then the model) on one drawing, as the app runs it on every change.

    python bench/bench_draw.py                    # the 220 UJI digits at three drawing sizes
    python bench/bench_draw.py --repeats 3

The budget is a few milliseconds, so live prediction fits well inside a 60 fps frame (16.7 ms).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository's modules
from tools.eval_handwriting import REPO_ROOT, UJI_HANDWRITING, fit_to_canvas, load_handwriting  # noqa: E402
from draw import read_digit  # noqa: E402
from pen import digit_from_strokes  # noqa: E402
from model import Model  # noqa: E402

SIZES = (0.3, 0.6, 0.9)  # drawing height as a fraction of the canvas: small, usual, large


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Time read_digit for one drawing.")
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "weights.npz"),
                        help="the model to time (default weights.npz in the repository)")
    parser.add_argument("--handwriting", default=UJI_HANDWRITING, help="the digits JSON to draw (default UJI)")
    parser.add_argument("--repeats", type=int, default=1, help="timed passes over all drawings (default 1)")
    return parser.parse_args(argv)


def milliseconds_per_call(function, drawings, repeats):
    times = []
    for _ in range(repeats):
        for strokes in drawings:
            start = time.perf_counter()
            function(strokes)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv=None):
    args = parse_args(argv)
    model = Model.load(args.weights)
    drawings = [fit_to_canvas(strokes, height_fraction=size)
                for strokes in load_handwriting(args.handwriting).strokes for size in SIZES]
    read_digit(model, drawings[0])  # warm up
    for name, function in [("digit_from_strokes", digit_from_strokes),
                           ("read_digit (3 copies + model)", lambda strokes: read_digit(model, strokes))]:
        times = milliseconds_per_call(function, drawings, args.repeats)
        print(f"{name}, {len(times)} drawings: median {np.median(times):.2f} ms, "
              f"p95 {np.percentile(times, 95):.2f} ms, max {max(times):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
