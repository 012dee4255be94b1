"""Remake the README's pictures in docs/ from the shipped weights.npz: the five plots and augment.png.

    python tools/make_doc_figures.py                       # test images from $NEUROSCRIBBLE_DATA or data/mnist
    python tools/make_doc_figures.py --data-dir ../shared/mnist

`python visualize.py plots` writes the same plots into the git-ignored figures/ instead, so that
exploring never changes a tracked file. The screenshots (draw.png, network_*.png) come from
tools/draw_screenshot.sh and tools/headless_chromium.py.
"""
import argparse
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="folder with the MNIST .gz files (default: as visualize.py finds them)")
    args = parser.parse_args(argv)
    import visualize  # noqa: E402 (after the arguments: --help needs no matplotlib)
    from tools import augment_sheet
    data_flags = ["--data-dir", args.data_dir] if args.data_dir else []
    code = visualize.main(["plots", "--out", os.path.join(REPO_ROOT, "docs"), *data_flags])
    augment_sheet.main([])
    return code


if __name__ == "__main__":
    sys.exit(main())
