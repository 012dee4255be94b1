"""visualize.py, network_page.py and plots.py: the graph, its page in a real browser, the plots, the command line."""
import os
import re
import webbrowser

import matplotlib.image
import numpy as np
import pytest

import data
import network_page
import plots
import visualize
from tools.headless_chromium import find_chromium, open_page
from model import Model

SIZES = (784, 128, 64, 10)
FIRST_ID = {"hidden 1": 784, "hidden 2": 912, "output": 976}


@pytest.fixture(scope="module")
def model(committed_weights_path):
    return Model.load(committed_weights_path)


@pytest.fixture(scope="module")
def digit(small_mnist):
    return small_mnist.test_images[0]


@pytest.fixture(scope="module")
def lit_page(model, digit, tmp_path_factory):
    path = tmp_path_factory.mktemp("page") / "network.html"
    graph = network_page.write_network_html(model, path, digit, input_name="test <image> 0")
    return path, graph


def incoming(graph, node):
    return sorted(graph.nodes[source]["index"] for source in graph.predecessors(node))


def k_largest(values, k):
    return sorted(np.argsort(-np.abs(values), kind="stable")[:k])


# The graph

def test_graph_holds_every_neuron_at_a_fixed_position_in_blocks_centred_on_one_axis(model):
    graph = network_page.network_graph(model)
    assert graph.number_of_nodes() == sum(SIZES) == 986
    positions = {(data["x"], data["y"]) for _, data in graph.nodes(data=True)}
    assert len(positions) == 986  # no two neurons share a spot
    spans = []
    for layer, size in enumerate(SIZES):
        xy = np.array([(data["x"], data["y"]) for _, data in graph.nodes(data=True) if data["layer"] == layer])
        assert len(xy) == size
        assert xy[:, 1].min() == -xy[:, 1].max()  # centred on the axis y = 0
        spans.append((xy[:, 0].min(), xy[:, 0].max()))
    assert all(left[1] < right[0] for left, right in zip(spans, spans[1:]))  # layers side by side, in order


def test_input_neurons_sit_where_their_pixels_are_in_the_image(model):
    graph = network_page.network_graph(model)

    def pixel(row, column):
        return graph.nodes[28 * row + column]

    assert pixel(5, 3)["y"] == pixel(5, 20)["y"] < pixel(6, 3)["y"]
    assert pixel(5, 3)["x"] == pixel(9, 3)["x"] < pixel(5, 4)["x"]


def test_each_neuron_gets_its_k_strongest_incoming_weights(model):
    graph = network_page.network_graph(model, edges_per_neuron=5)
    assert graph.number_of_edges() == 5 * (128 + 64 + 10)
    assert all(graph.in_degree(node) == (0 if layer == 0 else 5) for node, layer in graph.nodes(data="layer"))
    assert incoming(graph, FIRST_ID["hidden 1"] + 3) == k_largest(model.dense_layers[0].W[:, 3], 5)
    assert incoming(graph, FIRST_ID["output"] + 9) == k_largest(model.dense_layers[2].W[:, 9], 5)
    for source in graph.predecessors(FIRST_ID["output"] + 9):
        index = graph.nodes[source]["index"]
        assert graph.edges[source, FIRST_ID["output"] + 9]["weight"] == model.dense_layers[2].W[index, 9]


def test_neurons_with_fewer_inputs_than_k_get_all_of_them(model):
    graph = network_page.network_graph(model, edges_per_neuron=100)
    assert [graph.in_degree(FIRST_ID[name]) for name in ("hidden 1", "hidden 2", "output")] == [100, 100, 64]


def test_lit_graph_ranks_edges_by_their_contribution_activation_times_weight(model, digit):
    graph = network_page.network_graph(model, digit, edges_per_neuron=5)
    hidden_1 = model.activations(digit)[1]
    contributions = hidden_1[:, None] * model.dense_layers[1].W  # into hidden layer 2
    target = FIRST_ID["hidden 2"] + 7
    assert incoming(graph, target) == k_largest(contributions[:, 7], 5)
    assert incoming(graph, target) != k_largest(model.dense_layers[1].W[:, 7], 5)  # not simply by |w|
    for source in graph.predecessors(target):
        index = graph.nodes[source]["index"]
        assert graph.edges[source, target]["contribution"] == pytest.approx(contributions[index, 7])


def test_lit_graph_leaves_out_connections_that_carry_nothing(model):
    graph = network_page.network_graph(model, np.zeros((28, 28)), edges_per_neuron=5)
    assert all(graph.in_degree(FIRST_ID["hidden 1"] + j) == 0 for j in range(128))  # no ink, no a·w


