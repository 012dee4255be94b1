"""The network page: all 986 neurons in one offline HTML file that you can draw in and watch answer.

The page pans and zooms with vis-network (inlined from the copy pyvis ships with, nothing is fetched).
Its scripts get the weights and the neurons' places from here and do the rest live: network_math.js
turns your strokes into the 28 × 28 input exactly as pen.digit_from_strokes does (with pen.py's
constants, handed in when the page is written) and runs the network forward; network_page.js paints
every neuron's activation and the connections that carry the most: the first frame on a canvas of its
own, then, once vis-network's code (inlined as text, run only after that frame) has taken over, through
vis-network's drawing hooks.
"""
import base64
import html
import json
import os
import pathlib
import webbrowser

import jinja2
import matplotlib
import numpy as np
import pyvis

from data import DataError, load_test_set
from layout import ACTIVATION_COLOURS, block_shape, layer_name, role
from utils import atomic_write

K_DEFAULT = 8  # connections drawn into each neuron: enough to show structure, few enough to read

# The template and the page's scripts live beside this file; vis-network's files come with pyvis.
TEMPLATE_FOLDERS = [os.path.dirname(os.path.abspath(__file__)),
                    os.path.join(os.path.dirname(pyvis.__file__), "templates")]
TEMPLATE = "network_template.html"

# The layout, in vis-network canvas units (screen pixels at zoom 1).
SPACING = {"input": 20, "hidden": 28, "output": 56}  # between neighbouring neurons
DOT_SIZE = {"input": 6, "hidden": 8, "output": 14}  # radius
LAYER_GAP = 320  # between neighbouring layer blocks

BACKGROUND = "#101418"
LAYER_COLOURS = {"input": "#5c6370", "hidden": "#aab2bf", "output": "#e5e9f0"}
POSITIVE, NEGATIVE = "rgb(86, 156, 214)", "rgb(224, 108, 117)"  # the page adds transparency
EDGE_WIDTH = (0.4, 4.0)  # width for strength 0 and for the layer's strongest drawn edge, linear between
PALETTE_STEPS = 64  # the page colours activations with this many steps of ACTIVATION_COLOURS
EXAMPLES_PER_DIGIT = 2  # MNIST test digits in the page's picker
PAGE_OPTIONS = {  # vis-network pans and zooms; the page's own buttons and keys replace vis-network's
    "physics": {"enabled": False},
    "interaction": {"navigationButtons": False, "keyboard": False},
}


def layer_positions(size, layer_role, x_center):
    """(size, 2) array of each neuron's (x, y): its block centred on (x_center, 0), y pointing down."""
    rows, columns = block_shape(size, layer_role)
    index = np.arange(size)
    row, column = index // columns, index % columns
    in_row = np.minimum(columns, size - row * columns)  # a short last row is centred too
    spacing = SPACING[layer_role]
    return np.column_stack([x_center + (column - (in_row - 1) / 2) * spacing,
                            (row - (rows - 1) / 2) * spacing])


def neuron_positions(layer_sizes):
    """One (size, 2) array of (x, y) per layer: blocks side by side, LAYER_GAP apart, left to right."""
    positions, right_edge = [], None
    for layer, size in enumerate(layer_sizes):
        layer_role = role(layer, len(layer_sizes))
        half_width = (block_shape(size, layer_role)[1] - 1) / 2 * SPACING[layer_role]
        x_center = 0.0 if right_edge is None else right_edge + LAYER_GAP + half_width
        positions.append(layer_positions(size, layer_role, x_center))
        right_edge = x_center + half_width
    return positions


def as_input(image, size):
    """A 28 × 28 or flat image -> (size,) float32, checked to hold values in [0, 1]."""
    x = np.asarray(image, dtype=np.float32).reshape(-1)
    if x.size != size or not np.all((x >= 0) & (x <= 1)):
        raise ValueError(f"image must hold {size} values in [0, 1], got shape {np.shape(image)}")
    return x


def floats_base64(values):
    """Any float array -> its float32 little-endian bytes in base64 (the page reads it as a Float32Array)."""
    return base64.b64encode(np.asarray(values, "<f4").tobytes()).decode("ascii")


def pick_examples(images, labels, per_digit=EXAMPLES_PER_DIGIT):
    """The first `per_digit` images of each digit 0-9: (images (n, 784), labels (n,)), ordered by digit."""
    chosen = [index for digit in range(10) for index in np.flatnonzero(labels == digit)[:per_digit]]
    return images[chosen], labels[chosen]


