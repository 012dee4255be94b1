"""Latency of one live prediction: draw.preprocess plus model.predict_proba on one drawing.

    python bench/bench_draw.py                    # the 220 UJI digits at three drawing sizes
    python bench/bench_draw.py --repeats 3

The budget is 3 ms median, so live prediction fits well inside a 60 fps frame (16.7 ms).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository's modules
from tools.eval_handwriting import DEFAULT_HANDWRITING, REPO_ROOT, fit_to_canvas, load_handwriting  # noqa: E402
from draw import preprocess, render_strokes  # noqa: E402
from model import Model  # noqa: E402

SIZES = (0.3, 0.6, 0.9)  # drawing height as a fraction of the canvas: small, usual, large


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Time preprocess + predict for one drawing.")
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "weights.npz"),
                        help="the model to time (default weights.npz in the repository)")
    parser.add_argument("--handwriting", default=DEFAULT_HANDWRITING, help="the UJI digits JSON to draw")
    parser.add_argument("--repeats", type=int, default=1, help="timed passes over all drawings (default 1)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model = Model.load(args.weights)
    canvases = [render_strokes(fit_to_canvas(strokes, height_fraction=size))
                for strokes, _ in load_handwriting(args.handwriting) for size in SIZES]
    model.predict_proba(preprocess(canvases[0]).reshape(1, -1))  # warm up
    milliseconds = []
    for _ in range(args.repeats):
        for canvas in canvases:
            start = time.perf_counter()
            model.predict_proba(preprocess(canvas).reshape(1, -1))
            milliseconds.append((time.perf_counter() - start) * 1000)
    print(f"preprocess + predict, {len(milliseconds)} drawings: median {np.median(milliseconds):.2f} ms, "
          f"p95 {np.percentile(milliseconds, 95):.2f} ms, max {max(milliseconds):.2f} ms (budget: 3 ms median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