def test_lit_graph_holds_activations_and_output_probabilities(model, digit):
    graph = network_page.network_graph(model, digit)
    probabilities = [graph.nodes[FIRST_ID["output"] + d]["activation"] for d in range(10)]
    np.testing.assert_allclose(probabilities, model.predict_proba(digit)[0], rtol=1e-5)
    assert graph.nodes[350]["activation"] == digit[350]


def test_image_of_the_wrong_size_or_range_is_rejected(model):
    with pytest.raises(ValueError, match="784 values in"):
        network_page.network_graph(model, np.zeros((20, 20)))
    with pytest.raises(ValueError, match="784 values in"):
        network_page.network_graph(model, np.full(784, 255.0))


# The page

def test_hover_text_gives_layer_index_and_bias_or_pixel_row_and_column(model):
    net = network_page.pyvis_network(network_page.network_graph(model), legend="")
    titles = {node["id"]: node["title"] for node in net.nodes}
    assert titles[28 * 12 + 14].startswith("input pixel 350: row 12, column 14\n")
    bias = model.dense_layers[0].b[5]
    assert titles[FIRST_ID["hidden 1"] + 5] == f"hidden layer 1, neuron 5\nbias {bias:+.3f}"
    assert titles[FIRST_ID["output"] + 7].startswith("output, neuron 7 — the digit 7\n")


def test_lit_output_neurons_show_their_probability(model, digit):
    net = network_page.pyvis_network(network_page.network_graph(model, digit), legend="")
    probabilities = model.predict_proba(digit)[0]
    labels = [node["label"] for node in net.nodes[-10:]]
    assert labels == [f"{d}\n{p:.0%}" for d, p in enumerate(probabilities)]


def test_edges_are_coloured_by_sign_and_widened_by_strength(model):
    graph = network_page.network_graph(model)
    net = network_page.pyvis_network(graph, legend="")
    weights = np.array([data["weight"] for _, _, data in graph.edges(data=True)])
    colours = np.array([edge["color"] for edge in net.edges])
    widths = np.array([edge["width"] for edge in net.edges])
    assert set(colours[weights > 0]) == {network_page.POSITIVE} and set(colours[weights < 0]) == {network_page.NEGATIVE}
    into_outputs = np.array([graph.nodes[target]["layer"] == 3 for _, target in graph.edges()])
    assert np.corrcoef(np.abs(weights[into_outputs]), widths[into_outputs])[0, 1] == pytest.approx(1)
    assert widths.max() == pytest.approx(network_page.EDGE_WIDTH[1])


def test_page_keeps_the_layout_fixed_and_hides_edges_while_moving(model):
    net = network_page.pyvis_network(network_page.network_graph(model), legend="")
    assert all(isinstance(node["x"], float) and isinstance(node["y"], float) for node in net.nodes)
    assert net.options["physics"]["enabled"] is False
    assert net.options["edges"]["smooth"] is False
    assert net.options["interaction"]["hideEdgesOnDrag"] and net.options["interaction"]["hideEdgesOnZoom"]


