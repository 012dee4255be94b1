"""The interactive network graph: every neuron and its strongest connections, as one offline page.

networkx holds the graph (neurons at fixed positions, the chosen connections); pyvis renders it
through network_template.html into an HTML file that draws with vis-network, inlined, not fetched.
"""
import html
import json
import math
import os
import pathlib
import webbrowser

import matplotlib
import networkx as nx
import numpy as np
import pyvis
from pyvis.network import Network

from layout import ACTIVATION_COLOURS, block_shape, layer_name, role
from utils import atomic_write

K_DEFAULT = 8  # connections drawn into each neuron: enough to show structure, few enough to read

# pyvis renders our template, which inlines the vis-network files that pyvis ships with.
TEMPLATE_FOLDERS = [os.path.dirname(os.path.abspath(__file__)),
                    os.path.join(os.path.dirname(pyvis.__file__), "templates")]
TEMPLATE = "network_template.html"

# The layout, in vis-network canvas units (screen pixels at zoom 1).
SPACING = {"input": 20, "hidden": 28, "output": 56}  # between neighbouring neurons
DOT_SIZE = {"input": 6, "hidden": 8, "output": 14}  # radius
LAYER_GAP = 320  # between neighbouring layer blocks

BACKGROUND = "#101418"
LAYER_COLOURS = {"input": "#5c6370", "hidden": "#aab2bf", "output": "#e5e9f0"}
POSITIVE, NEGATIVE = "rgba(86, 156, 214, 0.65)", "rgba(224, 108, 117, 0.65)"
EDGE_WIDTH = (0.4, 4.0)  # width for strength 0 and for the layer's strongest drawn edge, linear between
PAGE_OPTIONS = {  # vis-network: a fixed layout, so panning and zooming only repaint
    "physics": {"enabled": False},
    "layout": {"improvedLayout": False},
    "nodes": {"shape": "dot", "font": {"size": 0}},  # pyvis labels every node with its id: hide those
    "edges": {"smooth": False},
    "interaction": {"dragNodes": False, "hideEdgesOnDrag": True, "hideEdgesOnZoom": True,
                    "tooltipDelay": 100, "navigationButtons": True},
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


def as_input(image, size):
    """A 28 × 28 or flat image -> (size,) float32, checked to hold values in [0, 1]."""
    x = np.asarray(image, dtype=np.float32).reshape(-1)
    if x.size != size or not np.all((x >= 0) & (x <= 1)):
        raise ValueError(f"image must hold {size} values in [0, 1], got shape {np.shape(image)}")
    return x


def network_graph(model, image=None, edges_per_neuron=K_DEFAULT):
    """The network as a networkx DiGraph: one node per neuron, numbered layer after layer.

    Node attributes: layer, index, x, y (the fixed layout), bias (None for inputs) and
    activation (None without an image; the outputs hold probabilities). Edge attributes:
    weight w, and contribution a·w when lit. Into each neuron go its K incoming connections
    with the largest |w|, or with an image the largest |a·w|, leaving out those with a·w = 0.
    """
    values = None if image is None else model.activations(as_input(image, model.layer_sizes[0]))
    n_layers = len(model.layer_sizes)
    graph = nx.DiGraph(n_layers=n_layers, side=math.isqrt(model.layer_sizes[0]))
    first_ids = np.cumsum([0, *model.layer_sizes])
    x_center = half_width = 0.0
    for layer, size in enumerate(model.layer_sizes):
        layer_role = role(layer, n_layers)
        previous_half_width, half_width = half_width, (block_shape(size, layer_role)[1] - 1) / 2 * SPACING[layer_role]
        if layer:
            x_center += previous_half_width + LAYER_GAP + half_width
        bias = model.dense_layers[layer - 1].b if layer else None
        for index, (x, y) in enumerate(layer_positions(size, layer_role, x_center)):
            graph.add_node(int(first_ids[layer] + index), layer=layer, index=index, x=float(x), y=float(y),
                           bias=None if bias is None else float(bias[index]),
                           activation=None if values is None else float(values[layer][index]))
    for layer, dense in enumerate(model.dense_layers):
        contributions = None if values is None else values[layer][:, None] * dense.W  # a_i · W_ij
        strength = np.abs(dense.W if contributions is None else contributions)  # (n_in, n_out)
        strongest = np.argsort(-strength, axis=0, kind="stable")[:edges_per_neuron]  # (K, n_out)
        for target, sources in enumerate(strongest.T):
            for source in sources[strength[sources, target] > 0]:
                graph.add_edge(int(first_ids[layer] + source), int(first_ids[layer + 1] + target),
                               weight=float(dense.W[source, target]),
                               contribution=None if contributions is None else float(contributions[source, target]))
    return graph


def edge_strength(data):
    """What an edge was chosen by and is drawn with: a·w when lit, else w."""
    return data["weight"] if data["contribution"] is None else data["contribution"]


def neuron_title(data, n_layers, side):
    """Hover text: layer, index, bias (for an input, its pixel row and column), and the value when lit."""
    layer, index, value = data["layer"], data["index"], data["activation"]
    if layer == 0:
        lines = [f"input pixel {index}: row {index // side}, column {index % side}",
                 "(no bias: inputs are the image itself)"]
        if value is not None:
            lines.append(f"pixel value {value:.3f}")
    else:
        digit = f" — the digit {index}" if layer == n_layers - 1 else ""
        lines = [f"{layer_name(layer, n_layers)}, neuron {index}{digit}", f"bias {data['bias']:+.3f}"]
        if value is not None:
            lines.append(f"probability {value:.1%}" if layer == n_layers - 1 else f"activation {value:.3f} (ReLU)")
    return "\n".join(lines)


def edge_title(graph, source, target, data):
    """Hover text: which neurons it joins, its weight, and when lit a·w."""
    side, n_layers = graph.graph["side"], graph.graph["n_layers"]
    names = []
    for node in (source, target):
        layer, index = graph.nodes[node]["layer"], graph.nodes[node]["index"]
        names.append(f"pixel ({index // side}, {index % side})" if layer == 0
                     else f"{layer_name(layer, n_layers)} #{index}")
    text = f"{names[0]} → {names[1]}\nweight w = {data['weight']:+.3f}"
    if data["contribution"] is not None:
        text += (f"\ncontribution a·w = {graph.nodes[source]['activation']:.3f} × {data['weight']:+.3f}"
                 f" = {data['contribution']:+.3f}")
    return text


def neuron_style(data, n_layers, layer_top):
    """pyvis add_node options: size and colour; outputs are circles holding their digit.

    Lit, the colour is activation ÷ layer_top (the layer's largest; 1 for pixels and probabilities).
    """
    layer_role, value = role(data["layer"], n_layers), data["activation"]
    colour = LAYER_COLOURS[layer_role] if value is None else ACTIVATION_COLOURS(value / layer_top)
    style = {"size": DOT_SIZE[layer_role], "color": matplotlib.colors.to_hex(colour)}
    if layer_role == "output":
        red, green, blue = matplotlib.colors.to_rgb(colour)
        text_colour = BACKGROUND if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.45 else "#ffffff"
        style.update(shape="circle", label=str(data["index"]) + ("" if value is None else f"\n{value:.0%}"),
                     font={"size": 14, "color": text_colour}, widthConstraint={"minimum": 36})
    return style


def pyvis_network(graph, legend):
    """The pyvis Network of a graph from network_graph: styled, with our template and options."""
    n_layers, side = graph.graph["n_layers"], graph.graph["side"]
    hidden_top = {}
    for _, data in graph.nodes(data=True):
        if 0 < data["layer"] < n_layers - 1 and data["activation"] is not None:
            hidden_top[data["layer"]] = max(hidden_top.get(data["layer"], 0.0), data["activation"])
    layer_top = [hidden_top.get(layer) or 1.0 for layer in range(n_layers)]
    strongest = [0.0] * n_layers
    for source, _, data in graph.edges(data=True):
        layer = graph.nodes[source]["layer"]
        strongest[layer] = max(strongest[layer], abs(edge_strength(data)))

    # directed=True also spares pyvis's duplicate-edge scan, which is quadratic in the edge count.
    net = Network(height="100vh", width="100%", directed=True, bgcolor=BACKGROUND, heading=legend,
                  cdn_resources="in_line")
    for node, data in graph.nodes(data=True):
        net.add_node(node, title=neuron_title(data, n_layers, side), x=data["x"], y=data["y"],
                     **neuron_style(data, n_layers, layer_top[data["layer"]]))
    thinnest, thickest = EDGE_WIDTH
    for source, target, data in graph.edges(data=True):
        value = edge_strength(data)
        net.add_edge(source, target, title=edge_title(graph, source, target, data),
                     width=thinnest + (thickest - thinnest) * abs(value) / strongest[graph.nodes[source]["layer"]],
                     color=POSITIVE if value > 0 else NEGATIVE,
                     arrows="")  # no arrowheads: the layers read left to right
    net.set_options(json.dumps(PAGE_OPTIONS))
    net.set_template_dir(TEMPLATE_FOLDERS, TEMPLATE)  # jinja searches both folders
    return net


def legend_html(model, graph, edges_per_neuron, input_name):
    """The page's legend box (pyvis hands it to the template as `heading`)."""
    def swatch(colour, shape="dot"):
        return f'<span class="{shape}" style="background:{colour}"></span>'

    n_layers = graph.graph["n_layers"]
    accuracy = model.metadata.get("test_accuracy")
    lines = [f"<b>NeuroScribble {' → '.join(map(str, model.layer_sizes))}</b>"
             + ("" if accuracy is None else f" · test accuracy {accuracy:.2%}")]
    outputs = [data["activation"] for _, data in graph.nodes(data=True) if data["layer"] == n_layers - 1]
    if outputs[0] is None:
        lines += [f"Neurons: {swatch(LAYER_COLOURS['input'])} input pixels {swatch(LAYER_COLOURS['hidden'])} "
                  f"hidden ReLU units {swatch(LAYER_COLOURS['output'])} output digits.",
                  f"Edges: into each neuron its {edges_per_neuron} strongest incoming weights w."]
    else:
        gradient = ", ".join(matplotlib.colors.to_hex(ACTIVATION_COLOURS(t)) for t in np.linspace(0, 1, 6))
        lines += [f"Lit by {html.escape(input_name)}: the network says <b>{np.argmax(outputs)}</b> "
                  f"({max(outputs):.1%}).",
                  f"Neuron colour = activation: 0 {swatch(f'linear-gradient(to right, {gradient})', 'bar')} "
                  "the layer's largest (outputs: probability).",
                  f"Edges: into each neuron its {edges_per_neuron} largest contributions a·w (activation × weight)."]
    lines += [f"{swatch(POSITIVE, 'line')} positive: excites {swatch(NEGATIVE, 'line')} negative: inhibits · "
              "thickest = the layer's strongest",
              '<span class="hint">Scroll to zoom, drag to pan, hover over a neuron or an edge for its numbers.</span>']
    return "<br>".join(lines)


def write_network_html(model, path, image=None, edges_per_neuron=K_DEFAULT, input_name="this input"):
    """Write the self-contained page (UTF-8) and return its networkx graph.

    image: 28 × 28 or 784 floats in [0, 1] to light the network with, or None for its structure.
    """
    graph = network_graph(model, image, edges_per_neuron)
    net = pyvis_network(graph, legend_html(model, graph, edges_per_neuron, input_name))
    with atomic_write(path) as temporary, open(temporary, "w", encoding="utf-8") as out:
        out.write(net.generate_html())
    return graph


def open_in_browser(path):
    """Show a file in the default web browser; False, not an error, when there is none."""
    try:
        return webbrowser.open(pathlib.Path(path).resolve().as_uri())
    except webbrowser.Error:
        return False
