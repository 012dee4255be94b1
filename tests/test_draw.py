"""draw.py: the brush, each preprocessing step, the whole pipeline on MNIST and on real
handwriting, and the window itself driven headless (SDL's dummy video driver)."""
import html
import json
import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest
from scipy import ndimage

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # before any pygame display starts
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import draw  # noqa: E402
import pen  # noqa: E402
import pygame  # noqa: E402
from helpers import REPO_ROOT, drag, press  # noqa: E402
from tools import eval_handwriting  # noqa: E402
from tools.eval_handwriting import HandwritingError, fit_to_canvas, handwriting_accuracy  # noqa: E402
from model import Model  # noqa: E402

# A "2" as a person might draw it: an arc and a base, in canvas coordinates around (0, 0).
TWO = [[(-60, -70), (-20, -100), (30, -100), (60, -60), (40, -10), (-10, 40), (-60, 95)],
       [(-60, 95), (70, 95)]]


def placed(strokes, scale, x, y):
    return [[(x + scale * px, y + scale * py) for px, py in stroke] for stroke in strokes]


def ink_centre_of_mass(image):
    return np.array(ndimage.center_of_mass(image))


# --- the brush --------------------------------------------------------------------------------

def test_a_fast_stroke_is_joined_without_gaps():
    canvas = draw.render_strokes([[(50, 200), (350, 200)]])
    assert np.all(canvas[200, 50:351] == 255)


def test_the_brush_is_round_with_the_brush_radius():
    canvas = draw.render_strokes([[(200, 200)]])
    top, bottom, left, right = draw.bounding_box(canvas)
    assert bottom - top == right - left == 2 * draw.BRUSH_RADIUS + 1
    assert canvas[200, 200] == 255 and canvas[top, left] == 0  # a disc: its box corners stay dark


def test_strokes_running_off_the_canvas_are_clipped():
    canvas = draw.render_strokes([[(-100, -100), (50, 50), (500, 20)]])
    assert canvas.shape == (draw.CANVAS_SIZE, draw.CANVAS_SIZE) and canvas[50, 50] == 255


# --- each preprocessing step ------------------------------------------------------------------

def test_faint_pixels_are_removed_and_ink_is_kept():
    image = np.array([[13.0, 23.0, 128.0, 255.0]])  # grey levels, as preprocess gives them
    assert draw.remove_faint_ink(image).tolist() == [[0, 0, 128.0, 255.0]]


def test_bounding_box_spans_exactly_the_ink():
    image = np.zeros((50, 40))
    image[10:20, 5:31] = 1
    assert draw.bounding_box(image) == (10, 20, 5, 31)


def test_bounding_box_of_an_empty_image_is_none():
    assert draw.bounding_box(np.zeros((5, 5))) is None


def test_block_average_takes_the_mean_of_each_block():
    image = np.arange(16, dtype=float).reshape(4, 4)
    assert draw.block_average(image, 2).tolist() == [[2.5, 4.5], [10.5, 12.5]]


@pytest.mark.parametrize("shape, expected", [((300, 150), (20, 10)), ((90, 360), (5, 20)), ((7, 10), (14, 20))])
def test_the_longest_side_becomes_20_pixels_keeping_the_aspect_ratio(shape, expected):
    assert draw.resize_longest_side(np.ones(shape, np.float32)).shape == expected


def test_padding_centres_the_image_in_28_by_28():
    padded = draw.pad_to_square(np.ones((20, 10)))
    assert padded.shape == (28, 28)
    assert draw.bounding_box(padded) == (4, 24, 9, 19)


def test_centre_of_mass_shift_puts_the_centre_of_mass_within_half_a_pixel_of_14_14():
    image = np.zeros((28, 28))
    image[2:12, 3:9] = 1  # far up and left
    shifted = draw.center_of_mass_shift(image)
    assert np.all(np.abs(ink_centre_of_mass(shifted) - draw.MNIST_CENTER) < 0.5)