def test_page_is_one_utf8_file_that_fetches_nothing(lit_page):
    text = lit_page[0].read_bytes().decode("utf-8")
    assert "784 → 128 → 64 → 10" in text and "vis.Network(" in text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.IGNORECASE)
    assert not re.search(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=", text, re.IGNORECASE)
    assert not re.search(r"""url\(\s*(?!["']?data:)""", text)  # CSS images only as data: URLs
    assert "@import" not in text


def test_page_escapes_the_input_name_in_its_legend(lit_page):
    text = lit_page[0].read_text(encoding="utf-8")
    assert "Lit by test &lt;image&gt; 0" in text and "test <image> 0" not in text


# The page in a real browser

@pytest.fixture(scope="module")
def browser_page(lit_page):
    try:
        import playwright.sync_api  # noqa: F401
        reason = None if find_chromium() else "no chromium on PATH (Debian: apt-get install chromium)"
    except ImportError:
        reason = "Playwright is not installed (pip install playwright)"
    if reason:
        if os.environ.get("NEUROSCRIBBLE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and NEUROSCRIBBLE_REQUIRE_BROWSER=1 requires the browser test")
        pytest.skip(reason)
    with open_page(lit_page[0]) as opened:
        yield opened


def test_page_loads_offline_without_console_errors(browser_page):
    page, refused, errors = browser_page
    assert refused == [] and errors == []


def test_browser_dataset_holds_every_neuron_and_edge(browser_page, lit_page):
    page, _, _ = browser_page
    assert page.evaluate("nodes.length") == 986
    assert page.evaluate("edges.length") == lit_page[1].number_of_edges()


def test_canvas_is_not_blank(browser_page):
    page, _, _ = browser_page
    painted = page.evaluate("""() => {
        const canvas = document.querySelector("#network canvas");
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let alpha = 3; alpha < pixels.length; alpha += 4) painted += pixels[alpha] > 0;
        return painted / (canvas.width * canvas.height);
    }""")
    assert painted > 0.05


def test_mouse_wheel_zooms_in(browser_page):
    page, _, _ = browser_page
    before = page.evaluate("network.getScale()")
    page.mouse.move(640, 400)
    page.mouse.wheel(0, -300)
    page.wait_for_function(f"network.getScale() > {before}", timeout=5_000)


# The plots

def assert_nonempty_png(path):
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    pixels = matplotlib.image.imread(path)
    assert min(pixels.shape[:2]) > 200 and pixels[..., :3].std() > 0.05


@pytest.mark.parametrize("view", ["curves", "first-layer"])
def test_plot_of_the_committed_model_is_a_nonempty_png(view, committed_weights_path, tmp_path):
    path = tmp_path / f"{view}.png"
    assert visualize.main([view, "--weights", committed_weights_path, "--out", str(path)]) == 0
    assert_nonempty_png(path)


@pytest.mark.parametrize("draw", [plots.confusion_matrix, plots.confident_mistakes])
def test_test_set_plot_is_a_nonempty_png(draw, model, small_mnist, tmp_path):
    draw(model, small_mnist.test_images, small_mnist.test_labels).savefig(tmp_path / "plot.png")
    assert_nonempty_png(tmp_path / "plot.png")


def test_activations_plot_is_a_nonempty_png(model, digit, tmp_path):
    plots.activations(model, digit, "test image 0").savefig(tmp_path / "plot.png")
    assert_nonempty_png(tmp_path / "plot.png")


def test_plots_writes_all_five_from_the_full_test_set(full_mnist, committed_weights_path, tmp_path):
    data_dir = os.environ["NEUROSCRIBBLE_DATA"]
    assert visualize.main(["plots", "--weights", committed_weights_path, "--data-dir", data_dir,
                           "--out", str(tmp_path)]) == 0
    assert sorted(os.listdir(tmp_path)) == sorted(visualize.PLOT_FILES.values())
    for name in visualize.PLOT_FILES.values():
        assert_nonempty_png(tmp_path / name)


def test_training_curves_need_a_training_history(tmp_path):
    Model().save(tmp_path / "bare.npz")
    with pytest.raises(SystemExit, match="^error: .*no training history"):
        visualize.main(["curves", "--weights", str(tmp_path / "bare.npz"), "--out", str(tmp_path / "c.png")])


def test_a_model_that_makes_no_mistakes_is_told_so(model, small_mnist):
    images = small_mnist.test_images[:20]
    with pytest.raises(plots.PlotError, match="no mistakes"):
        plots.confident_mistakes(model, images, model.predict(images))


# The command line

@pytest.fixture
def small_test_set(monkeypatch, small_mnist):
    monkeypatch.setattr(visualize, "test_set", lambda data_dir, mirror=None: (small_mnist.test_images, small_mnist.test_labels))
    return small_mnist


@pytest.fixture
def no_browser(monkeypatch):
    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or False)
    return opened


def test_network_command_writes_the_page_and_says_so_when_no_browser_can_show_it(committed_weights_path, tmp_path,
                                                                                  no_browser, capsys):
    out = tmp_path / "page.html"
    assert visualize.main(["--weights", committed_weights_path, "--out", str(out)]) == 0
    assert out.stat().st_size > 500_000
    assert no_browser == [out.resolve().as_uri()]
    assert "No web browser found" in capsys.readouterr().out


def test_no_open_never_starts_a_browser(committed_weights_path, tmp_path, no_browser):
    visualize.main(["--weights", committed_weights_path, "--out", str(tmp_path / "page.html"), "--no-open"])
    assert no_browser == []


def test_open_in_browser_is_false_not_an_error_without_a_browser(monkeypatch, tmp_path):
    def no_runnable_browser(url):
        raise webbrowser.Error("could not locate runnable browser")
    monkeypatch.setattr(webbrowser, "open", no_runnable_browser)
    assert network_page.open_in_browser(tmp_path / "page.html") is False


def test_sample_lights_the_page_with_that_test_image(committed_weights_path, tmp_path, small_test_set):
    out = tmp_path / "page.html"
    visualize.main(["--weights", committed_weights_path, "--out", str(out), "--no-open", "--sample", "3"])
    assert f"Lit by test image 3 (a {small_test_set.test_labels[3]})" in out.read_text(encoding="utf-8")


