"""Faults and mistakes (issue 13): bad servers, damaged files, Ctrl-C, full disks, noise, other folders.

Each ends in one sentence, never a traceback, and never costs a model or leaves litter behind.
"""
import errno
import functools
import gzip
import hashlib
import http.server
import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile

import numpy as np
import pytest

import data
import draw
import train
import utils
import visualize
from data import DataError
from helpers import REPO_ROOT
from model import Model, WeightsError

# --- a loopback mirror that misbehaves on request ---------------------------------------------------

TINY_NAME = "t10k-labels-idx1-ubyte.gz"
TINY_LABELS = np.array([7, 2, 1], np.uint8)
TINY_PAYLOAD = np.array([data.LABELS_MAGIC, 3], ">i4").tobytes() + TINY_LABELS.tobytes()


class MisbehavingHandler(http.server.BaseHTTPRequestHandler):
    """/good/ serves the file; /garbage/, /missing/, /truncated/ and /silent/ fail in their own way."""

    body = b""
    requested = None  # a threading.Event set at each request

    def do_GET(self):
        type(self).requested.set()
        kind = self.path.split("/")[1]
        if kind == "garbage":
            self.wfile.write(b"this is not HTTP at all\r\n\r\n")
        elif kind == "missing":
            self.send_error(404)
        elif kind == "truncated":
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(self.body) + self.body[:10])
        elif kind == "silent":
            time.sleep(3)
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror(monkeypatch):
    """The loopback server's address; data.FILES trusts its tiny labels file, and no public mirror is tried."""
    handler = type("Handler", (MisbehavingHandler,), {"body": gzip.compress(TINY_PAYLOAD),
                                                       "requested": threading.Event()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(data.FILES, TINY_NAME, hashlib.sha256(TINY_PAYLOAD).hexdigest())
    monkeypatch.setattr(data, "MIRRORS", ())
    monkeypatch.setattr(data, "TIMEOUT_SECONDS", 0.5)
    monkeypatch.delenv(data.MIRROR_VARIABLE, raising=False)
    server.requested = handler.requested
    yield server
    server.shutdown()
    server.server_close()


def address(server, kind):
    return f"http://127.0.0.1:{server.server_port}/{kind}/"


@pytest.mark.parametrize("kind", ["garbage", "missing", "truncated", "silent"])
def test_any_failure_of_one_mirror_falls_through_to_the_next(mirror, kind, tmp_path):
    data.download_file(TINY_NAME, str(tmp_path), mirrors=(address(mirror, kind), address(mirror, "good")))
    assert data.parse_idx(data.read_verified(tmp_path / TINY_NAME, data.FILES[TINY_NAME]),
                          data.LABELS_MAGIC, TINY_NAME).tolist() == TINY_LABELS.tolist()
    assert os.listdir(tmp_path) == [TINY_NAME]


def test_when_every_mirror_fails_each_is_named_and_no_empty_data_folder_is_left(mirror, tmp_path):
    folder = tmp_path / "data" / "mnist"
    kinds = ["garbage", "missing", "truncated", "silent"]
    with pytest.raises(DataError) as raised:
        data.load_test_set(folder, download=True, mirrors=tuple(address(mirror, kind) for kind in kinds))
    assert all(address(mirror, kind) in str(raised.value) for kind in kinds)
    assert "\n" not in str(raised.value)  # one sentence, though the garbage held line breaks
    assert not folder.exists()


def test_a_mirror_from_the_flag_or_the_environment_is_tried_first(monkeypatch):
    monkeypatch.setenv(data.MIRROR_VARIABLE, "http://cache.example/mnist")
    assert data.mirrors_to_try("http://flag.example/")[:2] == ("http://flag.example/", "http://cache.example/mnist/")
    assert data.mirrors_to_try()[1:] == data.MIRRORS


def test_the_environment_mirror_is_used_for_a_download(mirror, monkeypatch, tmp_path):
    monkeypatch.setenv(data.MIRROR_VARIABLE, address(mirror, "good"))
    data.load_file(str(tmp_path), TINY_NAME, mirrors=data.mirrors_to_try())
    assert os.listdir(tmp_path) == [TINY_NAME]


def test_visualize_downloads_missing_test_images_through_its_mirror_flag(mirror, monkeypatch, tmp_path):
    images = np.zeros((3, 28, 28), np.uint8)
    images[:, 8:20, 12:16] = 255
    payload = np.array([data.IMAGES_MAGIC, 3, 28, 28], ">i4").tobytes() + images.tobytes()
    name = "t10k-images-idx3-ubyte.gz"
    monkeypatch.setitem(data.FILES, name, hashlib.sha256(payload).hexdigest())
    bodies = {name: gzip.compress(payload), TINY_NAME: gzip.compress(TINY_PAYLOAD)}

    def do_get(handler):
        body = bodies[handler.path.rsplit("/", 1)[1]]
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    monkeypatch.setattr(mirror.RequestHandlerClass, "do_GET", do_get)
    visualize.test_set.cache_clear()
    out = tmp_path / "confusion.png"
    folder = tmp_path / "data"
    assert visualize.main(["confusion", "--data-dir", str(folder), "--mirror", address(mirror, "good"),
                           "--out", str(out)]) == 0
    assert out.stat().st_size > 0 and sorted(os.listdir(folder)) == sorted(bodies)
    visualize.test_set.cache_clear()


# --- damaged files ----------------------------------------------------------------------------------

def test_a_gzip_file_with_a_damaged_deflate_stream_is_one_sentence(tmp_path):
    packed = bytearray(gzip.compress(b"".join(b"line %d of a long text\n" % i for i in range(20000))))
    packed[20] ^= 0xFF  # inside the first deflate block's code tables: zlib itself objects
    path = tmp_path / "damaged.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(DataError, match="is not a complete gzip file"):
        data.read_verified(path, "0" * 64)


def npz_with_header(path, name, shape):
    """An .npz whose member `name` has an .npy header declaring `shape` of float32, and no data."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, header.getvalue())  # the header begins with the .npy magic


def test_a_weights_file_whose_header_declares_a_huge_array_is_refused_before_reading_it(tmp_path):
    path = tmp_path / "huge.npz"
    npz_with_header(path, "W0.npy", (10**12,))
    with pytest.raises(WeightsError, match="would take 4,000.0 GB of memory.*it was not read"):
        Model.load(path)


def test_a_weights_file_that_inflates_far_beyond_any_model_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("model.MAX_FILE_BYTES", 1 << 20)  # so a small test file counts as a bomb
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("padding.bin", bytes(4 << 20))
    assert path.stat().st_size < 20_000
    with pytest.raises(WeightsError, match="would take 0.0 GB"):
        Model.load(path)


# --- train.py: failures never cost a model -----------------------------------------------------------

@pytest.fixture
def on_fixture(monkeypatch, small_mnist):
    monkeypatch.setattr(train, "load_mnist", lambda data_dir, mirrors=None: small_mnist)


def test_a_run_whose_loss_explodes_without_reaching_nan_fails_and_replaces_nothing(on_fixture, tmp_path):
    output = tmp_path / "weights.npz"
    output.write_bytes(b"the shipped model")
    with pytest.raises(SystemExit) as raised:
        train.main(["--epochs", "1", "--learning-rate", "1e3", "--output", str(output)])
    assert str(raised.value).startswith("error: training diverged in epoch 1")
    assert output.read_bytes() == b"the shipped model"
    assert os.listdir(tmp_path) == ["weights.npz"]


def test_a_run_ending_near_chance_fails_and_replaces_nothing(on_fixture, tmp_path, monkeypatch):
    monkeypatch.setattr(train, "evaluate", lambda model, images, labels: 0.11)
    output = tmp_path / "weights.npz"
    output.write_bytes(b"the shipped model")
    with pytest.raises(SystemExit, match="near a guess's 10 %"):
        train.main(["--epochs", "1", "--output", str(output)])
    assert output.read_bytes() == b"the shipped model"


def test_a_run_that_replaces_a_model_keeps_it_as_previous_and_names_both_accuracies(on_fixture, tmp_path, capsys):
    output = tmp_path / "weights.npz"
    old = Model((784, 16, 10), seed=5)
    old.metadata = {"test_accuracy": 0.9878}
    old.save(output)
    assert train.main(["--epochs", "1", "--hidden-sizes", "16", "--output", str(output)]) == 0
    said = capsys.readouterr().out
    assert "The model it replaced (recorded test accuracy 98.78%)" in said
    assert f"kept as {tmp_path / 'weights.previous.npz'}" in said
    np.testing.assert_array_equal(Model.load(tmp_path / "weights.previous.npz").flat_params, old.flat_params)
    assert Model.load(output).metadata["epochs"] == 1


def test_a_second_ctrl_c_while_the_interrupted_model_is_saved_does_not_lose_it(on_fixture, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    real_save = Model.save

    def save_pressed_again(model, path):
        os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C again while the file is written
        real_save(model, path)

    monkeypatch.setattr(train, "train_epoch", interrupted)
    monkeypatch.setattr(Model, "save", save_pressed_again)
    output = tmp_path / "weights.npz"
    assert train.main(["--epochs", "2", "--output", str(output)]) == 130
    assert Model.load(tmp_path / "weights.interrupted.npz").metadata["epochs"] == 0
    assert not output.exists()


@pytest.mark.parametrize("flags, complaint", [
    (["--hidden-sizes", "1000000000"], "would make 795,000,000,010 parameters"),
    (["--output", ""], "--output '' must be a file in an existing folder"),
    (["--output", "newdir/"], "--output newdir/ must be a file in an existing folder"),
])
def test_impossible_sizes_and_destinations_are_refused_before_loading_anything(flags, complaint, monkeypatch, capsys):
    monkeypatch.setattr(train, "load_mnist", pytest.fail)
    with pytest.raises(SystemExit) as raised:
        train.main(flags)
    assert raised.value.code == 2 and complaint in capsys.readouterr().err


def failing_open(error_number):
    def fake_open(*args, **kwargs):
        raise OSError(error_number, os.strerror(error_number))
    return fake_open


@pytest.mark.parametrize("error_number", [errno.EACCES, errno.ENOSPC])
def test_an_unwritable_or_full_destination_is_refused_before_training(error_number, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(train, "load_mnist", pytest.fail)
    monkeypatch.setattr(train, "open", failing_open(error_number), raising=False)
    with pytest.raises(SystemExit):
        train.main(["--output", str(tmp_path / "w.npz")])
    assert f"cannot take the model ({os.strerror(error_number)})" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_a_batch_larger_than_the_training_set_is_capped_to_it(on_fixture, tmp_path, capsys):
    assert train.main(["--epochs", "1", "--batch-size", "1000000000", "--no-augment",
                       "--output", str(tmp_path / "w.npz")]) == 0
    assert "using 5,000" in capsys.readouterr().out
    assert Model.load(tmp_path / "w.npz").metadata["batch_size"] == 5000


# --- litter --------------------------------------------------------------------------------------------

def test_a_temporary_left_by_a_killed_process_is_removed_by_the_next_save(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f".tmp-{finished.stdout.strip()}-abc123.npz"
    alive = tmp_path / f".tmp-{os.getppid()}-def456.npz"  # another running process's, still in use
    dead.write_bytes(b"half a model")
    alive.write_bytes(b"being written")
    with utils.atomic_write(tmp_path / "w.npz") as temporary:
        open(temporary, "wb").close()
    assert sorted(os.listdir(tmp_path)) == [alive.name, "w.npz"]


# --- signals, in a real process -----------------------------------------------------------------------

def start(code, *args, cwd=REPO_ROOT, **env):
    """A Python process running `code` from the repository, its output piped.

    Ctrl-C is given its usual meaning in it: a test run started in the background ignores SIGINT,
    and a child would inherit that.
    """
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=REPO_ROOT, **env),
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def interrupt_when(process, ready):
    """Wait until ready() is true (at most 60 s), send SIGINT, and return (exit code, stdout, stderr)."""
    deadline = time.monotonic() + 60
    while not ready() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()  # no-op when it has ended
    return process.returncode, out, err


def test_ctrl_c_during_a_download_is_one_sentence_and_leaves_no_folder(mirror, tmp_path):
    folder = tmp_path / "data"
    process = start("import train, utils; utils.run_script(train.main)", "--data-dir", str(folder),
                    "--mirror", address(mirror, "silent"), "--output", str(tmp_path / "w.npz"))
    code, out, err = interrupt_when(process, mirror.requested.is_set)
    assert code == 130 and "Traceback" not in err
    assert "Stopped by Ctrl-C while reading MNIST; nothing was written." in err
    assert not folder.exists()


def test_ctrl_c_while_reading_the_data_is_one_sentence(tmp_path):
    for name in data.FILES:
        (tmp_path / name).write_bytes(b"")
    slow_reading = ("import sys, time, data, train, utils\n"
                    "def read_slowly(path, sha256):\n"
                    "    print('reading', flush=True)\n"
                    "    time.sleep(30)\n"
                    "data.read_verified = read_slowly\n"
                    "utils.run_script(train.main)\n")
    process = start(slow_reading, "--data-dir", str(tmp_path), "--output", str(tmp_path / "w.npz"))
    code, out, err = interrupt_when(process, lambda: process.stdout.readline() == "reading\n")
    assert code == 130 and "Traceback" not in err and "Stopped by Ctrl-C while reading MNIST" in err


def test_ctrl_c_during_the_final_save_still_saves(tmp_path):
    saving_slowly = ("import sys, time, numpy as np, train, utils\n"
                     "from data import MNIST, to_float\n"
                     "from model import Model\n"
                     "with np.load('tests/fixtures/mnist_small.npz') as a:\n"
                     "    small = MNIST(to_float(a['train_images'][:500]), a['train_labels'][:500].astype(int),\n"
                     "                  to_float(a['test_images']), a['test_labels'].astype(int))\n"
                     "train.load_mnist = lambda data_dir, mirrors=None: small\n"
                     "real_save = Model.save\n"
                     "def save_slowly(model, path):\n"
                     "    print('saving', flush=True)\n"
                     "    time.sleep(2)\n"
                     "    real_save(model, path)\n"
                     "Model.save = save_slowly\n"
                     "utils.run_script(train.main)\n")
    output = tmp_path / "w.npz"
    process = start(saving_slowly, "--epochs", "1", "--output", str(output))
    code, out, err = interrupt_when(process, lambda: "saving" in process.stdout.readline())
    assert code == 0 and "Traceback" not in err and "one moment" in err
    assert Model.load(output).metadata["epochs"] == 1


def test_ctrl_c_in_the_drawing_window_ends_it_in_one_line():
    process = start("import draw, utils; print('ready', flush=True); utils.run_script(draw.main)",
                    SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    assert process.stdout.readline() == "ready\n"
    time.sleep(1.5)  # into the window's loop
    code, out, err = interrupt_when(process, lambda: True)
    assert code == 130 and "Traceback" not in err and err.strip().endswith("Stopped by Ctrl-C.")


# --- from another folder, and without data ----------------------------------------------------------------

@pytest.mark.parametrize("module", [draw, visualize])
def test_the_default_weights_are_the_ones_beside_the_code(module):
    assert module.parse_args([]).weights == os.path.join(REPO_ROOT, "weights.npz")


def test_train_saves_beside_the_code_by_default():
    assert train.parse_args([]).output == os.path.join(REPO_ROOT, "weights.npz")


def test_visualize_runs_from_another_folder_with_the_shipped_model(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "visualize.py"), "curves", "--out", "c.png"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "c.png").stat().st_size > 0


def test_plots_go_to_an_ignored_figures_folder_by_default(monkeypatch):
    written = []

    def record_and_stop(path):
        written.append(path)
        raise OSError(errno.ENOSPC, "stopped by the test")

    monkeypatch.setattr(visualize, "atomic_write", record_and_stop)
    with pytest.raises(SystemExit):
        visualize.main(["curves"])
    assert written == [os.path.join(REPO_ROOT, "figures", "training_curves.png")]
    ignored = subprocess.run(["git", "check-ignore", "-q", "figures/x.png"], cwd=REPO_ROOT)
    assert ignored.returncode == 0


@pytest.mark.parametrize("tool", ["make_mnist_small.py", "augment_sheet.py", "make_doc_figures.py"])
def test_tools_answer_help_and_change_nothing(tool):
    before = {name: os.stat(os.path.join(REPO_ROOT, "docs", name)).st_mtime_ns
              for name in os.listdir(os.path.join(REPO_ROOT, "docs"))}
    fixture = os.stat(os.path.join(REPO_ROOT, "tests", "fixtures", "mnist_small.npz")).st_mtime_ns
    result = subprocess.run([sys.executable, os.path.join("tools", tool), "--help"], cwd=REPO_ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("usage:")
    assert before == {name: os.stat(os.path.join(REPO_ROOT, "docs", name)).st_mtime_ns for name in before}
    assert fixture == os.stat(os.path.join(REPO_ROOT, "tests", "fixtures", "mnist_small.npz")).st_mtime_ns


def test_a_blank_noisy_picture_through_visualize_says_there_is_nothing_to_read(tmp_path):
    rng = np.random.default_rng(0)
    paper = (250 + rng.integers(-2, 3, (200, 200))).astype(np.uint8)
    path = tmp_path / "blank.png"
    import matplotlib.image
    matplotlib.image.imsave(path, np.stack([paper] * 3, axis=-1))
    with pytest.raises(SystemExit, match="shows no ink"):
        visualize.main(["--image", str(path), "--no-open", "--out", str(tmp_path / "n.html")])
