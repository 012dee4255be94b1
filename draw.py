"""Draw a digit with the mouse and watch the network name it: the pygame window and the
preprocessing that turns a drawing into the 28 × 28 image MNIST's digits look like.

    python draw.py                      # uses weights.npz beside this file
    python draw.py --weights other.npz

After it answers, press the digit you drew to keep the drawing in your collection
(my_drawings.npz beside the weights); T teaches the network your handwriting (teach.py).
"""
import argparse
import collections
import os
import sys
import threading

if __name__ == "__main__":  # one OpenBLAS thread for teaching (T), as teach.py explains; before NumPy loads
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy import ndimage

from data import MNIST_CENTER
from model import Model, WeightsError
from pen import CANVAS_SIZE, MNIST_SIZE, combined, digit_from_strokes, reading_copies, stroke_settings  # noqa: F401
# (digit_from_strokes: the app's path from the mouse's strokes to the network's input, named here too)
from utils import run_script

pygame = None  # loaded by App, only when a window is made: `import draw` stays free of a window library

DEFAULT_WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights.npz")
# A 25 px pen: thin enough that a small drawing keeps its loops open (thinning cannot reopen a
# loop a fat brush filled); set_stroke_width then gives every drawing MNIST's stroke width.
BRUSH_RADIUS = 12.0
MNIST_BOX = 20                        # MNIST digits: longest side 20 px inside 28 × 28
STROKE_WIDTH = 2.0                    # in the 20 px box; outputs then measure ~2.0–2.3 px, MNIST 2.07
FAINT_INK = 0.1                       # below 10 % of the brightest pixel is not ink,
MIN_INK_CONTRAST = 24                 # nor below 24 of 255 grey levels: paper noise is not ink
SPECK_SIZE = 0.04                     # ink spanning under 4 % of the picture's longer side is a speck
WORKING_SIZE = 80                     # the width step runs at about this many pixels per side
BLUR_SIGMA = 0.5                      # softens edges to MNIST's grey rim


def draw_segment(canvas, start, end, radius=BRUSH_RADIUS):
    """Paint a round-ended line of ink from start to end (x, y) onto a uint8 canvas, in place.

    A pixel at distance d from the segment gets 255 · clip(radius + 0.5 − d, 0, 1): solid inside,
    a one-pixel anti-aliased rim, untouched outside. Ink only ever brightens (maximum), so strokes
    overlap cleanly, and points off the canvas are clipped, not an error.
    """
    (x0, y0), (x1, y1) = start, end
    height, width = canvas.shape
    left, right = max(int(min(x0, x1) - radius) - 1, 0), min(int(max(x0, x1) + radius) + 2, width)
    top, bottom = max(int(min(y0, y1) - radius) - 1, 0), min(int(max(y0, y1) + radius) + 2, height)
    if left >= right or top >= bottom:
        return
    ys, xs = np.ogrid[top:bottom, left:right]
    dx, dy = x1 - x0, y1 - y0
    length_squared = dx * dx + dy * dy
    # t: where along the segment (0 at start, 1 at end) each pixel's nearest point lies
    t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / length_squared, 0, 1) if length_squared else 0.0
    distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
    ink = (np.clip(radius + 0.5 - distance, 0, 1) * 255).astype(np.uint8)
    region = canvas[top:bottom, left:right]
    np.maximum(region, ink, out=region)


def render_strokes(strokes, size=CANVAS_SIZE, radius=BRUSH_RADIUS):
    """Strokes (each a list of (x, y) canvas points) -> a (size, size) uint8 canvas, as the app draws them."""
    canvas = np.zeros((size, size), np.uint8)
    for stroke in strokes:
        for start, end in zip(stroke, stroke[1:] or stroke):  # a one-point stroke is a dot
            draw_segment(canvas, start, end, radius)
    return canvas


def remove_faint_ink(image, threshold=FAINT_INK, min_contrast=MIN_INK_CONTRAST):
    """Set pixels below max(threshold · max, min_contrast) to 0: stray anti-aliasing and noise are not ink.

    The absolute floor matters on a picture with no ink at all, whose brightest pixel is noise.
    """
    return np.where(image >= max(threshold * image.max(), min_contrast), image, 0)


