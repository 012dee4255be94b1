"""Draw docs/augment.png: one training digit of each class (left) and eight distortions of each; the
last three copies of the 1 are flagged first, and the last three of the 4 and of the 9 are bent 4s
and hooked 9s drawn anew (augment.restyled), as a share of them are in training.

    python tools/augment_sheet.py
"""
import argparse
import os
import sys

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
import augment  # noqa: E402
from data import to_float  # noqa: E402

COPIES = 8
RESTYLED_COPIES = 3  # of the 1's, the 4's and the 9's copies, the last ones


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "docs", "augment.png"),
                        help="where to write the sheet (default docs/augment.png)")
    args = parser.parse_args(argv)
    with np.load(os.path.join(REPO_ROOT, "tests", "fixtures", "mnist_small.npz")) as arrays:
        images, labels = to_float(arrays["train_images"]), arrays["train_labels"]
    originals = images[[np.flatnonzero(labels == digit)[0] for digit in range(10)]]
    rng = np.random.default_rng(0)
    copies, copy_labels = np.repeat(originals, COPIES, axis=0), np.repeat(np.arange(10), COPIES)
    restyled = np.isin(copy_labels, list(augment.RESTYLED)) & (np.arange(len(copies)) % COPIES >= COPIES - RESTYLED_COPIES)
    copies[restyled] = augment.restyled(copies[restyled], copy_labels[restyled], rng)
    distorted = augment.distort(copies, rng).reshape(10, COPIES, 784)
    restyled = restyled.reshape(10, COPIES)
    figure, axes = plt.subplots(10, COPIES + 1, figsize=(COPIES + 1, 10.4))
    for row in range(10):
        for column in range(COPIES + 1):
            image = originals[row] if column == 0 else distorted[row, column - 1]
            axis = axes[row, column]
            axis.imshow(image.reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
            axis.set_xticks([])
            axis.set_yticks([])
            for spine in axis.spines.values():
                spine.set_color("tab:blue" if column == 0 else "tab:orange" if restyled[row, column - 1] else "0.85")
    axes[0, 0].set_title("original", fontsize=10)
    axes[0, COPIES // 2 + 1].set_title("freshly distorted copies (python train.py, augmentation on)", fontsize=10)
    figure.text(0.5, 0.003, f"orange: flagged 1s, bent 4s and hooked 9s drawn anew (in training, "
                f"{augment.FLAG_PROBABILITY * 100:.0f} % of the 1s, {augment.BENT_FOUR_PROBABILITY * 100:.0f} % of the 4s "
                f"and {augment.HOOKED_NINE_PROBABILITY * 100:.0f} % of the 9s)",
                ha="center", va="bottom", fontsize=9, color="tab:orange")
    figure.tight_layout(pad=0.3, rect=(0, 0.015, 1, 1))
    figure.savefig(args.out, dpi=72)


if __name__ == "__main__":
    main()
