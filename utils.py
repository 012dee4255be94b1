"""Small helpers more than one script needs: accuracy, atomic file writes, Ctrl-C handling, a progress line."""
import contextlib
import glob
import os
import signal
import sys
import tempfile
import time

import numpy as np


def accuracy(predicted, labels):
    """Fraction of predictions equal to the labels, in [0, 1]."""
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


def new_file_can_go_at(path):
    """True when path names a file, not a folder, in a folder that exists: where --output may point."""
    return bool(os.path.basename(path)) and not os.path.isdir(path) and os.path.isdir(os.path.dirname(os.path.abspath(path)))


@contextlib.contextmanager
def atomic_write(path):
    """Yield a temporary path beside `path`; on success rename it over `path` in one step.

    A crash or Ctrl-C before the end leaves `path` as it was and removes the temporary file. A
    process killed outright cannot clean up: its temporary, named .tmp-<process id>-…, is removed
    by the next atomic_write into that folder once that process is gone.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    remove_stale_temporaries(folder)
    suffix = os.path.splitext(path)[1]  # a leftover temporary still shows what kind of file it was
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".tmp-{os.getpid()}-", suffix=suffix)
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


def remove_stale_temporaries(folder):
    """Delete atomic_write's temporaries in folder left by processes that no longer run."""
    for leftover in glob.glob(os.path.join(glob.escape(folder), ".tmp-*-*")):
        owner = os.path.basename(leftover).split("-")[1]
        if owner.isdigit() and not process_is_running(int(owner)):
            with contextlib.suppress(OSError):
                os.remove(leftover)


def process_is_running(pid):
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else, or the platform cannot tell
        return True
    return True


@contextlib.contextmanager
def ctrl_c_deferred(note):
    """Run the block with Ctrl-C postponed: a press only prints `note` to stderr.

    For the short moments that must not be cut in half, such as saving a model that exists nowhere
    else. Outside the main thread (where Python delivers no signals) it changes nothing.
    """
    def postpone(signum, frame):
        print(note, file=sys.stderr, flush=True)

    try:
        previous = signal.signal(signal.SIGINT, postpone)
    except ValueError:  # not the main thread
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def run_script(main):
    """Exit with main()'s code; Ctrl-C at a moment the script does not handle itself ends it in one line."""
    try:
        code = main()
    except KeyboardInterrupt:
        print("\nStopped by Ctrl-C.", file=sys.stderr)
        code = 130  # the shell's code for "ended by SIGINT"
    sys.exit(code)


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
