"""visualize.py, network_page.py and plots.py: the graph, its page in a real browser, the plots, the command line."""
import base64
import io
import json
import os
import pathlib
import re
import webbrowser

import matplotlib.image
import numpy as np
import pytest

import data
import pen
import network_page
import plots
import visualize
from helpers import REPO_ROOT
from model import Model
from tools.eval_handwriting import fit_to_canvas
from tools.headless_chromium import VIEWPORT, find_chromium, open_page

SIZES = (784, 128, 64, 10)
FIRST_ID = {"hidden 1": 784, "hidden 2": 912, "output": 976}


@pytest.fixture(scope="module")
def model(committed_weights_path):
    return Model.load(committed_weights_path)


@pytest.fixture(scope="module")
def digit(small_mnist):
    return small_mnist.test_images[0]


PENDIGITS = os.path.join(REPO_ROOT, "..", "shared", "handwriting", "pendigits_train_digits.json")


@pytest.fixture(scope="module")
def examples(small_mnist):
    return network_page.pick_examples(small_mnist.test_images, small_mnist.test_labels)


@pytest.fixture(scope="module")
def page_path(model, examples, tmp_path_factory):
    path = tmp_path_factory.mktemp("page") / "network.html"
    network_page.write_network_html(model, path, pen.stroke_settings(), examples=examples)
    return path


def embedded_data(path):
    """The JSON the page's script reads, taken back out of the HTML."""
    text = pathlib.Path(path).read_text(encoding="utf-8")
    return json.loads(re.search(r'<script id="neuroscribble-data" type="application/json">(.*?)</script>',
                                text, re.DOTALL).group(1))


def floats(base64_text):
    return np.frombuffer(base64.b64decode(base64_text), "<f4")


# The layout

def test_every_neuron_has_its_own_place_in_blocks_side_by_side_centred_on_one_axis():
    positions = network_page.neuron_positions(SIZES)
    assert [len(xy) for xy in positions] == list(SIZES)
    assert len({tuple(point) for xy in positions for point in xy}) == 986  # no two neurons share a spot
    assert all(xy[:, 1].min() == -xy[:, 1].max() for xy in positions)  # centred on the axis y = 0
    spans = [(xy[:, 0].min(), xy[:, 0].max()) for xy in positions]
    assert all(left[1] < right[0] for left, right in zip(spans, spans[1:]))  # layers side by side, in order


def test_input_neurons_sit_where_their_pixels_are_in_the_image():
    x, y = network_page.neuron_positions(SIZES)[0].T

    def pixel(row, column):
        return x[28 * row + column], y[28 * row + column]

    assert pixel(5, 3)[1] == pixel(5, 20)[1] < pixel(6, 3)[1]
    assert pixel(5, 3)[0] == pixel(9, 3)[0] < pixel(5, 4)[0]


# What the page carries

def test_page_carries_the_weights_and_biases_exactly(model, page_path):
    data = embedded_data(page_path)
    assert data["layerSizes"] == list(SIZES)
    for dense, weights, biases in zip(model.dense_layers, data["weights"], data["biases"]):
        assert np.array_equal(floats(weights).reshape(dense.W.shape), dense.W)
        assert np.array_equal(floats(biases), dense.b)


def test_the_page_gets_pen_pys_constants_so_the_two_never_diverge(page_path, monkeypatch, committed_weights_path,
                                                             tmp_path):
    assert embedded_data(page_path)["pen"] == {
        "padSize": pen.CANVAS_SIZE, "side": 28, "skeletonBox": pen.SKELETON_BOX, "radius": pen.PEN_RADIUS,
        "softness": pen.PEN_SOFTNESS, "minExtent": pen.MIN_DRAWING_EXTENT, "center": [14.0, 14.0]}
    monkeypatch.setattr(pen, "SKELETON_BOX", 17.25)  # a retuned pen reaches the next page written
    visualize.main(["--weights", committed_weights_path, "--out", str(tmp_path / "retuned.html"), "--no-open"])
    assert embedded_data(tmp_path / "retuned.html")["pen"]["skeletonBox"] == 17.25


def test_picker_gets_the_first_two_test_digits_of_each_class(small_mnist, examples, page_path):
    images, labels = examples
    assert labels.tolist() == [digit for digit in range(10) for _ in range(2)]
    first_seven = int(np.flatnonzero(small_mnist.test_labels == 7)[0])
    np.testing.assert_array_equal(images[14], small_mnist.test_images[first_seven])
    data = embedded_data(page_path)
    assert data["examples"]["labels"] == labels.tolist()
    np.testing.assert_array_equal(floats(data["examples"]["images"]).reshape(20, 784), images)