def test_stroke_width_of_a_long_brush_line_is_about_its_diameter():
    canvas = draw.render_strokes([[(20, 200), (380, 200)]])
    assert draw.stroke_width(canvas) == pytest.approx(2 * draw.BRUSH_RADIUS + 1, rel=0.15)


@pytest.mark.parametrize("radius", [3, 16], ids=["thin", "thick"])
def test_set_stroke_width_brings_thin_and_thick_strokes_to_the_target(radius):
    image = draw.render_strokes([[(60, 60), (340, 200)]], radius=radius).astype(float)
    assert draw.stroke_width(draw.set_stroke_width(image, 12)) == pytest.approx(12, rel=0.2)


def test_thinning_a_dot_never_removes_all_of_its_ink():
    dot = draw.render_strokes([[(100, 100)]], radius=20).astype(float)
    assert draw.set_stroke_width(dot, 0.1).max() == 1


# --- the whole pipeline -------------------------------------------------------------------------

def test_preprocess_gives_a_28_by_28_float32_image_in_the_unit_range():
    image = draw.preprocess(draw.render_strokes(placed(TWO, 1.3, 200, 200)))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() == 1


def test_preprocess_puts_the_centre_of_mass_at_14_14():
    image = draw.preprocess(draw.render_strokes(placed(TWO, 1.3, 120, 260)))
    assert np.all(np.abs(ink_centre_of_mass(image) - draw.MNIST_CENTER) < 0.5)


def test_an_empty_canvas_gives_none():
    assert draw.preprocess(np.zeros((400, 400), np.uint8)) is None


@pytest.mark.parametrize("name, strokes", [
    ("a single dot", [[(200, 200)]]),
    ("a digit touching the edges", placed(TWO, 2.2, 200, 200)),
    ("a tiny digit", placed(TWO, 0.05, 30, 370)),
    ("a digit larger than the canvas", placed(TWO, 5, 200, 200)),
    ("a straight horizontal line", [[(10, 200), (390, 200)]]),
])
def test_awkward_drawings_still_give_a_valid_image(name, strokes):
    image = draw.preprocess(draw.render_strokes(strokes))
    assert image.shape == (28, 28) and np.all(np.isfinite(image)), name
    assert image.min() >= 0 and image.max() == 1, name


def test_a_canvas_all_ink_gives_a_valid_image():
    image = draw.preprocess(np.full((400, 400), 255, np.uint8))
    assert image.shape == (28, 28) and np.all(np.isfinite(image)) and image.max() == 1


def noisy_paper(size=280, seed=0):
    """Paper read as ink-bright-on-dark (as visualize.load_png gives it): 0 to 4 grey levels of noise."""
    return np.random.default_rng(seed).integers(0, 5, (size, size)).astype(np.uint8)


def with_specks(canvas, count=20, seed=1):
    """canvas with `count` full-ink specks of 1 × 1 to 2 × 2 pixels at random places."""
    canvas = canvas.copy()
    rng = np.random.default_rng(seed)
    for row, column, side in zip(*rng.integers(0, canvas.shape[0] - 2, (2, count)), rng.integers(1, 3, count)):
        canvas[row:row + side, column:column + side] = 255
    return canvas


@pytest.mark.parametrize("canvas", [np.full((400, 400), 3, np.uint8), noisy_paper(),
                                    with_specks(np.zeros((280, 280), np.uint8)), with_specks(noisy_paper())],
                         ids=["uniform faint grey", "paper noise", "20 specks", "20 specks on noisy paper"])
def test_faint_noise_and_specks_are_nothing_to_read(canvas):
    assert draw.preprocess(canvas) is None


def test_specks_beside_a_digit_leave_its_reading_unchanged():
    canvas = draw.render_strokes(placed(TWO, 1.3, 200, 200))
    clean, specked = draw.preprocess(canvas), draw.preprocess(with_specks(canvas))
    assert np.abs(clean - specked).max() < 0.05  # a speck landing on a stroke stays, as a pixel of it


