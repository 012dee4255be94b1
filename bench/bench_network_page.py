"""Time network.html in headless Chromium: the first frame, and each redraw while zooming.

    python bench/bench_network_page.py                      # print the figures
    python bench/bench_network_page.py --screenshots docs   # ... and save the README's screenshots

Two pages are written from weights.npz with the default K: the structure alone, and lit by
test image 0 (MNIST from --data-dir, else $NEUROSCRIBBLE_DATA). Needs Playwright and Debian's
chromium (see headless_chromium.py). Not a test: it prints numbers.
"""
import argparse
import io
import os
import statistics
import sys
import tempfile

from PIL import Image  # Pillow: installed with matplotlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository's modules

import network_page  # noqa: E402
import visualize  # noqa: E402
from tools.headless_chromium import VIEWPORT, open_page  # noqa: E402
from model import Model  # noqa: E402

# Per frame: the drawing itself (vis-network's beforeDrawing -> afterDrawing events), and the
# latency from the wheel event that asked for it to the end of the frame (includes the wait
# for the browser's next animation frame).
RECORD_FRAMES = """() => {
    window.drawMs = []; window.wheelToFrameMs = [];
    let drawStart = null, wheelAt = null;
    document.getElementById("network").addEventListener("wheel", () => { wheelAt = performance.now(); }, true);
    network.on("beforeDrawing", () => { drawStart = performance.now(); });
    network.on("afterDrawing", () => {
        const now = performance.now();
        window.drawMs.push(now - drawStart);
        if (wheelAt !== null) { window.wheelToFrameMs.push(now - wheelAt); wheelAt = null; }
    });
}"""
TAKE_FRAMES = "() => [window.drawMs.splice(0), window.wheelToFrameMs.splice(0)]"
WHEEL_STEPS, WHEEL_PAUSE_MS = 24, 60


def measure(path, runs):
    """Over `runs` fresh page loads: ms to the first frame, and per-frame ms while zooming and just after."""
    figures = {"first frame": [], "draw while zooming": [], "wheel to frame": [], "draw with edges after zoom": []}
    for _ in range(runs):
        with open_page(path) as (page, refused, errors):
            if refused or errors:
                sys.exit(f"error: {path} tried to fetch {refused} or logged errors {errors}.")
            figures["first frame"].append(float(page.evaluate("document.body.dataset.drawnAt")))
            page.evaluate(RECORD_FRAMES)
            page.mouse.move(VIEWPORT["width"] / 2, VIEWPORT["height"] / 2)
            for step in range(WHEEL_STEPS):  # zoom in, then back out
                page.mouse.wheel(0, -100 if step < WHEEL_STEPS // 2 else 100)
                page.wait_for_timeout(WHEEL_PAUSE_MS)
            draw, wheel = page.evaluate(TAKE_FRAMES)
            figures["draw while zooming"] += draw
            figures["wheel to frame"] += wheel
            page.wait_for_timeout(500)  # vis-network draws the hidden edges again 250 ms after the last zoom
            figures["draw with edges after zoom"] += page.evaluate(TAKE_FRAMES)[0]
    return figures


def save_screenshot(page, path):
    """Save the page as a 256-colour PNG: a third of the size of Chromium's, and alike to the eye."""
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def save_screenshots(structure_path, lit_path, lit_graph, folder):
    """The overview of each page, then the lit page zoomed in on hidden layer 2 and the outputs,
    hovering over the most active neuron of hidden layer 2 so that its tooltip shows."""
    with open_page(structure_path) as (page, _, _):
        save_screenshot(page, os.path.join(folder, "network_overview.png"))
    with open_page(lit_path) as (page, _, _):
        save_screenshot(page, os.path.join(folder, "network_lit.png"))
        n_layers = lit_graph.graph["n_layers"]
        hidden_2 = [node for node, layer in lit_graph.nodes(data="layer") if layer == n_layers - 2]
        outputs = [node for node, layer in lit_graph.nodes(data="layer") if layer == n_layers - 1]
        brightest = max(hidden_2, key=lambda node: lit_graph.nodes[node]["activation"])
        centre_x = (lit_graph.nodes[hidden_2[0]]["x"] + lit_graph.nodes[outputs[0]]["x"]) / 2
        page.evaluate(f"() => network.moveTo({{position: {{x: {centre_x}, y: -40}}, scale: 1.2}})")  # below the legend
        dom = page.evaluate(f"() => network.canvasToDOM(network.getPositions([{brightest}])[{brightest}])")
        page.mouse.move(dom["x"], dom["y"])
        page.wait_for_selector("div.vis-tooltip", state="visible")
        save_screenshot(page, os.path.join(folder, "network_zoom.png"))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Time network.html in headless Chromium.")
    parser.add_argument("--weights", default="weights.npz", help="the trained model (default weights.npz)")
    parser.add_argument("--data-dir", help="MNIST folder (default: $NEUROSCRIBBLE_DATA, else data/mnist)")
    parser.add_argument("--runs", type=int, default=3, help="fresh page loads per page (default 3)")
    parser.add_argument("--screenshots", metavar="FOLDER", help="also save the README's screenshots here")
    args = parser.parse_args(argv)
    model = Model.load(args.weights)
    images, labels = visualize.test_set(args.data_dir)
    with tempfile.TemporaryDirectory() as folder:
        structure_path, lit_path = os.path.join(folder, "structure.html"), os.path.join(folder, "lit.html")
        graph = network_page.write_network_html(model, structure_path)
        lit_graph = network_page.write_network_html(model, lit_path, images[0],
                                                    input_name=f"test image 0 (a {labels[0]})")
        print(f"Chromium headless, viewport {VIEWPORT['width']}×{VIEWPORT['height']}, {args.runs} loads per page; "
              f"{graph.number_of_nodes()} neurons, {graph.number_of_edges():,} edges "
              f"(K = {network_page.K_DEFAULT})")
        for name, path in (("structure", structure_path), ("lit", lit_path)):
            print(f"{name}: {os.path.getsize(path) / 1e6:.2f} MB")
            for figure, values in measure(path, args.runs).items():
                print(f"  {figure:28s} median {statistics.median(values):6.1f} ms   max {max(values):6.1f} ms"
                      f"   ({len(values)} frames)")
        if args.screenshots:
            save_screenshots(structure_path, lit_path, lit_graph, args.screenshots)
            print(f"Saved network_overview.png, network_lit.png and network_zoom.png in {args.screenshots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
