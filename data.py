"""MNIST: find the four IDX files, download them if missing, verify them, and parse them.

Where the files are looked for, in order: the data_dir argument (train.py's --data-dir), the
NEUROSCRIBBLE_DATA environment variable, then data/mnist/ beside this file (git-ignored).
Mirrors tried for a download, in order: the --mirror argument, NEUROSCRIBBLE_MIRROR, then MIRRORS.
"""
import collections
import gzip
import hashlib
import http.client
import os
import urllib.request
import zlib

import numpy as np

from utils import Progress, atomic_write

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# sha256 of each file's decompressed payload (the gzip wrappers differ between mirrors).
FILES = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
# Where MNIST puts each digit's centre of mass, (row, column) in its 28 × 28 image: measured over
# the training set, mean 14.0 with spread ±0.3, half a pixel below and right of the middle (13.5).
MNIST_CENTER = (14.0, 14.0)
DEFAULT_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "mnist")
MIRROR_VARIABLE = "NEUROSCRIBBLE_MIRROR"
TIMEOUT_SECONDS = 30  # a mirror silent this long is given up for the next

MNIST = collections.namedtuple("MNIST", "train_images train_labels test_images test_labels")


class DataError(Exception):
    """MNIST files that are missing, damaged or cannot be fetched; the message says what to do."""


def find_data_dir(data_dir=None):
    return data_dir or os.environ.get("NEUROSCRIBBLE_DATA") or DEFAULT_DATA_DIR


def mirrors_to_try(mirror=None):
    """The mirrors in the order they are tried: `mirror` (a flag), $NEUROSCRIBBLE_MIRROR, then MIRRORS."""
    extra = [url for url in (mirror, os.environ.get(MIRROR_VARIABLE)) if url]
    return tuple(url if url.endswith("/") else url + "/" for url in extra) + MIRRORS


def load_mnist(data_dir=None, download=True, mirrors=None):
    """All of MNIST as float32 images (N, 784) in [0, 1] and int64 labels (N,).

    Missing files are downloaded (when download is True) from `mirrors` (default mirrors_to_try());
    every file is verified before use.
    """
    folder = find_data_dir(data_dir)
    # verified content, so the counts are MNIST's own: 60,000 and 10,000
    return MNIST(*load_files(folder, FILES, download, mirrors))


def load_test_set(data_dir=None, download=False, mirrors=None):
    """Only the 10,000 test images and their labels; with download, fetched like load_mnist's when missing."""
    folder = find_data_dir(data_dir)
    return tuple(load_files(folder, [name for name in FILES if name.startswith("t10k")], download, mirrors))


def load_files(folder, names, download, mirrors):
    """load_file for each name; a data folder this call created and left empty is removed again."""
    existed = os.path.isdir(folder)
    try:
        return [load_file(folder, name, download, mirrors or mirrors_to_try()) for name in names]
    except BaseException:  # a failed download or Ctrl-C: leave no empty folder behind
        if not existed and os.path.isdir(folder) and not os.listdir(folder):
            os.rmdir(folder)
        raise


def load_file(folder, name, download=True, mirrors=MIRRORS):
    """One verified MNIST file from folder: float32 images (N, 784) in [0, 1] or int64 labels (N,)."""
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        if not download:
            raise DataError(f"{path} is missing; copy the four MNIST .gz files into {folder}.")
        download_file(name, folder, mirrors)
    is_images = "images" in name
    parsed = parse_idx(read_verified(path, FILES[name]), IMAGES_MAGIC if is_images else LABELS_MAGIC, name)
    return to_float(parsed) if is_images else parsed.astype(np.int64)


def to_float(images):
    """uint8 (N, 28, 28) -> float32 (N, 784) in [0, 1]."""
    scaled = images.reshape(len(images), -1).astype(np.float32)
    scaled /= 255  # in place: no second 188 MB array for the training set
    return scaled


def read_verified(path, sha256):
    """The decompressed bytes of a .gz file whose payload has the given sha256."""
    try:
        with gzip.open(path, "rb") as stream:
            payload = stream.read()
    except (OSError, EOFError, zlib.error) as error:  # zlib.error: a damaged deflate stream
        raise DataError(f"{path} is not a complete gzip file ({error}); "
                        "delete it so it is downloaded again, or replace it.") from None
    if hashlib.sha256(payload).hexdigest() != sha256:
        raise DataError(f"{path} is not the official MNIST file (its content hash differs); "
                        "delete it so it is downloaded again, or replace it.")
    return payload


def parse_idx(payload, magic, name):
    """An IDX byte string -> uint8 array of shape (count, *dims), read with np.frombuffer.

    Header: big-endian int32 magic (0x0801 labels, 0x0803 images), then one int32 per dimension.
    """
    n_dims = magic & 0xFF
    header_size = 4 * (1 + n_dims)
    if len(payload) < header_size:
        raise DataError(f"{name} is truncated: {len(payload)} bytes, shorter than its header.")
    header = np.frombuffer(payload, dtype=">i4", count=1 + n_dims)
    if header[0] != magic:
        raise DataError(f"{name} has magic number {header[0]}, expected {magic}: "
                        "it is not an MNIST file of this kind.")
    dims = tuple(int(d) for d in header[1:])
    expected = header_size + int(np.prod(dims))
    if len(payload) != expected:
        raise DataError(f"{name} holds {len(payload)} bytes but its header promises {expected}: "
                        "the file is truncated or damaged.")
    return np.frombuffer(payload, dtype=np.uint8, offset=header_size).reshape(dims)


def download_file(name, folder, mirrors=MIRRORS):
    """Fetch one file into folder, trying each mirror in turn; keep it only once verified.

    Any failure of one mirror (no answer, an error page, garbage, a cut-off or wrong file) moves
    on to the next.
    """
    failures = []
    for mirror in mirrors:
        url = mirror + name
        try:
            with atomic_write(os.path.join(folder, name)) as temporary:
                fetch(url, temporary, label=f"downloading {name}")
                read_verified(temporary, FILES[name])
            return
        except DataError:
            failures.append(f"{url} (the file it served failed verification)")
        except (OSError, http.client.HTTPException, ValueError) as error:
            # URLError and timeouts are OSErrors; HTTPException: garbage instead of HTTP; ValueError: a bad URL
            reason = getattr(error, "reason", None) or error or type(error).__name__
            failures.append(f"{url} ({' '.join(str(reason).split())})")  # garbage may hold line breaks
    raise DataError(f"could not download {name}: " + "; ".join(failures) +
                    f". With no network, copy the four MNIST .gz files into {folder} "
                    "(or point --data-dir or NEUROSCRIBBLE_DATA at them), or name a nearer mirror with --mirror "
                    f"or {MIRROR_VARIABLE}.")


def fetch(url, path, label, chunk_size=1 << 16):
    """Stream url into path, with a progress bar on a terminal."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response, open(path, "wb") as out:
        size = int(response.headers.get("Content-Length") or 0)
        progress = Progress(size, label)
        while chunk := response.read(chunk_size):
            out.write(chunk)
            progress.update(len(chunk))
        progress.close()
