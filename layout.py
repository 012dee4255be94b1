"""How the network's layers are shown, shared by the page (network_page.py) and the figures (plots.py):
each layer's role and name, the block its neurons are drawn in, and the colours of activations."""
import math

import matplotlib

COLUMN_HEIGHT = 16  # hidden and output layers are blocks at most this many neurons tall
ACTIVATION_COLOURS = matplotlib.colormaps["viridis"]  # 0 → dark purple, the layer's largest → yellow


def role(layer, n_layers):
    return "input" if layer == 0 else "output" if layer == n_layers - 1 else "hidden"


def layer_name(layer, n_layers):
    return {"input": "input", "output": "output"}.get(role(layer, n_layers), f"hidden layer {layer}")


def block_shape(size, layer_role):
    """(rows, columns) of the block a layer is drawn as, filled row by row.

    The input is its square image (784 -> 28 × 28); other layers are at most 16 rows tall.
    """
    rows = math.isqrt(size) if layer_role == "input" else min(size, COLUMN_HEIGHT)
    columns = math.ceil(size / rows)
    return math.ceil(size / columns), columns