def picker_examples(data_dir=None):
    """((images, labels), None) for the page's picker from the MNIST test set on disk, or (None, why not)."""
    try:
        return pick_examples(*load_test_set(data_dir)), None
    except DataError as error:
        return None, str(error).rstrip(".")


def page_data(model, pen, image=None, input_name=None, examples=None, examples_missing=None,
              edges_per_neuron=K_DEFAULT):
    """Everything the page's script needs, JSON-ready: the weights, the pen, the colours, the picker.

    pen: pen.stroke_settings(), the constants of pen.digit_from_strokes that the page's copy of it uses
    (handed in, not imported: draw.py's V key imports this module).
    """
    sizes = model.layer_sizes
    n_layers = len(sizes)
    data = {
        "layerSizes": list(sizes),
        "layerNames": [layer_name(layer, n_layers) for layer in range(n_layers)],
        "blockShapes": [block_shape(size, role(layer, n_layers)) for layer, size in enumerate(sizes)],
        "positions": [{"x": xy[:, 0].tolist(), "y": xy[:, 1].tolist()} for xy in neuron_positions(sizes)],
        "weights": [floats_base64(dense.W) for dense in model.dense_layers],  # (n_in, n_out), row by row
        "biases": [floats_base64(dense.b) for dense in model.dense_layers],
        "testAccuracy": model.metadata.get("test_accuracy"),
        "edgesPerNeuron": edges_per_neuron,
        "pen": pen,
        "colours": {"background": BACKGROUND, "positive": POSITIVE, "negative": NEGATIVE,
                    "layers": [LAYER_COLOURS[role(layer, n_layers)] for layer in range(n_layers)],
                    "dotSizes": [DOT_SIZE[role(layer, n_layers)] for layer in range(n_layers)],
                    "edgeWidth": EDGE_WIDTH,
                    "activation": [matplotlib.colors.to_hex(ACTIVATION_COLOURS(t))
                                   for t in np.linspace(0, 1, PALETTE_STEPS)]},
        "start": None if image is None else {"image": floats_base64(as_input(image, sizes[0])),
                                             "name": input_name or "your image"},
    }
    if examples is not None:
        images, labels = examples
        data["examples"] = {"images": floats_base64(images), "labels": [int(label) for label in labels]}
    else:
        data["examplesMissing"] = examples_missing or "no MNIST test set was given"
    return data


def script_json(value):
    """JSON that is safe inside <script>: no '</' can end the element early."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")


def page_html(model, pen, **data_options):
    """The whole page as one string; pen and data_options go to page_data."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_FOLDERS))
    return environment.get_template(TEMPLATE).render(
        options=script_json(PAGE_OPTIONS),
        background=BACKGROUND,
        data=script_json(page_data(model, pen, **data_options)))


def write_network_html(model, path, pen, **data_options):
    """Write the self-contained page (UTF-8); pen and data_options go to page_data (image, examples, ...)."""
    text = page_html(model, pen, **data_options)
    with atomic_write(path) as temporary, open(temporary, "w", encoding="utf-8") as out:
        out.write(text)


def strokes_fragment(strokes):
    """The URL fragment that makes the page draw these strokes (pad pixels, as draw.py's canvas) on load."""
    rounded = [[[round(float(x), 1), round(float(y), 1)] for x, y in stroke] for stroke in strokes if len(stroke)]
    return "#strokes=" + json.dumps(rounded, separators=(",", ":"))


def write_opener(path, page_path, strokes):
    """Write a tiny page at `path` that sends the browser on to page_path with these strokes on its pad.

    The strokes travel in the address's fragment (strokes_fragment); a page of its own carries them
    because some ways of starting a browser (xdg-open, gio) drop the fragment of a file's address.
    page_path is taken relative to the opener's folder.
    """
    target = os.path.relpath(page_path, os.path.dirname(os.path.abspath(path)))
    address = html.escape(pathlib.PurePath(target).as_posix() + strokes_fragment(strokes))
    with atomic_write(path) as temporary, open(temporary, "w", encoding="utf-8") as out:
        out.write(f'<!DOCTYPE html>\n<meta charset="utf-8">\n<meta http-equiv="refresh" content="0; url={address}">\n'
                  f'<title>NeuroScribble: opening the network page</title>\n<a href="{address}">the network page</a>\n')


def open_in_browser(path):
    """Show a file in the default web browser; False, not an error, when there is none."""
    try:
        return webbrowser.open(pathlib.Path(path).resolve().as_uri())
    except webbrowser.Error:
        return False