def test_the_same_digit_at_other_positions_and_sizes_gives_nearly_the_same_input():
    reference = draw.preprocess(draw.render_strokes(placed(TWO, 1.4, 200, 200)))
    for scale, x, y in [(1.4, 150, 250), (0.6, 80, 90), (0.9, 300, 250), (1.9, 200, 210)]:
        image = draw.preprocess(draw.render_strokes(placed(TWO, scale, x, y)))
        assert np.abs(image - reference).mean() < 0.04, (scale, x, y)


def test_mnist_digits_enlarged_onto_the_canvas_keep_97_percent_accuracy(full_mnist, committed_weights_path):
    model, rng = Model.load(committed_weights_path), np.random.default_rng(0)
    chosen = rng.choice(len(full_mnist.test_labels), 1500, replace=False)
    inputs = []
    for index in chosen:
        size = int(rng.integers(100, 400))  # the 28 × 28 digit drawn size × size on the canvas
        enlarged = ndimage.zoom(full_mnist.test_images[index].reshape(28, 28), size / 28, order=1)
        canvas = np.zeros((draw.CANVAS_SIZE, draw.CANVAS_SIZE), np.uint8)
        top, left = rng.integers(0, draw.CANVAS_SIZE - size + 1, 2)
        canvas[top:top + size, left:left + size] = np.clip(enlarged[:size, :size] * 255, 0, 255)
        inputs.append(draw.preprocess(canvas).ravel())
    assert np.mean(model.predict(np.array(inputs)) == full_mnist.test_labels[chosen]) >= 0.97


# --- the path from strokes (digit_from_strokes) and reading a drawing (read_digit) --------------

def circle(centre_x, centre_y, radius, points=40):
    angles = np.linspace(0, 2 * np.pi, points)
    return list(zip(centre_x + radius * np.cos(angles), centre_y + radius * np.sin(angles)))


def test_rasterise_gives_each_pixel_the_pen_profile_of_its_distance_to_the_nearest_segment():
    rng = np.random.default_rng(0)
    strokes = [rng.uniform(3, 25, (6, 2)), rng.uniform(3, 25, (1, 2)), rng.uniform(3, 25, (3, 2))]
    segments = [(stroke[i], stroke[min(i + 1, len(stroke) - 1)]) for stroke in strokes for i in range(max(len(stroke) - 1, 1))]
    expected = np.zeros((28, 28))
    for row, column in np.ndindex(28, 28):  # the textbook formula, one pixel and one segment at a time
        point = np.array([column, row], float)
        distances = []
        for a, b in segments:
            t = np.clip(np.dot(point - a, b - a) / max(np.dot(b - a, b - a), 1e-12), 0, 1)
            distances.append(np.linalg.norm(point - (a + t * (b - a))))
        expected[row, column] = np.clip((pen.PEN_RADIUS - min(distances)) / pen.PEN_SOFTNESS + 0.5, 0, 1)
    np.testing.assert_allclose(pen.rasterise(strokes), expected, atol=1e-12)


def test_a_small_8_drawn_through_digit_from_strokes_keeps_both_holes_open():
    eight = [circle(200, 180, 12) + circle(200, 205, 13)]  # a 55 px tall 8 drawn in one stroke
    image = pen.digit_from_strokes(eight)
    _, regions = ndimage.label(image < 0.5)  # background regions: the outside and each hole
    assert regions == 3


@pytest.mark.parametrize("strokes", [[[(200, 200)]], [[(200, 200), (201, 201)]], [[(190, 190), (205, 200), (195, 208)]]],
                         ids=["a dot", "a two-pixel tick", "a 15-pixel scribble"])
def test_a_dot_or_a_tiny_scribble_gives_nothing_to_read(strokes, committed_weights_path):
    assert pen.digit_from_strokes(strokes) is None
    assert draw.read_digit(Model.load(committed_weights_path), strokes) is None


