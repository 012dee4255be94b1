"""Draw the trained network: a live page of all its neurons to draw in, in the browser, or plots as PNGs.

    python visualize.py                      # network.html, opened in your browser: draw in it
    python visualize.py --sample 42          # the same page, starting from test image 42
    python visualize.py --image digit.png    # ... or from your own picture of a digit
    python visualize.py confusion --show     # one plot: curves, first-layer, confusion, mistakes, activations
    python visualize.py plots                # all five plots into figures/ (git-ignored)

`--image` needs no MNIST data; the views that show test images (--sample, confusion, mistakes,
activations) read them like train.py does, downloading them when they are missing.
The README's own pictures in docs/ are remade with `python tools/make_doc_figures.py`.

The page is built in network_page.py (its scripts, network_math.js and network_page.js, compute the
network in the browser) and the plots in plots.py; this script picks the inputs and writes the files; draw.py's
V key calls network_page directly.
"""
import argparse
import functools
import os
import sys

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np

import plots
from draw import DEFAULT_WEIGHTS, preprocess
from pen import stroke_settings
from data import MIRROR_VARIABLE, DataError, load_test_set, mirrors_to_try
from model import Model, WeightsError
from network_page import K_DEFAULT, open_in_browser, picker_examples, write_network_html
from utils import atomic_write, run_script

FIGURES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "figures")  # git-ignored

PLOT_FILES = {"curves": "training_curves.png", "first-layer": "first_layer_weights.png",
              "confusion": "confusion_matrix.png", "mistakes": "mistakes.png", "activations": "activations.png"}


class UsageError(Exception):
    """A problem with what the user asked for; the message says what to do."""


def load_png(path):
    """A picture of one digit, any size -> (784,) float32 in [0, 1] via draw.py's preprocess.

    Colour is averaged to grey and transparency laid on white; a mostly light picture (dark
    ink on paper) is inverted, since the network expects bright ink on a dark background.
    """
    try:
        pixels = matplotlib.image.imread(path)
    except (OSError, ValueError, SyntaxError) as error:
        raise UsageError(f"{path} cannot be read as an image ({error}).") from None
    if pixels.dtype.kind in "ui":  # PNGs arrive as floats in [0, 1], other formats as integers
        pixels = pixels / np.iinfo(pixels.dtype).max
    if pixels.ndim == 3:
        if pixels.shape[2] == 4:
            pixels = pixels[..., :3] * pixels[..., 3:] + (1 - pixels[..., 3:])
        pixels = pixels[..., :3].mean(axis=2)
    if pixels.mean() > 0.5:
        pixels = 1 - pixels
    image = preprocess(np.round(pixels * 255).astype(np.uint8))
    if image is None:
        raise UsageError(f"{path} shows no ink, so there is no digit to read.")
    return image.reshape(-1)


@functools.cache
def test_set(data_dir, mirror=None):
    """The MNIST test images and labels, read once per folder (downloaded first when missing)."""
    return load_test_set(data_dir, download=True, mirrors=mirrors_to_try(mirror))


def chosen_input(args, default_sample=None):
    """(image (784,), its description) from --image or --sample, else default_sample, else (None, None)."""
    if args.image:
        return load_png(args.image), os.path.basename(args.image)
    sample = default_sample if args.sample is None else args.sample
    if sample is None:
        return None, None
    images, labels = test_set(args.data_dir, args.mirror)
    if not 0 <= sample < len(images):
        raise UsageError(f"--sample must be between 0 and {len(images) - 1}.")
    return images[sample], f"test image {sample} (a {labels[sample]})"