def test_script_json_cannot_end_the_script_element_early():
    assert "</" not in network_page.script_json({"name": "</script><b>"})
    assert json.loads(network_page.script_json({"name": "</script>"})) == {"name": "</script>"}


def test_strokes_fragment_holds_the_strokes_as_json(model):
    fragment = network_page.strokes_fragment([[(10, 20), (30.26, 40)], [], [(5, 5)]])
    assert fragment.startswith("#strokes=")
    assert json.loads(fragment[len("#strokes="):]) == [[[10, 20], [30.3, 40]], [[5, 5]]]


def test_page_is_one_utf8_file_under_2_mb_that_fetches_nothing(page_path):
    raw = page_path.read_bytes()
    text = raw.decode("utf-8")
    assert len(raw) < 2_000_000 and "vis.Network(" in text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.IGNORECASE)
    assert not re.search(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=", text, re.IGNORECASE)
    assert not re.search(r"""url\(\s*(?!["']?data:)""", text)  # CSS images only as data: URLs
    assert "@import" not in text


def test_image_of_the_wrong_size_or_range_is_rejected(model, tmp_path):
    with pytest.raises(ValueError, match="784 values in"):
        network_page.write_network_html(model, tmp_path / "page.html", pen.stroke_settings(),
                                        image=np.zeros((20, 20)))
    with pytest.raises(ValueError, match="784 values in"):
        network_page.write_network_html(model, tmp_path / "page.html", pen.stroke_settings(),
                                        image=np.full(784, 255.0))


# The page in a real browser

@pytest.fixture(scope="module")
def browser(page_path):
    try:
        import playwright.sync_api  # noqa: F401
        reason = None if find_chromium() else "no chromium on PATH (Debian: apt-get install chromium)"
    except ImportError:
        reason = "Playwright is not installed (pip install playwright)"
    if reason:
        if os.environ.get("NEUROSCRIBBLE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and NEUROSCRIBBLE_REQUIRE_BROWSER=1 requires the browser test")
        pytest.skip(reason)
    with open_page(page_path) as opened:
        yield opened


@pytest.fixture
def page(browser):
    """The open page, wiped clean: nothing drawn, no neuron chosen, the whole network in view."""
    page = browser[0]
    page.evaluate("window.neuroscribble.clear()")
    page.keyboard.press("Escape")
    page.keyboard.press("0")
    return page


def python_probabilities(model, strokes):
    image = pen.digit_from_strokes(strokes)
    return None if image is None else model.predict_proba(image.reshape(1, -1))[0]


def pad_to_page(page, x, y):
    box = page.locator("#pad").bounding_box()
    size = page.evaluate("window.neuroscribble.padSize")
    return box["x"] + x * box["width"] / size, box["y"] + y * box["height"] / size


def test_page_loads_offline_without_console_errors(browser):
    page, refused, errors = browser
    page.evaluate("window.neuroscribble.draw([[[100, 100], [300, 300]]])")
    assert refused == [] and errors == []


RECORD_FIRST_FRAME = """new MutationObserver((_, observer) => {  // as soon as the page marks its first frame painted
    if (!document.body || !document.body.dataset.drawnAt) return;
    observer.disconnect();
    const canvases = document.querySelectorAll("#network canvas");
    window.firstFrame = {visLoaded: "vis" in window, canvases: canvases.length, picture: canvases[0].toDataURL()};
}).observe(document, {attributes: true, subtree: true});"""


def canvas_pixels(data_url):
    """A canvas's toDataURL() -> its (height, width, 4) pixels in [0, 1]."""
    return matplotlib.image.imread(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])), format="png")