def test_read_digit_weighs_the_drawing_and_its_leaned_back_copies(committed_weights_path):
    model, strokes = Model.load(committed_weights_path), fit_to_canvas(TWO)
    reading = draw.read_digit(model, strokes)
    copies = [pen.digit_from_strokes(strokes)] + [pen.digit_from_strokes(pen.transformed(strokes, matrix))
                                                   for matrix in pen.LEANED_BACK]
    np.testing.assert_array_equal(reading.image, copies[0])
    drawing, *leaned = [model.predict_proba(copy.reshape(1, -1))[0] for copy in copies]
    expected = pen.DRAWING_WEIGHT * drawing + (1 - pen.DRAWING_WEIGHT) * np.mean(leaned, axis=0)
    np.testing.assert_allclose(reading.probabilities, expected, rtol=1e-4, atol=1e-7)
    assert reading.digit == 2 and reading.sure and reading.runner_up == np.argsort(expected)[-2]


def flagged_one(flag):
    """A 1 drawn down from the top, its up-stroke (the continental 1's flag) `flag` px long: a long one makes it a 7."""
    return [[(200 - 0.8 * flag, 60 + 0.5 * flag), (200, 60), (200, 340)]]


def test_a_1_whose_flag_grows_turns_into_a_7_through_readings_that_name_both(committed_weights_path):
    model = Model.load(committed_weights_path)
    readings = [draw.read_digit(model, flagged_one(flag)) for flag in range(0, 330, 10)]  # a 7 once the flag is nearly as long as the stem
    assert readings[0].digit == 1 and readings[0].sure and readings[0].probabilities[1] > 0.99
    assert readings[-1].digit == 7
    switch = next(i for i, reading in enumerate(readings) if reading.digit == 7)
    for reading in readings[switch - 1:switch + 1]:  # on either side of the switch: 1 or 7, and far from certain
        assert {reading.digit, reading.runner_up} == {1, 7} and reading.probabilities[reading.digit] < 0.8


def test_each_answer_needs_its_own_probability_to_be_sure():
    shaky_three = np.full((3, 10), 0.02)
    shaky_three[:, 3] = 0.82                                  # sure enough for a 1, not for a 3
    shaky_one = np.roll(shaky_three, -2, axis=1)
    assert draw.SURE_PROBABILITY[3] > 0.82 > draw.SURE_PROBABILITY[1]
    assert not draw.reading_from(shaky_three, None).sure and draw.reading_from(shaky_one, None).sure


def test_per_answer_thresholds_flag_the_answers_that_are_wrong_when_unsure_and_keep_to_the_budget():
    from tools.not_sure_curve import NEVER_SURE_BELOW, fit_thresholds, flagged_shares
    rng = np.random.default_rng(0)
    answers = np.repeat(np.arange(10), 200)
    sureness = rng.uniform(0.6, 1.0, answers.size)
    right = np.where(answers == 3, sureness > 0.9, sureness > 0.61)  # unsure 3s are wrong; other answers seldom
    thresholds = fit_thresholds(answers, right, sureness, budget=0.04)
    right_flagged, wrong_flagged = flagged_shares(thresholds, answers, right, sureness)
    assert right_flagged <= 0.04 and wrong_flagged > 0.9
    assert 0.85 < thresholds[3] <= 0.901 and np.all(thresholds >= NEVER_SURE_BELOW)
    assert np.all(np.delete(thresholds, 3) < thresholds[3])


