"""Time network.html in headless Chromium: the first frame, and the re-light while a digit is drawn.

    python bench/bench_network_page.py                      # print the figures
    python bench/bench_network_page.py --screenshots docs   # ... and save the README's screenshots

The page is written from weights.npz with the default K and the picker's MNIST digits (from
--data-dir, else $NEUROSCRIBBLE_DATA, else none). Needs Playwright and Debian's chromium (see
tools/headless_chromium.py). Not a test: it prints numbers.

The first frame is the page's own mark (`drawnAt`): a task posted from the animation frame after
the graph is first painted, so it runs once the browser has painted that frame.

Two re-light figures: `draw()` is the page's whole work for one new point (strokes -> input ->
forward pass -> connections chosen -> the graph repainted), timed inside the page; `pointer to
frame` is what a person sees, from a real mouse move on the pad to the repainted frame painted
(it includes the wait for the browser's next animation frame, up to 17 ms at 60 Hz; it ends the way
the first frame does, in a task posted from the animation frame in which vis-network repaints).
"""
import argparse
import io
import os
import statistics
import sys
import tempfile

from PIL import Image  # Pillow: installed with matplotlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository's modules

import pen  # noqa: E402
import network_page  # noqa: E402
from model import Model  # noqa: E402
from tools.headless_chromium import VIEWPORT, open_page  # noqa: E402

# A 7 in pad pixels (400 × 400): the top bar, then the long diagonal.
SEVEN = [[(110, 90), (300, 90), (290, 110), (250, 180), (210, 250), (175, 330)]]
POINTS_PER_SEGMENT = 12

TIME_DRAW_CALLS = """strokes => {
    const times = [];
    for (let n = 1; n <= strokes[0].length; n++) {
        const start = performance.now();
        window.neuroscribble.draw([strokes[0].slice(0, n)]);
        times.push(performance.now() - start);
    }
    return times;
}"""
RECORD_POINTER_TO_FRAME = """() => {
    window.pointerToFrameMs = [];
    let movedAt = null;
    document.getElementById("pad").addEventListener("pointermove", () => { movedAt ??= performance.now(); }, true);
    network.on("afterDrawing", () => {
        if (movedAt === null) return;
        const from = movedAt;
        movedAt = null;
        setTimeout(() => window.pointerToFrameMs.push(performance.now() - from));
    });
}"""


def densified(stroke, per_segment=POINTS_PER_SEGMENT):
    """The stroke with per_segment evenly spaced points along each segment, as a mouse would send."""
    points = [stroke[0]]
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
        points += [(x0 + (x1 - x0) * t / per_segment, y0 + (y1 - y0) * t / per_segment)
                   for t in range(1, per_segment + 1)]
    return points


def pad_to_page(page, point):
    """Pad pixels -> the page's CSS pixels (the pad is shown smaller than its pixel size)."""
    box = page.locator("#pad").bounding_box()
    size = page.evaluate("window.neuroscribble.padSize")
    return box["x"] + point[0] * box["width"] / size, box["y"] + point[1] * box["height"] / size


def drag_on_pad(page, stroke):
    """Draw a stroke on the pad with real mouse events: press, move point by point, release."""
    page.mouse.move(*pad_to_page(page, stroke[0]))
    page.mouse.down()
    for point in stroke[1:]:
        page.mouse.move(*pad_to_page(page, point))
    page.mouse.up()


def measure(path, runs):
    """Over `runs` fresh page loads: ms to the first frame, per draw() call, and pointer to frame."""
    figures = {"first frame": [], "re-light, draw()": [], "re-light, pointer to frame": []}
    stroke = densified(SEVEN[0])
    for _ in range(runs):
        with open_page(path) as (page, refused, errors):
            if refused or errors:
                sys.exit(f"error: {path} tried to fetch {refused} or logged errors {errors}.")
            figures["first frame"].append(float(page.evaluate("document.body.dataset.drawnAt")))
            figures["re-light, draw()"] += page.evaluate(TIME_DRAW_CALLS, [stroke])
            page.evaluate("window.neuroscribble.clear()")
            page.evaluate(RECORD_POINTER_TO_FRAME)
            drag_on_pad(page, stroke)
            page.wait_for_timeout(100)
            figures["re-light, pointer to frame"] += page.evaluate("window.pointerToFrameMs")
            if errors:
                sys.exit(f"error: the page logged errors {errors}.")
    return figures


def save_screenshot(page, path):
    """Save the page as a 256-colour PNG: a third of the size of Chromium's, and alike to the eye."""
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def save_screenshots(path, folder):
    """network_live.png: a 7 a third drawn on the pad; network_neuron.png: the finished 7 with the
    panel of hidden layer 1's most active neuron open."""
    stroke = densified(SEVEN[0])
    with open_page(path) as (page, _, _):
        drag_on_pad(page, stroke[:len(stroke) // 3 + 1])  # the network not yet sure
        page.wait_for_timeout(200)
        save_screenshot(page, os.path.join(folder, "network_live.png"))
        page.evaluate("strokes => window.neuroscribble.draw(strokes)", [stroke])
        first_hidden = page.evaluate("window.neuroscribble.activations(1)")
        brightest = 784 + max(range(len(first_hidden)), key=first_hidden.__getitem__)
        click_neuron(page, brightest)
        page.wait_for_selector("#neuron.open")
        page.wait_for_timeout(200)
        save_screenshot(page, os.path.join(folder, "network_neuron.png"))


def click_neuron(page, node):
    """Click a neuron where the graph shows it."""
    dom = page.evaluate(f"() => network.canvasToDOM(window.neuroscribble.position({node}))")
    box = page.locator("#network").bounding_box()
    page.mouse.click(box["x"] + dom["x"], box["y"] + dom["y"])


def main(argv=None):
    parser = argparse.ArgumentParser(description="Time network.html in headless Chromium.")
    parser.add_argument("--weights", default="weights.npz", help="the trained model (default weights.npz)")
    parser.add_argument("--data-dir", help="MNIST folder (default: $NEUROSCRIBBLE_DATA, else data/mnist)")
    parser.add_argument("--runs", type=int, default=3, help="fresh page loads (default 3)")
    parser.add_argument("--screenshots", metavar="FOLDER", help="also save the README's screenshots here")
    args = parser.parse_args(argv)
    model = Model.load(args.weights)
    examples, examples_missing = network_page.picker_examples(args.data_dir)
    if args.screenshots and examples_missing:  # the README's pictures show the page with its digit picker
        sys.exit(f"error: not saving screenshots of a page without MNIST digits: {examples_missing}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "network.html")
        network_page.write_network_html(model, path, pen.stroke_settings(), examples=examples,
                                        examples_missing=examples_missing)
        print(f"Chromium headless, viewport {VIEWPORT['width']}×{VIEWPORT['height']}, {args.runs} loads; "
              f"page {os.path.getsize(path) / 1e6:.2f} MB; a 7 of {len(densified(SEVEN[0]))} points, K = "
              f"{network_page.K_DEFAULT}")
        for figure, values in measure(path, args.runs).items():
            print(f"  {figure:28s} median {statistics.median(values):6.1f} ms   max {max(values):6.1f} ms"
                  f"   ({len(values)} times)")
        if args.screenshots:
            save_screenshots(path, args.screenshots)
            print(f"Saved network_live.png and network_neuron.png in {args.screenshots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