def test_the_first_frame_is_painted_before_vis_network_runs_and_vis_network_takes_it_over_unchanged(browser,
                                                                                                    page_path):
    fresh = browser[0].context.browser.new_page(viewport=VIEWPORT)  # the shared page stays as it is
    errors = []
    fresh.on("pageerror", lambda error: errors.append(str(error)))
    fresh.add_init_script(RECORD_FIRST_FRAME)
    fresh.goto(page_path.resolve().as_uri())
    fresh.wait_for_selector("body[data-handed-over-at]", state="attached")
    first = fresh.evaluate("window.firstFrame")
    assert first["visLoaded"] is False and first["canvases"] == 1
    assert fresh.evaluate("document.querySelectorAll('#network canvas').length") == 1  # vis-network's alone
    handed_over = canvas_pixels(fresh.evaluate("document.querySelector('#network canvas').toDataURL()"))
    difference = np.abs(canvas_pixels(first["picture"]) - handed_over)
    assert np.mean(difference > 2 / 255) < 0.001  # the same picture in the same place (measured: identical)
    fresh.close()
    assert errors == []


def test_a_seven_dragged_on_the_pad_with_the_mouse_is_read_as_7(page, model):
    seven = [(110, 90), (300, 90), (270, 150), (230, 220), (200, 280), (175, 330)]
    page.mouse.move(*pad_to_page(page, *seven[0]))
    page.mouse.down()
    for point in seven[1:]:
        page.mouse.move(*pad_to_page(page, *point), steps=4)
    page.mouse.up()
    page.wait_for_function("window.neuroscribble.prediction() !== null")
    answer = page.evaluate("window.neuroscribble.prediction()")
    assert answer["digit"] == 7
    assert "the network says 7" in page.locator("#status").inner_text()
    assert "7" == page.locator(".bar.top span").inner_text()


def test_a_seven_drawn_with_a_finger_on_a_touch_screen_is_read_as_7(browser, page_path):
    context = browser[0].context.browser.new_context(viewport=VIEWPORT, has_touch=True)
    touch_page = context.new_page()
    touch_page.goto(page_path.resolve().as_uri())
    touch_page.wait_for_selector("body[data-handed-over-at]", state="attached")
    finger = context.new_cdp_session(touch_page)  # real touch input: Chromium makes touch pointer events of it
    seven = [(110, 90), (300, 90), (270, 150), (230, 220), (200, 280), (175, 330)]
    steps = [np.array(start) + (np.array(end) - start) * t for start, end in zip(seven, seven[1:])
             for t in np.linspace(0, 1, 5)[1:]]
    kinds = ["touchStart"] + ["touchMove"] * len(steps)
    for kind, (x, y) in zip(kinds, [seven[0], *steps]):
        page_x, page_y = pad_to_page(touch_page, x, y)
        finger.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": page_x, "y": page_y}]})
    finger.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    touch_page.wait_for_function("window.neuroscribble.prediction() !== null")
    assert touch_page.evaluate("window.neuroscribble.prediction().digit") == 7
    assert touch_page.evaluate("window.scrollY") == 0  # the finger drew; it did not scroll the page
    context.close()


def test_page_and_python_read_200_real_handwritten_digits_alike(page, model):
    if not os.path.exists(PENDIGITS):
        pytest.skip(f"{PENDIGITS} is not here; the parity check needs real handwriting")
    with open(PENDIGITS, encoding="utf-8") as stream:
        digits = json.load(stream)[::37][:200]  # spread over the file: all 30 writers
    drawings = [[[[float(x), float(y)] for x, y in stroke] for stroke in fit_to_canvas(digit["strokes"])]
                for digit in digits]
    in_page = page.evaluate("drawings => drawings.map(strokes => window.neuroscribble.draw(strokes))", drawings)
    in_python = [python_probabilities(model, strokes) for strokes in drawings]
    same_digit = np.mean([p["digit"] == q.argmax() for p, q in zip(in_page, in_python)])
    difference = np.array([np.abs(np.array(p["probabilities"]) - q).max() for p, q in zip(in_page, in_python)])
    assert len(drawings) == 200 and same_digit >= 0.99 and np.mean(difference <= 0.02) >= 0.95
    assert difference.max() < 1e-5  # the same arithmetic (measured: 4e-7), float64 sums in the page


def test_a_drawing_too_small_to_read_gives_no_prediction_in_either(page, model):
    dot = [[[200, 200], [203, 202]]]
    assert python_probabilities(model, dot) is None
    assert page.evaluate("strokes => window.neuroscribble.draw(strokes)", dot) is None
    assert "too small" in page.locator("#status").inner_text()


def test_undo_takes_back_the_last_stroke(page, model):
    one = [[200, 60], [200, 340]]
    page.evaluate("strokes => window.neuroscribble.draw(strokes)", [one, [[120, 300], [280, 300]]])
    page.click("#undo")
    expected = python_probabilities(model, [one])
    np.testing.assert_allclose(page.evaluate("window.neuroscribble.prediction()")["probabilities"], expected, atol=1e-6)