def test_the_shipped_thresholds_are_the_ones_fitted_for_the_shipped_weights(committed_weights_path):
    from tools.eval_handwriting import DEV_HANDWRITING
    from tools.not_sure_curve import fit_thresholds, sureness_scores
    if not os.path.exists(DEV_HANDWRITING):
        pytest.skip(f"{DEV_HANDWRITING} is not here; .ci/run requires it")
    rules, writers = sureness_scores(Model.load(committed_weights_path), DEV_HANDWRITING)
    answers, right, sureness = rules["read_digit: top probability"]
    choosing = writers <= 15
    np.testing.assert_allclose(fit_thresholds(answers[choosing], right[choosing], sureness[choosing]),
                               draw.SURE_PROBABILITY)


def test_leaning_back_shears_the_top_of_a_drawing_left_and_its_bottom_right():
    shear = pen.LEANED_BACK[0]
    top, bottom = pen.transformed([[(100, 100), (100, 200)]], shear)[0]
    np.testing.assert_allclose(top, (87.5, 100)) and np.testing.assert_allclose(bottom, (112.5, 200))


# --- real handwriting (tools/eval_handwriting.py) -------------------------------------------------

def test_real_pen_written_digits_are_read_at_least_90_percent_right(committed_weights_path, uji_handwriting_path):
    result = handwriting_accuracy(Model.load(committed_weights_path), uji_handwriting_path)
    assert len(result.labels) == 220 and result.accuracy >= 0.90


def test_handwriting_results_count_per_digit_and_confusions(tmp_path, committed_weights_path):
    model = Model.load(committed_weights_path)
    guess = int(model.predict(pen.digit_from_strokes(fit_to_canvas(TWO)).reshape(1, -1))[0])
    other = (guess + 1) % 10
    path = tmp_path / "digits.json"
    path.write_text(json.dumps([{"label": guess, "writer": "t", "strokes": TWO},
                                {"label": other, "writer": "t", "strokes": TWO}]))
    result = handwriting_accuracy(model, str(path))
    assert result.accuracy == 0.5
    assert result.per_digit == {min(guess, other): float(guess < other), max(guess, other): float(guess > other)}
    assert result.confusions == {(other, guess): 1}
    assert result.per_writer == {"t": 0.5}


def test_a_malformed_handwriting_file_is_rejected_with_a_clear_message(tmp_path):
    path = tmp_path / "digits.json"
    path.write_text('[{"label": 3}]')
    with pytest.raises(HandwritingError, match="not a list of digits with labels, writers and strokes"):
        handwriting_accuracy(Model(), str(path))