def remove_specks(image, size=SPECK_SIZE):
    """Set to 0 each patch of touching ink (8-neighbours) whose bounding box spans less than
    size · the image's longer side (and at most one pixel on a small image): dust, not strokes."""
    patches, count = ndimage.label(image > 0, structure=np.ones((3, 3)))
    limit = max(2, size * max(image.shape))
    specks = [number for number, (rows, columns) in enumerate(ndimage.find_objects(patches), start=1)
              if max(rows.stop - rows.start, columns.stop - columns.start) < limit]
    return np.where(np.isin(patches, specks), 0, image)


def bounding_box(image):
    """(top, bottom, left, right) of the nonzero pixels, bottom/right exclusive; None if all zero."""
    rows, columns = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    if len(rows) == 0:
        return None
    return rows[0], rows[-1] + 1, columns[0], columns[-1] + 1


def block_average(image, factor):
    """Shrink by an integer factor, each output pixel the mean of a factor × factor block.

    A cheap first step down from canvas size: the exact filters that follow then work on a
    few thousand pixels instead of a hundred thousand, which keeps live prediction fast.
    """
    if factor <= 1:
        return image
    height, width = -(-image.shape[0] // factor) * factor, -(-image.shape[1] // factor) * factor
    padded = np.zeros((height, width), image.dtype)
    padded[:image.shape[0], :image.shape[1]] = image
    return padded.reshape(height // factor, factor, width // factor, factor).mean(axis=(1, 3))


def ink_mask(image):
    """The pixels that count as ink: at least half as bright as the brightest."""
    return image >= 0.5 * image.max()


def stroke_width(image):
    """Mean stroke width in pixels: 2 · area / perimeter of the ink_mask.

    A stroke of length L and width w has area L·w and perimeter ≈ 2L, so 2A/P ≈ w. The
    perimeter counts ink/background edges between neighbouring pixels (the border is background),
    which reads round ends and slanted strokes somewhat thin; MNIST's width (2.07 px) was measured
    with this same function, so the bias cancels.
    """
    ink = np.pad(ink_mask(image), 1)
    edges = np.count_nonzero(ink[1:] != ink[:-1]) + np.count_nonzero(ink[:, 1:] != ink[:, :-1])
    return 2 * np.count_nonzero(ink) / edges if edges else 0.0


def set_stroke_width(image, width, passes=2):
    """Grow or thin the ink evenly until its stroke_width is about `width`; values become [0, 1].

    With s the signed distance to the ink's outline (positive inside), each pass makes the new
    image clip(s + (width − current)/2 + 0.5, 0, 1): the outline moves out or in by half the
    difference, with a soft edge. Corners and filled loops make one pass fall short, hence a
    second. A border of width/2 + 1 zeros is added first so growing strokes are not cut off
    at the edge, and thinning never removes the last of the ink.
    """
    image = np.pad(image, int(width / 2) + 1)
    for _ in range(passes):
        ink = ink_mask(image)
        signed_distance = ndimage.distance_transform_edt(ink) - ndimage.distance_transform_edt(~ink)
        grow = max((width - stroke_width(image)) / 2, 0.5 - signed_distance.max())
        image = np.clip(signed_distance + grow + 0.5, 0, 1)
    return image


def resize_longest_side(image, length=MNIST_BOX):
    """Scale so the longer side is `length` pixels, keeping the aspect ratio.

    Shrinking by a factor s first blurs with a Gaussian of σ = (s − 1)/2 so that fine detail
    averages into grey instead of aliasing into jagged, broken strokes.
    """
    scale = max(image.shape) / length
    if scale > 1:
        image = ndimage.gaussian_filter(image, sigma=(scale - 1) / 2)
    shape = [max(1, round(side / scale)) for side in image.shape]
    zoom = [new / old for new, old in zip(shape, image.shape)]
    return ndimage.zoom(image, zoom, order=1, grid_mode=True, mode="grid-constant")


def pad_to_square(image, size=MNIST_SIZE):
    """Place the image in the middle of a size × size field of zeros."""
    field = np.zeros((size, size), image.dtype)
    top, left = (size - image.shape[0]) // 2, (size - image.shape[1]) // 2
    field[top:top + image.shape[0], left:left + image.shape[1]] = image
    return field


def center_of_mass_shift(image, center=MNIST_CENTER):
    """Translate (with linear interpolation) so the intensity-weighted centre lands on `center`.

    MNIST's digits have theirs at data.MNIST_CENTER, (14, 14), not the geometric middle (13.5, 13.5).
    """
    offset = np.array(center) - ndimage.center_of_mass(image)
    return ndimage.shift(image, offset, order=1, mode="constant")


def normalise(image):
    """Scale so the brightest pixel is 1 and clip to [0, 1] (interpolation can overshoot a little)."""
    return np.clip(image / image.max(), 0, 1)


def crop_to_ink(image):
    """The image cut down to its bounding_box, or None when it holds no ink."""
    box = bounding_box(image)
    if box is None:
        return None
    top, bottom, left, right = box
    return image[top:bottom, left:right]


def preprocess(canvas):
    """A (H, W) uint8 canvas, ink bright on dark -> the (28, 28) float32 image in [0, 1] MNIST-style.

    Returns None when there is no ink. Steps: drop faint pixels and specks, crop to the ink, shrink to a
    working size, set the stroke width to MNIST's, shrink the longest side to 20 px, pad to
    28 × 28, move the centre of mass to (14, 14), blur lightly, scale the brightest pixel to 1.
    """
    image = crop_to_ink(remove_specks(remove_faint_ink(canvas.astype(np.float32))))
    if image is None:
        return None
    image = block_average(image, max(image.shape) // WORKING_SIZE)
    image = crop_to_ink(set_stroke_width(image, STROKE_WIDTH * max(image.shape) / MNIST_BOX))
    image = center_of_mass_shift(pad_to_square(resize_longest_side(image)))
    return normalise(ndimage.gaussian_filter(image, BLUR_SIGMA)).astype(np.float32)


# How sure the answer must be depends on the answer: the combined probability of answer d must reach
# SURE_PROBABILITY[d]. A 2, a 6 or a 3 must be surest, as people's 7s, 4s and 9s are read as those
# with confidence. Fitted for the shipped weights.npz by tools/not_sure_curve.py on the dev set's
# writers w1-w15 (3.9 % of their right answers flagged); on w16-w30 it flags 3.2 % of the right
# answers and 56.2 % of the wrong ones (one threshold for all: 4.8 % and 64.5 %; docs/drawing.md).
SURE_PROBABILITY = (0.641, 0.642, 0.938, 0.922, 0.600, 0.600, 0.956, 0.800, 0.600, 0.600)

Reading = collections.namedtuple("Reading", "digit runner_up probabilities sure image")
Reading.__doc__ = """What the network reads in a drawing: its answer `digit`, the next most likely
`runner_up`, the `probabilities` (10,) behind them, whether it is `sure`, and the drawing's own input
`image` (28, 28)."""


def reading_from(probabilities, image):
    """The Reading made from the model's probabilities (copies, 10) for reading_copies and the drawing's image.

    The copies' probabilities are combined (pen.combined: the drawing itself weighs most); the answer
    is the most probable digit, the runner-up the next, and the reading is sure when the answer's
    combined probability is at least SURE_PROBABILITY[answer].
    """
    answer = combined(probabilities)
    runner_up, digit = np.argsort(answer)[-2:]
    return Reading(int(digit), int(runner_up), answer, bool(answer[digit] >= SURE_PROBABILITY[digit]), image)


def read_digit(model, strokes):
    """Read a drawing as the app does: a Reading, or None when there is nothing to read in it."""
    copies = reading_copies(strokes)
    if copies is None:
        return None
    return reading_from(model.predict_proba(copies.reshape(len(copies), -1)), copies[0])


class App:
    """The window: the canvas on the left; the prediction, ten bars and the 28 × 28 input on the right;
    below them, which model answers, your kept drawings and what teaching bought.

    collection_path: where kept drawings are saved (None: kept in memory only); taught_path: where
    a taught model is saved (None: not saved); mnist or data_dir: the MNIST replayed while teaching.
    """

    PANEL_X, BAR_TOP, BAR_HEIGHT, BAR_LENGTH = CANVAS_SIZE + 20, 150, 24, 190
    SIZE = (CANVAS_SIZE + 330, CANVAS_SIZE + 138)
    HINT = "drag: draw   Enter: predict   C: clear   Backspace: undo   L: live on/off   V: network   Esc: quit"
    TEACH_HINT = "after it answers, 0-9: keep the drawing as that digit   T: teach it my drawings   S: shipped/mine"

    def __init__(self, model, collection_path=None, taught_path=None, mnist=None, data_dir=None):
        global pygame
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # silences pygame's greeting
        import pygame
        pygame.display.init()  # only the window and fonts: the app makes no sound
        pygame.font.init()
        self.screen = pygame.display.set_mode(self.SIZE)
        pygame.display.set_caption("NeuroScribble")
        self.fonts = {size: pygame.font.Font(None, size) for size in (20, 26, 150)}
        self.model = model
        self.canvas = np.zeros((CANVAS_SIZE, CANVAS_SIZE), np.uint8)
        self.strokes, self.drawing, self.live, self.running = [], False, True, True
        self.show_result(None, None, "draw a digit first")
        self.changed = False
        self.set_up_teaching(collection_path, taught_path, mnist, data_dir)

    def show_result(self, image, probabilities, message, sure=True):
        """What the panel shows: the network's input, its probabilities (or None), a message, and
        whether the answer is sure (an unsure one is drawn in amber)."""
        self.image, self.probabilities, self.message, self.sure = image, probabilities, message, sure

    def predict(self):
        reading = read_digit(self.model, self.strokes)
        if reading is None:
            self.show_result(None, None, "draw a digit first")
        else:
            self.show_result(reading.image, reading.probabilities,
                             "" if reading.sure else f"not sure: {reading.digit} or {reading.runner_up}?", reading.sure)
        self.changed = False

    def canvas_changed(self):
        self.changed = True
        if not self.live:
            self.show_result(None, None, "press Enter to predict")

    def handle(self, event):
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and max(event.pos) < CANVAS_SIZE:
            self.drawing = True
            self.strokes.append([event.pos])
            draw_segment(self.canvas, event.pos, event.pos)
            self.canvas_changed()
        elif event.type == pygame.MOUSEMOTION and self.drawing:
            stroke = self.strokes[-1]
            draw_segment(self.canvas, stroke[-1], event.pos)  # join to the last point: no gaps
            stroke.append(event.pos)
            self.canvas_changed()
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.drawing = False
        elif event.type == pygame.KEYDOWN:
            self.handle_key(event.key)

    def handle_key(self, key):
        if key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            self.predict()
        elif key == pygame.K_c:
            self.strokes, self.drawing = [], False
            self.canvas[...] = 0
            self.predict()
        elif key == pygame.K_BACKSPACE and self.strokes:
            self.strokes.pop()
            self.drawing = False
            self.canvas = render_strokes(self.strokes)
            self.canvas_changed()
        elif key == pygame.K_l:
            self.live = not self.live
            if self.live:
                self.predict()
            else:
                self.show_result(None, None, "live prediction off: press Enter")
        elif key == pygame.K_v:
            self.show_network()
        elif key == pygame.K_ESCAPE:
            self.running = False
        elif key in self.digit_keys:
            self.keep_drawing(self.digit_keys[key])
        elif key == pygame.K_t:
            self.start_teaching()
        elif key == pygame.K_s:
            self.switch_model()

    # --- teaching: keep labelled drawings (0-9), teach them (T), shipped or taught model (S) ---

    def set_up_teaching(self, collection_path, taught_path, mnist, data_dir):
        import collection  # only now: the teaching modules, like pygame, belong to the window
        import teach
        self.teach_module, self.digit_keys = teach, {}
        for digit in range(10):
            self.digit_keys[getattr(pygame, f"K_{digit}")] = self.digit_keys[getattr(pygame, f"K_KP{digit}")] = digit
        self.collection_path, self.taught_path = collection_path, taught_path
        self.replay = (lambda: mnist) if mnist is not None else (lambda: teach.cached_mnist(data_dir))
        self.shipped, self.taught, self.newly_taught = self.model, None, None
        self.model_name = self.describe_model(self.model)
        self.teaching, self.teach_status, self.gain, self.note = None, "", "", ""
        self.collection_problem = None
        try:
            self.collection = collection.Collection.load(collection_path, missing_ok=True) if collection_path \
                else collection.Collection()
        except collection.CollectionError as error:  # never overwritten: new drawings go unsaved
            self.collection, self.collection_problem = collection.Collection(), str(error)
            self.note = self.collection_problem

    def keep_drawing(self, label):
        """Keep the answered drawing in the collection as `label`, save it at once, clear the canvas."""
        if self.probabilities is None:
            self.note = "draw a digit and let it answer before pressing the digit you drew"
            return
        if self.collection_problem:
            self.note = f"not kept: {self.collection_problem}"
            return
        answer = int(self.probabilities.argmax())
        self.collection.add(self.strokes, self.image, label, answer)
        if self.collection_path:
            try:
                self.collection.save(self.collection_path)
            except OSError as error:
                self.collection.drawings.pop()
                self.note = f"not kept: could not write {self.collection_path}: {error.strerror or error}"
                return
        self.note = f"kept as {label}" + (f": it said {answer}; you said {label}" if answer != label else "")
        self.strokes, self.drawing = [], False
        self.canvas[...] = 0
        self.predict()

    def start_teaching(self):
        """Teach a copy of the shipped model the collection, on a thread: the window stays responsive."""
        if self.teaching and self.teaching.is_alive():
            return
        if not self.collection.drawings:
            self.note = "nothing to teach yet: draw, then press the digit you drew to keep it"
            return
        drawings = list(self.collection.drawings)
        self.teach_status, self.gain = "teaching...", ""
        self.teaching = threading.Thread(target=self.teach_in_background, args=(drawings,), daemon=True)
        self.teaching.start()

    def teach_in_background(self, drawings):
        """Runs on the teaching thread; the window shows teach_status, and step() takes the new model."""
        teach = self.teach_module

        def show(words):
            self.teach_status = words

        kept = type(self.collection)(drawings)
        try:
            copies, labels, mnist = kept.reading_copies(), kept.labels(), self.replay()
        except teach.DataError as error:
            show(f"could not teach: {error}")
            return
        # A model's layers keep scratch buffers, so this thread never runs a model the window runs:
        # it measures with its own copies of the shipped and the taught model.
        shipped = teach.copy_model(self.shipped)
        taught = teach.teach_drawings(shipped, copies, labels, mnist=mnist,
                                      on_step=lambda done, total: show(f"teaching... {done / total:.0%}"))
        if self.taught_path:
            try:
                teach.save_taught(taught, self.taught_path)
            except OSError as error:
                self.note = f"could not write {self.taught_path}: {error.strerror or error}"
        self.newly_taught = teach.copy_model(taught)  # step() answers with it from the next frame
        show("measuring what teaching bought...")
        self.gain = teach.describe_gain(shipped, taught, copies, labels, mnist=mnist,
                                        on_fold=lambda done, total: show(f"measuring what teaching bought... {done}/{total}"))
        show("")

    def take_taught_model(self):
        """Called every frame: once teaching has made a model, answer with it at once."""
        if self.newly_taught is not None:
            self.taught, self.newly_taught = self.newly_taught, None
            self.switch_model(to_taught=True)

    def switch_model(self, to_taught=None):
        """S: between the shipped model (never overwritten) and your taught one, if there is one."""
        if to_taught is None:
            to_taught = self.model is self.shipped
        self.model = self.taught if to_taught and self.taught is not None else self.shipped
        self.model_name = self.describe_model(self.model)
        self.predict()

    @staticmethod
    def describe_model(model):
        """"shipped model", or "yours, taught with N drawings" for a model teach.teach made."""
        taught_drawings = model.metadata.get("taught_drawings")
        return f"yours, taught with {taught_drawings} drawings" if taught_drawings else "shipped model"

    def teaching_lines(self):
        """The lines under the hints: which model answers; teaching's progress or what it bought;
        how many of each digit are kept; the last thing a key did."""
        counts = self.collection.counts()
        kept = "kept: " + " ".join(f"{digit}:{count}" for digit, count in enumerate(counts))
        return (f"answering: {self.model_name}", self.teach_status or self.gain, f"{kept}  ({counts.sum()})",
                self.note)

    network_thread = None  # the thread that writes and opens the network page (V)
    network_page_written = False  # the page depends only on the model: written once per run

    def show_network(self):
        """Open the network page with this drawing on its pad; the window never waits for it.

        A thread writes network.html (once) and network_drawing.html, which forwards the browser to it
        with the strokes in the address (#strokes=...); self.message then says where the page is and
        whether a browser started.
        """
        import network_page  # only now: the page's modules are not needed to draw
        path, opener = "network.html", "network_drawing.html"  # in the folder the app was started from
        strokes = [list(stroke) for stroke in self.strokes]  # as they are now: drawing goes on meanwhile

        def write_and_open():
            try:
                if not self.network_page_written:
                    examples, missing = network_page.picker_examples()
                    network_page.write_network_html(self.model, path, stroke_settings(), examples=examples,
                                                     examples_missing=missing)
                    self.network_page_written = True
                network_page.write_opener(opener, path, strokes)
            except OSError as error:
                self.message = f"could not write {path}: {error.strerror or error}"
                return
            if network_page.open_in_browser(opener):
                self.message = f"opened {path} in your browser"
            else:
                self.message = f"wrote {path}; no browser found: open {opener} in one"

        self.message = f"writing {path} ..."
        self.network_thread = threading.Thread(target=write_and_open, daemon=True)
        self.network_thread.start()

    def step(self):
        """One frame: handle the waiting events, predict at most once if live, redraw."""
        for event in pygame.event.get():
            self.handle(event)
        self.take_taught_model()
        if self.live and self.changed:
            self.predict()
        self.render()

    def text(self, words, size, position, color=(230, 230, 230)):
        self.screen.blit(self.fonts[size].render(words, True, color), position)

    def render(self):
        screen = self.screen
        screen.fill((30, 30, 38))
        screen.blit(pygame.surfarray.make_surface(np.dstack([self.canvas.T] * 3)), (0, 0))
        self.text(self.HINT, 20, (10, CANVAS_SIZE + 8), (170, 170, 180))
        self.text(self.TEACH_HINT, 20, (10, CANVAS_SIZE + 28), (170, 170, 180))
        for row, line in enumerate(self.teaching_lines()):
            self.text(line, 20, (10, CANVAS_SIZE + 54 + 20 * row))
        x = self.PANEL_X
        if self.probabilities is None:
            self.text(self.message, 26, (x, 50))
        else:
            self.text(str(int(self.probabilities.argmax())), 150, (x + 10, 15),
                      (230, 230, 230) if self.sure else (240, 180, 60))
            self.text("the network sees:", 20, (x + 150, 10), (170, 170, 180))
            pixels = (self.image.T * 255).astype(np.uint8)
            preview = pygame.surfarray.make_surface(np.dstack([pixels] * 3))
            screen.blit(pygame.transform.scale(preview, (112, 112)), (x + 150, 30))
            if self.message:
                self.text(self.message, 20, (x, 125))
            for digit, probability in enumerate(self.probabilities):
                top = self.BAR_TOP + digit * self.BAR_HEIGHT
                color = (90, 200, 120) if digit == self.probabilities.argmax() else (90, 130, 200)
                self.text(str(digit), 26, (x, top + 2))
                pygame.draw.rect(screen, color, (x + 25, top + 3, round(probability * self.BAR_LENGTH), 16))
                self.text(f"{probability:6.1%}", 20, (x + 30 + self.BAR_LENGTH, top + 4))
        pygame.display.flip()

    def run(self, frames_per_second=60):
        clock = pygame.time.Clock()
        while self.running:
            self.step()
            clock.tick(frames_per_second)
        pygame.quit()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Draw a digit and watch NeuroScribble's network name it.")
    parser.add_argument("--weights", default=DEFAULT_WEIGHTS,
                        help="the trained model to use (default weights.npz beside draw.py)")
    parser.add_argument("--collection", help="where the drawings you label are kept "
                                             "(default: my_drawings.npz beside the weights)")
    parser.add_argument("--data-dir", help="folder with the four MNIST .gz files, replayed when you teach (T) "
                                           "(default: $NEUROSCRIBBLE_DATA, else data/mnist)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        model = Model.load(args.weights)
    except WeightsError as error:
        sys.exit(f"error: {error}")
    folder = os.path.dirname(os.path.abspath(args.weights))
    taught_path = os.path.join(folder, "my_weights.npz")
    if os.path.abspath(args.weights) == taught_path:
        taught_path = None  # started from a taught model: teaching never writes over the model it started from
    App(model, args.collection or os.path.join(folder, "my_drawings.npz"), taught_path, data_dir=args.data_dir).run()
    return 0


if __name__ == "__main__":
    run_script(main)