def test_picking_an_mnist_digit_feeds_that_image_to_the_network(page, model, examples):
    page.locator("#picker canvas").nth(14).click()
    probabilities = page.evaluate("window.neuroscribble.prediction()")["probabilities"]
    np.testing.assert_allclose(probabilities, model.predict_proba(examples[0][14:15])[0], atol=1e-6)


def click_neuron(page, node):
    dom = page.evaluate(f"() => network.canvasToDOM(window.neuroscribble.position({node}))")
    box = page.locator("#network").bounding_box()
    page.mouse.click(box["x"] + dom["x"], box["y"] + dom["y"])


def test_clicking_a_neuron_opens_its_panel_with_its_weighted_sum(page, model):
    strokes = [[[200, 60], [200, 340]]]
    page.evaluate("strokes => window.neuroscribble.draw(strokes)", strokes)
    hidden_2 = model.activations(pen.digit_from_strokes(strokes))[2]
    index = int(hidden_2.argmax())
    click_neuron(page, FIRST_ID["hidden 2"] + index)
    panel = page.locator("#neuron")
    assert panel.is_visible()
    text = panel.inner_text()
    assert f"hidden layer 2 #{index}" in text and "z = Σ a·w + b" in text
    assert f"max(0, z) = {hidden_2[index]:.3f}" in text
    assert page.locator("#map-w").is_visible()
    page.keyboard.press("Escape")
    assert not panel.is_visible()


def test_an_output_neurons_panel_shows_its_softmax(page, model):
    strokes = [[[200, 60], [200, 340]]]
    page.evaluate("strokes => window.neuroscribble.draw(strokes)", strokes)
    click_neuron(page, FIRST_ID["output"] + 1)
    probability = python_probabilities(model, strokes)[1]
    assert f"= {100 * probability:.2f} %" in page.locator("#neuron").inner_text()


def test_legend_says_how_many_of_the_109184_connections_are_drawn_and_folds_away(page, model):
    strokes = [[[200, 60], [200, 340]]]
    page.evaluate("strokes => window.neuroscribble.draw(strokes)", strokes)
    values = model.activations(pen.digit_from_strokes(strokes))
    carrying = [np.count_nonzero(a[:, None] * dense.W, axis=0) for a, dense in zip(values, model.dense_layers)]
    drawn = sum(np.minimum(count, network_page.K_DEFAULT).sum() for count in carrying)  # K per neuron, if it has them
    legend = page.locator("#legend-text")
    text = legend.inner_text()
    assert f"Lines: {drawn:,} of the 109,184 connections" in text and "largest |a·w|" in text
    page.locator("#legend summary").click()
    assert not legend.is_visible()
    page.locator("#legend summary").click()
    assert legend.is_visible()


def test_zooming_out_stops_at_a_sensible_bound(page):
    fitted = page.evaluate("network.getScale()")
    page.mouse.move(900, 400)
    for _ in range(30):
        page.mouse.wheel(0, 300)
    page.wait_for_timeout(100)
    assert page.evaluate("network.getScale()") == pytest.approx(fitted / 2, rel=0.01)


def test_keys_zoom_pan_and_fit(page):
    fitted, centre = page.evaluate("[network.getScale(), network.getViewPosition()]")
    page.keyboard.press("+")
    assert page.evaluate("network.getScale()") == pytest.approx(fitted * 1.25)
    page.keyboard.press("ArrowRight")
    assert page.evaluate("network.getViewPosition().x") > centre["x"]
    page.keyboard.press("0")
    assert page.evaluate("network.getScale()") == pytest.approx(fitted)


def test_canvas_is_not_blank(page):
    page.evaluate("window.neuroscribble.draw([[[200, 60], [200, 340]]])")
    painted = page.evaluate("""() => {
        const canvas = document.querySelector("#network canvas");
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let alpha = 3; alpha < pixels.length; alpha += 4) painted += pixels[alpha] > 0;
        return painted / (canvas.width * canvas.height);
    }""")
    assert painted > 0.05


