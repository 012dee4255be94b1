"""Small helpers more than one script needs: accuracy, atomic file writes, a progress line."""
import contextlib
import os
import sys
import tempfile
import time

import numpy as np


def accuracy(predicted, labels):
    """Fraction of predictions equal to the labels, in [0, 1]."""
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


@contextlib.contextmanager
def atomic_write(path):
    """Yield a temporary path beside `path`; on success rename it over `path` in one step.

    A crash or Ctrl-C before the end leaves `path` as it was and removes the temporary file.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = os.path.splitext(path)[1]  # a leftover temporary still shows what kind of file it was
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it owner-only; give it a normal file's mode
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


class Progress:
    """A one-line progress bar on stderr, redrawn at most ten times a second.

    Shown only on a terminal, so logs and CI output stay clean.
    """

    def __init__(self, total, label, stream=None, width=30):
        self.total, self.label, self.width = total, label, width
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.start = self.last_drawn = time.perf_counter()
        self.done = 0

    def update(self, amount=1, note=""):
        self.done += amount
        now = time.perf_counter()
        if self.enabled and (now - self.last_drawn > 0.1 or self.done >= self.total):
            self.last_drawn = now
            fraction = min(self.done / self.total, 1.0) if self.total else 1.0
            filled = int(fraction * self.width)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {fraction:4.0%} {now - self.start:5.1f}s {note}")
            self.stream.flush()

    def close(self):
        """Erase the bar so the next printed line starts clean."""
        if self.enabled:
            self.stream.write("\r" + " " * (len(self.label) + self.width + 40) + "\r")
            self.stream.flush()
