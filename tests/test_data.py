"""MNIST files: IDX parsing, verification failures, and downloading from mirrors in turn."""
import functools
import gzip
import http.server
import os
import shutil
import threading

import numpy as np
import pytest

import data
from data import FILES, DataError, load_mnist, load_test_set, parse_idx


def idx_bytes(array, magic):
    header = np.array([magic, *array.shape], dtype=">i4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def test_parse_idx_reads_images_and_labels_the_test_wrote():
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    labels = np.array([7, 1, 4])
    np.testing.assert_array_equal(parse_idx(idx_bytes(images, 2051), 2051, "images"), images)
    np.testing.assert_array_equal(parse_idx(idx_bytes(labels, 2049), 2049, "labels"), labels)


def test_bad_magic_number_is_rejected_with_a_clear_message():
    with pytest.raises(DataError, match="train-labels has magic number 2051, expected 2049"):
        parse_idx(idx_bytes(np.zeros((2, 2, 2)), 2051), 2049, "train-labels")


def test_truncated_idx_file_is_rejected_with_a_clear_message():
    payload = idx_bytes(np.zeros((5, 28, 28)), 2051)
    with pytest.raises(DataError, match="truncated or damaged"):
        parse_idx(payload[:-100], 2051, "t10k-images")
    with pytest.raises(DataError, match="shorter than its header"):
        parse_idx(payload[:6], 2051, "t10k-images")


def test_a_file_with_the_wrong_content_hash_is_never_used(tmp_path):
    for name in FILES:  # well-formed IDX files, but not the official ones
        magic = 2051 if "images" in name else 2049
        shape = (3, 28, 28) if "images" in name else (3,)
        with gzip.open(tmp_path / name, "wb") as stream:
            stream.write(idx_bytes(np.ones(shape), magic))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.gz is not the official MNIST file.*delete it"):
        load_mnist(tmp_path)


def test_a_truncated_gzip_file_is_rejected_with_a_clear_message(tmp_path):
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz", "wb") as stream:
        stream.write(os.urandom(50_000))
    cut = (tmp_path / "train-images-idx3-ubyte.gz").read_bytes()[:20_000]
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(cut)
    with pytest.raises(DataError, match="is not a complete gzip file"):
        load_mnist(tmp_path, download=False)


def test_missing_files_without_download_say_where_to_put_them(tmp_path):
    with pytest.raises(DataError, match=f"copy the four MNIST .gz files into {tmp_path}"):
        load_mnist(tmp_path, download=False)


def test_the_test_set_alone_needs_only_the_two_test_files(tmp_path, full_mnist):
    source = os.environ["NEUROSCRIBBLE_DATA"]
    for name in FILES:
        if name.startswith("t10k"):
            shutil.copy(os.path.join(source, name), tmp_path / name)
    images, labels = load_test_set(tmp_path)
    np.testing.assert_array_equal(images, full_mnist.test_images)
    np.testing.assert_array_equal(labels, full_mnist.test_labels)
    os.remove(tmp_path / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is missing"):
        load_test_set(tmp_path, download=False)


def test_data_dir_argument_wins_over_environment_which_wins_over_default(monkeypatch):
    monkeypatch.setenv("NEUROSCRIBBLE_DATA", "/from/env")
    assert data.find_data_dir("/from/flag") == "/from/flag"
    assert data.find_data_dir() == "/from/env"
    monkeypatch.delenv("NEUROSCRIBBLE_DATA")
    assert data.find_data_dir() == data.DEFAULT_DATA_DIR


@pytest.fixture
def local_mirror(tmp_path):
    """An HTTP server on 127.0.0.1 serving /good/ (the real files) and /corrupt/ (damaged ones)."""
    source = os.environ.get("NEUROSCRIBBLE_DATA")
    if not source:
        pytest.skip("NEUROSCRIBBLE_DATA is not set; the download test serves the real MNIST files")
    root = tmp_path / "served"
    shutil.copytree(source, root / "good", ignore=shutil.ignore_patterns("*.md"))
    (root / "corrupt").mkdir()
    for name in FILES:
        (root / "corrupt" / name).write_bytes((root / "good" / name).read_bytes()[:1000])
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_falls_through_failing_mirrors_and_ends_with_verified_files(tmp_path, local_mirror):
    target = tmp_path / "downloaded"
    mirrors = (f"{local_mirror}/missing/", f"{local_mirror}/corrupt/", f"{local_mirror}/good/")
    mnist = load_mnist(target, mirrors=mirrors)
    assert sorted(os.listdir(target)) == sorted(FILES)  # no temporary files left behind
    assert mnist.train_images.shape == (60000, 784) and mnist.test_labels.shape == (10000,)
    assert mnist.train_images.dtype == np.float32 and mnist.train_images.max() == 1.0
    np.testing.assert_array_equal(np.bincount(mnist.test_labels),
                                  [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])


def test_when_every_mirror_fails_nothing_is_kept_not_even_the_folder_and_the_error_says_where_to_put_files(
        tmp_path, local_mirror):
    target = tmp_path / "downloaded"
    with pytest.raises(DataError) as raised:
        load_mnist(target, mirrors=(f"{local_mirror}/missing/", f"{local_mirror}/corrupt/"))
    message = str(raised.value)
    assert "could not download train-images-idx3-ubyte.gz" in message
    assert "failed verification" in message and f"copy the four MNIST .gz files into {target}" in message
    assert not target.exists()