def test_the_evaluation_script_prints_accuracy_per_digit_and_confusions(tmp_path, capsys, committed_weights_path):
    path = tmp_path / "digits.json"
    path.write_text(json.dumps([{"label": 2, "writer": "t", "strokes": TWO}]))
    eval_handwriting.main(["--weights", committed_weights_path, "--handwriting", str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("1 handwritten digits: accuracy ")
    assert lines[1].startswith("per digit: 2: ") and lines[2].startswith("confusions (true -> predicted: count): ")
    assert lines[3].startswith("per writer (1): mean ") and lines[4].split()[0] == "t"


def test_the_evaluation_script_reports_mnist_test_accuracy_when_given_the_data(tmp_path, capsys, committed_weights_path,
                                                                               full_mnist):
    path = tmp_path / "digits.json"
    path.write_text(json.dumps([{"label": 2, "writer": "t", "strokes": TWO}]))
    eval_handwriting.main(["--weights", committed_weights_path, "--handwriting", str(path),
                           "--data-dir", os.environ["NEUROSCRIBBLE_DATA"]])
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("MNIST test: ") and float(last.split()[-1].rstrip("%")) > 98


def test_the_evaluation_script_names_a_missing_handwriting_file():
    with pytest.raises(SystemExit, match="nowhere.json does not exist; pass --handwriting PATH"):
        eval_handwriting.main(["--handwriting", "nowhere.json"])


def test_fitting_to_the_canvas_makes_a_digit_70_percent_tall_and_centred():
    points = np.concatenate(fit_to_canvas([[(1000, 5000), (1300, 5600)], [(1100, 5200)]]))
    assert points[:, 1].max() - points[:, 1].min() == pytest.approx(0.7 * draw.CANVAS_SIZE)
    assert (points.min(axis=0) + points.max(axis=0)) / 2 == pytest.approx([200, 200])


# --- the window, headless ------------------------------------------------------------------------

@pytest.fixture
def app(committed_weights_path):
    window = draw.App(Model.load(committed_weights_path))
    yield window
    pygame.quit()


ONE = [(200, y) for y in range(60, 341, 20)]


def test_enter_predicts_the_drawing_and_the_bars_show_its_probabilities(app):
    press(pygame.K_l)  # live prediction off, so only Enter predicts
    drag(ONE)
    app.step()
    assert app.probabilities is None and app.message == "press Enter to predict"
    press(pygame.K_RETURN)
    app.step()
    expected = draw.read_digit(app.model, app.strokes).probabilities
    assert np.allclose(app.probabilities, expected) and expected.argmax() == 1
    top = app.BAR_TOP + app.BAR_HEIGHT + 10  # the middle of digit 1's bar, then digit 5's
    bar_end = app.PANEL_X + 25 + round(expected[1] * app.BAR_LENGTH)
    assert app.screen.get_at((bar_end - 3, top))[:3] == (90, 200, 120)
    assert app.screen.get_at((app.PANEL_X + 40, top + 4 * app.BAR_HEIGHT))[:3] == (30, 30, 38)


def test_an_unsure_reading_says_not_sure_and_names_the_best_two_in_amber(app, monkeypatch):
    monkeypatch.setattr(draw, "SURE_PROBABILITY", (1.01,) * 10)  # no reading is that sure
    drag(ONE)
    app.step()
    reading = draw.read_digit(app.model, app.strokes)
    assert app.message == f"not sure: {reading.digit} or {reading.runner_up}?" and not app.sure
    assert (240, 180, 60) in {tuple(app.screen.get_at((x, y))[:3]) for x in range(app.PANEL_X, app.PANEL_X + 100)
                              for y in range(20, 120)}


def test_a_sure_reading_shows_no_message_and_the_answer_in_white(app):
    drag(ONE)
    app.step()
    assert app.sure and app.message == ""


def test_live_prediction_updates_while_the_stroke_is_still_being_drawn(app):
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=ONE[0]))
    for point in ONE[1:]:
        pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=point, rel=(0, 0), buttons=(1, 0, 0)))
    app.step()
    assert app.drawing and app.probabilities.argmax() == 1


def test_enter_on_an_empty_canvas_says_draw_a_digit_first(app):
    press(pygame.K_RETURN)
    app.step()
    assert app.probabilities is None and app.message == "draw a digit first"


def test_c_clears_the_canvas_and_the_prediction(app):
    drag(ONE)
    app.step()
    press(pygame.K_c)
    app.step()
    assert not app.canvas.any() and app.strokes == [] and app.probabilities is None


def test_backspace_undoes_only_the_last_stroke(app):
    base = [(120, 300), (280, 300)]
    drag(ONE)
    drag(base)
    app.step()
    press(pygame.K_BACKSPACE)
    app.step()
    assert np.array_equal(app.canvas, draw.render_strokes([ONE]))
    assert app.probabilities.argmax() == 1


def test_pressing_outside_the_canvas_draws_nothing(app):
    drag([(500, 100), (600, 200)])
    app.step()
    assert not app.canvas.any() and app.strokes == []


@pytest.mark.parametrize("event", [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0, unicode="", scancode=0),
                                   pygame.event.Event(pygame.QUIT)], ids=["Esc", "closing the window"])
def test_escape_or_closing_the_window_quits(app, event):
    pygame.event.post(event)
    app.step()
    assert not app.running