def test_the_opener_brings_the_page_up_with_the_strokes_drawn(browser, page_path, model):
    page, refused, errors = browser
    strokes = [[(200, 60), (200, 340)]]
    opener = page_path.parent / "opener" / "network_drawing.html"
    opener.parent.mkdir()
    network_page.write_opener(opener, page_path, strokes)
    page.goto(opener.as_uri())
    page.wait_for_url(page_path.resolve().as_uri() + "#strokes=*")
    page.wait_for_selector("body[data-handed-over-at]", state="attached")
    np.testing.assert_allclose(page.evaluate("window.neuroscribble.prediction()")["probabilities"],
                               python_probabilities(model, strokes), atol=1e-6)
    assert refused == [] and errors == []


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


def test_training_curves_of_distortion_training_say_why_training_accuracy_is_lower(committed_weights_path):
    model = Model.load(committed_weights_path)
    texts = [text.get_text() for axes in plots.training_curves(model).axes for text in axes.texts]
    assert any("harder to read" in text for text in texts)
    model.metadata["augment"] = False
    assert not [text for axes in plots.training_curves(model).axes for text in axes.texts]


def test_mistakes_are_drawn_white_on_black_as_the_app_shows_digits(model, small_mnist):
    figure = plots.confident_mistakes(model, small_mnist.test_images, small_mnist.test_labels)
    image = figure.axes[0].images[0]
    assert image.get_cmap().name == "gray" and image.norm.vmin == 0  # 0 (no ink) is black


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


def test_sample_starts_the_page_with_that_test_image(committed_weights_path, tmp_path, small_test_set):
    out = tmp_path / "page.html"
    visualize.main(["--weights", committed_weights_path, "--out", str(out), "--no-open", "--sample", "3"])
    start = embedded_data(out)["start"]
    assert start["name"] == f"test image 3 (a {small_test_set.test_labels[3]})"
    np.testing.assert_array_equal(floats(start["image"]), small_test_set.test_images[3])


def test_edges_per_neuron_reaches_the_page(committed_weights_path, tmp_path):
    out = tmp_path / "page.html"
    visualize.main(["--weights", committed_weights_path, "--out", str(out), "--no-open", "--edges-per-neuron", "3"])
    assert embedded_data(out)["edgesPerNeuron"] == 3


def test_the_picker_comes_from_the_test_set(committed_weights_path, tmp_path, small_mnist, monkeypatch):
    monkeypatch.setattr(network_page, "load_test_set",
                        lambda data_dir: (small_mnist.test_images, small_mnist.test_labels))
    out = tmp_path / "page.html"
    visualize.main(["--weights", committed_weights_path, "--out", str(out), "--no-open"])
    assert len(embedded_data(out)["examples"]["labels"]) == 20


def test_without_mnist_the_page_is_still_written_and_says_why_it_has_no_picker(committed_weights_path, tmp_path,
                                                                               capsys):
    out = tmp_path / "page.html"
    assert visualize.main(["--weights", committed_weights_path, "--out", str(out), "--no-open",
                           "--data-dir", str(tmp_path)]) == 0
    data = embedded_data(out)
    assert "examples" not in data and "is missing; copy the four MNIST .gz files" in data["examplesMissing"]
    assert "The page has no MNIST digits to start from" in capsys.readouterr().out


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


def test_image_flag_starts_the_page_with_the_picture(committed_weights_path, digit, tmp_path):
    save_picture(tmp_path / "seven.png", digit, ink_on_paper=True)
    out = tmp_path / "page.html"
    visualize.main(["--weights", committed_weights_path, "--out", str(out), "--no-open",
                    "--image", str(tmp_path / "seven.png")])
    start = embedded_data(out)["start"]
    assert start["name"] == "seven.png"
    np.testing.assert_array_equal(floats(start["image"]), visualize.load_png(tmp_path / "seven.png"))


def test_unreadable_picture_is_a_one_line_error(committed_weights_path, tmp_path):
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(SystemExit, match=r"^error: .*notes\.png cannot be read as an image[^\n]*$"):
        visualize.main(["--weights", committed_weights_path, "--no-open", "--image", str(tmp_path / "notes.png")])


def test_picture_without_ink_is_a_one_line_error(committed_weights_path, tmp_path):
    matplotlib.image.imsave(tmp_path / "blank.png", np.ones((50, 50)), cmap="gray", vmin=0, vmax=1)
    with pytest.raises(SystemExit, match=r"^error: .*blank\.png shows no ink"):
        visualize.main(["activations", "--weights", committed_weights_path, "--image", str(tmp_path / "blank.png"),
                        "--out", str(tmp_path / "a.png")])
