"""draw.py's teaching keys, driven headless (SDL's dummy driver): 0–9 keep the answered drawing
with that label, T teaches on a thread, S switches between the shipped model and yours."""
import os

import numpy as np
import pytest
import threadpoolctl

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # before any pygame display starts
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import draw  # noqa: E402
import pygame  # noqa: E402
from collection import Collection  # noqa: E402
from helpers import drag, press  # noqa: E402
from model import Model  # noqa: E402

ONE = [(200, y) for y in range(60, 341, 20)]
SEVEN = [(110, 70), (290, 70), (170, 340)]


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Teach as draw.py does when run, with one OpenBLAS thread (a second makes it slower here)."""
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture
def paths(tmp_path):
    return tmp_path / "my_drawings.npz", tmp_path / "my_weights.npz"


@pytest.fixture
def app(committed_weights_path, paths, small_mnist):
    collection_path, taught_path = paths
    window = draw.App(Model.load(committed_weights_path), collection_path, taught_path, mnist=small_mnist)
    yield window
    if window.teaching:
        window.teaching.join()
    pygame.quit()


def draw_and_keep(app, stroke, digit):
    drag(stroke)
    app.step()
    press(pygame.K_0 + digit)
    app.step()


def teach_and_wait(app):
    press(pygame.K_t)
    app.step()
    app.teaching.join()
    app.step()


def test_a_digit_key_keeps_the_answered_drawing_in_the_collection_file_and_marks_a_correction(app, paths):
    draw_and_keep(app, ONE, 7)
    kept = Collection.load(paths[0])
    assert kept.labels().tolist() == [7] and kept.drawings[0].answer == 1
    assert np.array_equal(kept.drawings[0].strokes[0], np.array(ONE, np.float32))
    _, _, counts, note = app.teaching_lines()
    assert counts == "kept: 0:0 1:0 2:0 3:0 4:0 5:0 6:0 7:1 8:0 9:0  (1)"
    assert note == "kept as 7: it said 1; you said 7"
    assert app.strokes == [] and not app.canvas.any()  # ready for the next drawing


def test_a_keypad_digit_keeps_the_drawing_too(app, paths):
    drag(ONE)
    app.step()
    press(pygame.K_KP1)
    app.step()
    assert Collection.load(paths[0]).labels().tolist() == [1] and app.note == "kept as 1"


def test_a_digit_key_before_the_network_has_answered_keeps_nothing(app, paths):
    press(pygame.K_3)
    app.step()
    assert not os.path.exists(paths[0]) and app.note.startswith("draw a digit and let it answer")


def test_t_with_nothing_kept_says_there_is_nothing_to_teach(app):
    press(pygame.K_t)
    app.step()
    assert app.teaching is None and app.note.startswith("nothing to teach yet")


def test_t_teaches_and_the_window_then_answers_with_your_model(app, paths):
    assert app.teaching_lines()[0] == "answering: shipped model"
    shipped_parameters = app.shipped.flat_params.copy()
    for stroke, digit in ((ONE, 1), (SEVEN, 7), (ONE, 1)):
        draw_and_keep(app, stroke, digit)
    teach_and_wait(app)
    assert app.model is app.taught and app.model is not app.shipped
    model_line, gain_line, *_ = app.teaching_lines()
    assert model_line == "answering: yours, taught with 3 drawings"
    assert gain_line.startswith("too few drawings to measure (3; keep at least 10); MNIST ") and gain_line.endswith(" after")
    assert np.array_equal(app.shipped.flat_params, shipped_parameters)
    assert Model.load(paths[1]).metadata["taught_drawings"] == 3


def test_the_taught_model_answers_the_drawing_on_the_canvas_at_once(app):
    draw_and_keep(app, ONE, 1)
    drag(SEVEN)
    app.step()
    teach_and_wait(app)
    expected = app.taught.predict_proba(draw.digit_from_strokes(app.strokes).reshape(1, -1))[0]
    assert np.allclose(app.probabilities, expected)


def test_s_returns_to_the_shipped_model_and_back_to_yours(app):
    draw_and_keep(app, ONE, 1)
    teach_and_wait(app)
    press(pygame.K_s)
    app.step()
    assert app.model is app.shipped and app.teaching_lines()[0] == "answering: shipped model"
    press(pygame.K_s)
    app.step()
    assert app.model is app.taught


def test_s_before_any_teaching_stays_with_the_shipped_model(app):
    press(pygame.K_s)
    app.step()
    assert app.model is app.shipped


def test_a_damaged_collection_is_never_overwritten_and_new_drawings_are_not_saved(committed_weights_path, paths,
                                                                                    small_mnist):
    collection_path, taught_path = paths
    collection_path.write_bytes(b"scribbled over")
    window = draw.App(Model.load(committed_weights_path), collection_path, taught_path, mnist=small_mnist)
    try:
        assert "is damaged or not a drawing collection; move it away" in window.note
        draw_and_keep(window, ONE, 1)
        assert collection_path.read_bytes() == b"scribbled over"
        assert window.note.startswith("not kept: ") and window.collection.drawings == []
    finally:
        pygame.quit()


def test_a_window_started_with_a_taught_model_says_it_answers_with_yours(committed_weights_path, paths):
    model = Model.load(committed_weights_path)
    model.metadata["taught_drawings"] = 30
    window = draw.App(model, *paths)
    try:
        assert window.teaching_lines()[0] == "answering: yours, taught with 30 drawings"
    finally:
        pygame.quit()