def test_sample_outside_the_test_set_is_a_one_line_error(committed_weights_path, tmp_path, small_test_set):
    with pytest.raises(SystemExit, match=r"^error: --sample must be between 0 and 999\.$"):
        visualize.main(["--weights", committed_weights_path, "--no-open", "--sample", "1000"])


def test_an_unwritable_output_is_a_one_line_error(committed_weights_path, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder is needed")
    with pytest.raises(SystemExit) as exit_info:
        visualize.main(["curves", "--weights", committed_weights_path, "--out", str(blocker / "curves.png")])
    assert str(exit_info.value).startswith("error: could not write")


def test_missing_weights_file_is_a_one_line_error(tmp_path):
    with pytest.raises(SystemExit, match=r"^error: .*nothing\.npz does not exist[^\n]*$"):
        visualize.main(["--weights", str(tmp_path / "nothing.npz"), "--no-open"])


def test_missing_mnist_files_that_cannot_be_downloaded_are_a_one_line_error_saying_image_needs_none(
        committed_weights_path, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "MIRRORS", ("http://127.0.0.1:9/",))  # nothing listens on port 9
    with pytest.raises(SystemExit, match=r"^error: could not download .* copy the four MNIST \.gz files[^\n]*"
                                         r"--image needs no MNIST data\.\)$"):
        visualize.main(["confusion", "--weights", committed_weights_path, "--data-dir", str(tmp_path)])


@pytest.mark.parametrize("argv, complaint", [
    (["--edges-per-neuron", "0"], "--edges-per-neuron must be at least 1"),
    (["--show"], "--show is for the plots"),
    (["confusion", "--sample", "3"], "--sample and --image light up the network or the activations plot only"),
    (["--sample", "3", "--image", "x.png"], "not allowed with argument"),
    (["curves", "--out", "curves.out"], "--out must name a .png file for this view"),
    (["--out", "network"], "--out must name a .html file for this view"),
    (["curves", "--out", "."], "--out must name a .png file for this view"),
])
def test_contradictory_or_invalid_flags_are_usage_errors(argv, complaint, capsys):
    with pytest.raises(SystemExit) as exit_info:
        visualize.main(argv)
    assert exit_info.value.code == 2 and complaint in capsys.readouterr().err


# --image: a picture of a digit

def save_picture(path, image, ink_on_paper):
    """Save a 28 × 28 image in [0, 1] as a 280 × 280 grey PNG, as dark ink on paper or bright ink on black."""
    big = np.kron(image.reshape(28, 28), np.ones((10, 10)))
    matplotlib.image.imsave(path, 1 - big if ink_on_paper else big, cmap="gray", vmin=0, vmax=1)


def test_dark_ink_on_paper_is_inverted_to_read_like_bright_ink_on_black(digit, tmp_path):
    save_picture(tmp_path / "paper.png", digit, ink_on_paper=True)
    save_picture(tmp_path / "screen.png", digit, ink_on_paper=False)
    from_paper, from_screen = visualize.load_png(tmp_path / "paper.png"), visualize.load_png(tmp_path / "screen.png")
    assert from_paper.shape == (784,) and from_paper.dtype == np.float32
    np.testing.assert_allclose(from_paper, from_screen, atol=0.02)
    assert from_paper.mean() < 0.3 and from_paper.max() == 1  # mostly dark background, bright ink


def test_image_flag_lights_the_page_with_the_picture(committed_weights_path, digit, tmp_path):
    save_picture(tmp_path / "seven.png", digit, ink_on_paper=True)
    out = tmp_path / "page.html"
    visualize.main(["--weights", committed_weights_path, "--out", str(out), "--no-open",
                    "--image", str(tmp_path / "seven.png")])
    assert "Lit by seven.png: the network says <b>7</b>" in out.read_text(encoding="utf-8")


def test_unreadable_picture_is_a_one_line_error(committed_weights_path, tmp_path):
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(SystemExit, match=r"^error: .*notes\.png cannot be read as an image[^\n]*$"):
        visualize.main(["--weights", committed_weights_path, "--no-open", "--image", str(tmp_path / "notes.png")])


def test_picture_without_ink_is_a_one_line_error(committed_weights_path, tmp_path):
    matplotlib.image.imsave(tmp_path / "blank.png", np.ones((50, 50)), cmap="gray", vmin=0, vmax=1)
    with pytest.raises(SystemExit, match=r"^error: .*blank\.png shows no ink"):
        visualize.main(["activations", "--weights", committed_weights_path, "--image", str(tmp_path / "blank.png"),
                        "--out", str(tmp_path / "a.png")])