@pytest.fixture
def network_page_calls(monkeypatch, tmp_path):
    """draw.py's V with the page writer and the browser replaced by recorders; the browser starts."""
    import network_page
    calls = {"written": [], "opened": [], "browser": True}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(network_page, "write_network_html",
                        lambda model, path, pen, **options: calls["written"].append(path))
    monkeypatch.setattr(network_page, "open_in_browser", lambda path: calls["opened"].append(path) or calls["browser"])
    return calls


def press_v_and_wait(app):
    app.step()  # what was drawn before is predicted in its own frame, as when a person presses V
    press(pygame.K_v)
    app.step()
    app.network_thread.join(timeout=30)


def strokes_handed_over(opener_path):
    """The strokes in the address that the opener page forwards the browser to."""
    text = open(opener_path, encoding="utf-8").read()
    address = re.search(r'http-equiv="refresh" content="0; url=([^"]*)"', text).group(1)
    page, fragment = html.unescape(address).split("#strokes=")
    assert page == "network.html"
    return json.loads(fragment)


def test_v_opens_the_network_page_with_the_drawing_in_its_address(app, network_page_calls):
    drag(ONE)
    press_v_and_wait(app)
    assert network_page_calls == {"written": ["network.html"], "opened": ["network_drawing.html"], "browser": True}
    assert strokes_handed_over("network_drawing.html") == [[list(point) for point in ONE]]
    assert app.message == "opened network.html in your browser"


def test_v_writes_a_real_page_beside_where_the_app_started(app, monkeypatch, tmp_path):
    import network_page
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(network_page, "open_in_browser", lambda path: True)
    press_v_and_wait(app)
    assert app.message == "opened network.html in your browser"
    assert "window.neuroscribble" in (tmp_path / "network.html").read_text(encoding="utf-8")


def test_v_says_so_when_no_browser_was_found(app, network_page_calls):
    network_page_calls["browser"] = False
    press_v_and_wait(app)
    assert app.message == "wrote network.html; no browser found: open network_drawing.html in one"


def test_v_writes_the_page_once_and_then_only_hands_over_the_new_drawing(app, network_page_calls):
    drag(ONE)
    press_v_and_wait(app)
    drag([(120, 300), (280, 300)])
    press_v_and_wait(app)
    assert len(network_page_calls["written"]) == 1 and len(network_page_calls["opened"]) == 2
    assert strokes_handed_over("network_drawing.html")[1] == [[120, 300], [280, 300]]


def test_v_returns_before_the_page_is_written(app, network_page_calls, monkeypatch):
    import network_page
    import threading
    release = threading.Event()
    monkeypatch.setattr(network_page, "write_network_html", lambda model, path, pen, **options: release.wait(10))
    press(pygame.K_v)
    app.step()  # returns at once although the writer is still busy
    assert app.network_thread.is_alive() and app.message == "writing network.html ..."
    release.set()
    app.network_thread.join(timeout=30)
    assert app.message == "opened network.html in your browser"


def test_a_page_that_cannot_be_written_is_one_sentence(app, network_page_calls, monkeypatch):
    import network_page

    def refuse(model, path, pen, **options):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(network_page, "write_network_html", refuse)
    press_v_and_wait(app)
    assert app.message == "could not write network.html: Permission denied" and network_page_calls["opened"] == []


# --- the command line ------------------------------------------------------------------------------

def test_a_missing_weights_file_is_one_sentence_saying_how_to_make_one(tmp_path):
    with pytest.raises(SystemExit) as stop:
        draw.main(["--weights", str(tmp_path / "missing.npz")])
    assert str(stop.value) == (f"error: {tmp_path / 'missing.npz'} does not exist; name a trained model with "
                               "--weights, or make one with `python train.py`.")


def test_a_broken_weights_file_is_rejected_without_a_traceback(tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(SystemExit, match=r"^error: .*broken\.npz.*`python train\.py`\.$"):
        draw.main(["--weights", str(broken)])


def test_help_describes_the_weights_option(capsys):
    with pytest.raises(SystemExit):
        draw.main(["--help"])
    assert "--weights" in capsys.readouterr().out