def make_plot(view, model, args):
    if view == "curves":
        return plots.training_curves(model)
    if view == "first-layer":
        return plots.first_layer_weights(model)
    if view == "activations":
        return plots.activations(model, *chosen_input(args, default_sample=0))
    images, labels = test_set(args.data_dir, args.mirror)
    return (plots.confusion_matrix if view == "confusion" else plots.confident_mistakes)(model, images, labels)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Draw NeuroScribble's network: an interactive graph in the browser, or plots as PNG files.")
    parser.add_argument("view", nargs="?", default="network", choices=["network", *PLOT_FILES, "plots"],
                        help="what to draw (default network; `plots` writes all five plots)")
    parser.add_argument("--weights", default=DEFAULT_WEIGHTS, help="the trained model (default weights.npz "
                                                                    "beside visualize.py)")
    parser.add_argument("--out", help="where to write (default network.html, or figures/<plot>.png beside "
                                      "visualize.py; for `plots`, the folder, default that figures/)")
    parser.add_argument("--no-open", action="store_true", help="write network.html without opening a browser")
    parser.add_argument("--edges-per-neuron", type=int, default=K_DEFAULT, metavar="K",
                        help="connections the page draws into each neuron: the K that carry the most "
                             f"(default {K_DEFAULT})")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--sample", type=int, metavar="N",
                        help="start the page (or light the activations plot) with test image N")
    source.add_argument("--image", metavar="FILE.png",
                        help="start from a picture of one digit, any size; dark ink on a light "
                             "background is inverted first (decided by the mean brightness)")
    parser.add_argument("--data-dir", help="folder with the four MNIST .gz files "
                                           "(default: $NEUROSCRIBBLE_DATA, else data/mnist beside visualize.py, "
                                           "downloaded there if missing)")
    parser.add_argument("--mirror", metavar="URL", help="a web folder holding the MNIST .gz files, tried "
                                                        f"before the public mirrors (also ${MIRROR_VARIABLE})")
    parser.add_argument("--show", action="store_true", help="also show the plots in a window")
    args = parser.parse_args(argv)
    if args.edges_per_neuron < 1:
        parser.error("--edges-per-neuron must be at least 1")
    if args.show and args.view == "network":
        parser.error("--show is for the plots; the network graph opens in a browser")
    if (args.sample is not None or args.image) and args.view not in ("network", "activations"):
        parser.error("--sample and --image light up the network or the activations plot only")
    if args.out and args.view != "plots":
        expected = ".html" if args.view == "network" else ".png"
        if not args.out.lower().endswith(expected) or os.path.isdir(args.out):
            parser.error(f"--out must name a {expected} file for this view")
    return args


def write_page(model, args):
    image, input_name = chosen_input(args)
    examples, examples_missing = picker_examples(args.data_dir)
    out = args.out or "network.html"
    write_network_html(model, out, stroke_settings(), image=image, input_name=input_name, examples=examples,
                       examples_missing=examples_missing, edges_per_neuron=args.edges_per_neuron)
    print(f"Wrote {out} ({os.path.getsize(out) / 1e6:.1f} MB): draw a digit in it and watch all "
          f"{sum(model.layer_sizes)} neurons answer.")
    if examples is None:
        print(f"The page has no MNIST digits to start from: {examples_missing}.")
    if not args.no_open and not open_in_browser(out):
        print(f"No web browser found: open {out} in one yourself.")


def write_plots(model, args):
    for view in PLOT_FILES if args.view == "plots" else [args.view]:
        path = (os.path.join(args.out or FIGURES_DIR, PLOT_FILES[view]) if args.view == "plots"
                else args.out or os.path.join(FIGURES_DIR, PLOT_FILES[view]))
        figure = make_plot(view, model, args)
        with atomic_write(path) as temporary, open(temporary, "wb") as stream:
            figure.savefig(stream, format="png", dpi=100)
        print(f"Wrote {path}")
        if not args.show:
            plt.close(figure)


def main(argv=None):
    args = parse_args(argv)
    try:
        model = Model.load(args.weights)
        (write_page if args.view == "network" else write_plots)(model, args)
    except DataError as error:
        sys.exit(f"error: {error} (Lighting the network with --image needs no MNIST data.)")
    except (WeightsError, plots.PlotError, UsageError) as error:
        sys.exit(f"error: {error}")
    except OSError as error:  # a folder that cannot be written, a full disk
        sys.exit(f"error: could not write {args.out or error.filename or 'the output'}: {error.strerror or error}.")
    if args.show:
        plt.show()
    return 0


if __name__ == "__main__":
    run_script(main)
