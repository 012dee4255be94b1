"""How draw.read_digit's "not sure" rule trades flagged right answers against caught wrong ones.

    python tools/not_sure_curve.py                 # weights.npz, the dev set split by writers, and UJI

The threshold is chosen on the dev set's writers w1-w15 (the share of right answers flagged at
each candidate) and reported on the writers w16-w30 and on the UJI digits, which it never saw.
Rules compared: the drawing's own top probability (the drawing alone, without copies), and, on
read_digit's mean over the drawing and its leaned-back copies, the margin between the top two and
the top probability (the shipped rule, draw.SURE_PROBABILITY).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from model import Model  # noqa: E402
from tools.eval_handwriting import DEV_HANDWRITING, REPO_ROOT, UJI_HANDWRITING, load_handwriting, readings  # noqa: E402

RIGHT_FLAGGED = (0.02, 0.05, 0.10)  # shares of right answers the threshold may flag on the choosing half


def sureness_scores(model, path):
    """({rule: (right (N,) bool, sureness (N,), higher = surer)}, writer numbers (N,)) for a digits file."""
    handwriting = load_handwriting(path)
    made = readings(model, handwriting)  # the digits files hold no drawing too small to read
    labels = handwriting.labels
    own = model.predict_proba(np.array([reading.image.ravel() for reading in made]))
    mean = np.array([reading.probabilities for reading in made])
    top_two = np.sort(mean, axis=1)[:, -2:]
    right = mean.argmax(axis=1) == labels
    rules = {"the drawing alone: top probability": (own.argmax(axis=1) == labels, own.max(axis=1)),
             "read_digit: margin of the top two": (right, top_two[:, 1] - top_two[:, 0]),
             "read_digit: top probability (shipped)": (right, top_two[:, 1])}
    writers = np.array([int(writer.rsplit("w", 1)[-1]) for writer in handwriting.writers])
    return rules, writers


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "weights.npz"), help="the model (default weights.npz)")
    args = parser.parse_args(argv)
    model = Model.load(args.weights)
    dev, writers = sureness_scores(model, DEV_HANDWRITING)
    uji, _ = sureness_scores(model, UJI_HANDWRITING)
    choosing = writers <= 15
    print("| rule | right answers: dev w16-30, UJI | right flagged, w1-15 | sure from | w16-30: right flagged "
          "| wrong flagged | UJI: right flagged | wrong flagged |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
    for rule, (dev_right, sureness) in dev.items():
        uji_right, uji_sureness = uji[rule]
        for share in RIGHT_FLAGGED:
            threshold = np.quantile(sureness[choosing & dev_right], share)
            flagged, uji_flagged = sureness < threshold, uji_sureness < threshold
            print(f"| {rule} | {dev_right[~choosing].mean():.1%}, {uji_right.mean():.1%} | {share:.0%} | {threshold:.3f} "
                  f"| {flagged[dev_right & ~choosing].mean():.1%} | {flagged[~dev_right & ~choosing].mean():.1%} "
                  f"| {uji_flagged[uji_right].mean():.1%} | {uji_flagged[~uji_right].mean():.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
