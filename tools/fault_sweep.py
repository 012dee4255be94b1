"""Run the scripts against faults and mistakes and print what each did: a sentence, a traceback, a lost model?

    python tools/fault_sweep.py                 # about a minute; MNIST from $NEUROSCRIBBLE_DATA if set
    python tools/fault_sweep.py --only sigint   # the cases whose name holds "sigint"

Every case runs as its own process with a time limit, inside a temporary folder holding a copy of
the shipped weights.npz (the repository's own is never touched): training reads the 5,000-image
test fixture, downloads come from a loopback server that misbehaves on request, and no public
mirror is contacted. A case passes when it ends as expected (exit code 0, or an error in one
sentence) with no traceback, and the model it was given is still there, or kept as
<name>.previous.npz when a finished run replaced it.
"""
import argparse
import collections
import hashlib
import http.server
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable

# Python run by the train.py cases: the 5,000-image fixture instead of MNIST, no public mirror, and
# optional slow-downs so a signal can land in the middle of reading or saving.
TRAIN_ON_FIXTURE = """
import os, sys, time, numpy as np
sys.path.insert(0, {root!r})
import data, train, utils
from data import MNIST, to_float
from model import Model
data.MIRRORS = ()
data.TIMEOUT_SECONDS = 2
if os.environ.get("SWEEP_FIXTURE"):
    with np.load(os.path.join({root!r}, "tests", "fixtures", "mnist_small.npz")) as a:
        small = MNIST(to_float(a["train_images"]), a["train_labels"].astype(np.int64),
                      to_float(a["test_images"]), a["test_labels"].astype(np.int64))
    train.load_mnist = lambda data_dir, mirrors=None: small
slow = os.environ.get("SWEEP_SLOW")
if slow == "save":
    real_save = Model.save
    def save(model, path):
        print("saving", flush=True); time.sleep(2); real_save(model, path)
    Model.save = save
if slow == "read":
    def read_verified(path, sha256):
        print("reading", flush=True); time.sleep(30)
    data.read_verified = read_verified
if os.environ.get("SWEEP_FULL_DISK"):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    train.open = full
utils.run_script(train.main)
""".format(root=REPO_ROOT)

Case = collections.namedtuple("Case", "name command expect signal_when env keeps", defaults=(None, {}, ()))
Result = collections.namedtuple("Result", "name code ending model_lost passed")


class Mirror(http.server.BaseHTTPRequestHandler):
    """Serves MNIST from `source` under /good/; /garbage/, /missing/, /truncated/, /silent/ misbehave."""

    source = None
    requested = threading.Event()

    def do_GET(self):
        type(self).requested.set()
        kind, name = self.path.split("/")[1], self.path.rsplit("/", 1)[1]
        if kind == "garbage":
            self.wfile.write(b"garbage, not HTTP\r\n\r\n")
        elif kind == "silent":
            time.sleep(5)
        elif kind == "missing" or not self.source:
            self.send_error(404)
        else:
            with open(os.path.join(self.source, name), "rb") as stream:
                body = stream.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:1000] if kind == "truncated" else body)

    def log_message(self, *args):
        pass


def start_mirror(source):
    Mirror.source = source
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mirror)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def make_files(work, mnist):
    """Damaged and oversized inputs, and a few folders, inside work."""
    import matplotlib.image
    import numpy as np
    with open(os.path.join(work, "damaged.npz"), "wb") as stream:
        stream.write(b"PK\x03\x04" + hashlib.sha256(b"seed").digest() * 100)
    huge = os.path.join(work, "huge_header.npz")
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    with zipfile.ZipFile(huge, "w") as archive:
        archive.writestr("W0.npy", header.getvalue())
    with zipfile.ZipFile(os.path.join(work, "bomb.npz"), "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("W0.npy", bytes(500 << 20))
    np.savez(os.path.join(work, "pickled.npz"), W0=np.array([{"a": 1}], dtype=object))
    noise = np.random.default_rng(0)
    paper = (250 + noise.integers(-2, 3, (200, 200))).astype(np.uint8)
    matplotlib.image.imsave(os.path.join(work, "blank.png"), np.stack([paper] * 3, -1))
    specks = np.full((200, 200), 255, np.uint8)
    for row, column in noise.integers(0, 198, (20, 2)):
        specks[row:row + 2, column:column + 2] = 0
    matplotlib.image.imsave(os.path.join(work, "specks.png"), np.stack([specks] * 3, -1))
    with open(os.path.join(work, "notes.png"), "w") as stream:
        stream.write("not a picture")
    for kind in ("damaged_gzip", "truncated_gzip", "empty_files"):
        os.makedirs(os.path.join(work, kind))
    if mnist:
        for name in os.listdir(mnist):
            if not name.endswith(".gz"):
                continue
            packed = bytearray(open(os.path.join(mnist, name), "rb").read())
            cut = bytes(packed[:len(packed) // 2])
            header_end = packed.index(0, 10) + 1 if packed[3] & 8 else 10  # after the stored file name
            packed[header_end + 5] ^= 0xFF  # inside the first deflate block's code tables: zlib.error
            open(os.path.join(work, "damaged_gzip", name), "wb").write(bytes(packed))
            open(os.path.join(work, "truncated_gzip", name), "wb").write(cut)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        open(os.path.join(work, "empty_files", name), "wb").close()


def cases(work, url, mnist):
    train = [PYTHON, "-c", TRAIN_ON_FIXTURE]
    fixture = {"SWEEP_FIXTURE": "1"}
    out = ["--output", "weights.npz"]
    visualize = [PYTHON, os.path.join(REPO_ROOT, "visualize.py")]
    draw = [PYTHON, os.path.join(REPO_ROOT, "draw.py")]
    weights = ["--weights", "weights.npz"]
    new_data = ["--data-dir", "new_data"]
    result = [
        Case("train: exploding learning rate 1e3", train + ["--epochs", "1", "--learning-rate", "1e3"] + out,
             "error", env=fixture),
        Case("train: NaN learning rate 1e30", train + ["--epochs", "1", "--learning-rate", "1e30"] + out,
             "error", env=fixture),
        Case("train: a quick run replaces and keeps the old", train + ["--epochs", "1"] + out, "ok", env=fixture,
             keeps=("weights.previous.npz",)),
        Case("train: --output ''", train + ["--output", ""], "error", env=fixture),
        Case("train: --output newdir/", train + ["--output", "newdir/"], "error", env=fixture),
        Case("train: --output in a missing folder", train + ["--output", "no/such/w.npz"], "error", env=fixture),
        Case("train: --output unwritable (/proc)", train + ["--output", "/proc/w.npz"], "error", env=fixture),
        Case("train: --output on a full disk", train + out, "error", env=dict(fixture, SWEEP_FULL_DISK="1")),
        Case("train: --output is a folder", train + ["--output", "."], "error", env=fixture),
        Case("train: --hidden-sizes 1000000000", train + ["--hidden-sizes", "1000000000"] + out, "error", env=fixture),
        Case("train: --batch-size 1000000000 --no-augment", train + ["--epochs", "1", "--batch-size", "1000000000",
                                                                    "--no-augment"] + out, "ok", env=fixture,
             keeps=("weights.previous.npz",)),
        Case("train: --epochs 0", train + ["--epochs", "0"] + out, "error", env=fixture),
        Case("train: --epochs abc", train + ["--epochs", "abc"] + out, "error", env=fixture),
        Case("train: --batch-size -3", train + ["--batch-size", "-3"] + out, "error", env=fixture),
        Case("train: --learning-rate nan", train + ["--learning-rate", "nan"] + out, "error", env=fixture),
        Case("train: --hidden-sizes 0", train + ["--hidden-sizes", "0"] + out, "error", env=fixture),
        Case("train: unknown flag", train + ["--speed", "3"] + out, "error", env=fixture),
        Case("train: mirror answers garbage", train + new_data + ["--mirror", url + "/garbage/"] + out, "error"),
        Case("train: mirror answers 404", train + new_data + ["--mirror", url + "/missing/"] + out, "error"),
        Case("train: mirror truncates", train + new_data + ["--mirror", url + "/truncated/"] + out, "error"),
        Case("train: mirror never answers", train + new_data + ["--mirror", url + "/silent/"] + out, "error"),
        Case("train: mirror refuses the connection", train + new_data + ["--mirror", "http://127.0.0.1:9/"] + out,
             "error"),
        Case("train: mirror URL is nonsense", train + new_data + ["--mirror", "nonsense://x"] + out, "error"),
        Case("train: data files empty", train + ["--data-dir", "empty_files"] + out, "error"),
        Case("train: SIGINT during the download", train + new_data + ["--mirror", url + "/silent/"] + out,
             "sigint", signal_when="request"),
        Case("train: SIGINT while reading the data", train + ["--data-dir", "empty_files"] + out, "sigint",
             signal_when="reading", env={"SWEEP_SLOW": "read"}),
        Case("train: SIGINT during training", train + ["--epochs", "50"] + out, "sigint", signal_when="epoch",
             env=fixture, keeps=("weights.interrupted.npz",)),
        Case("train: SIGINT as the distorting process starts", train + ["--epochs", "50"] + out, "sigint",
             signal_when="Training", env=fixture),
        Case("train: SIGINT during the final save", train + ["--epochs", "1"] + out, "ok", signal_when="saving",
             env=dict(fixture, SWEEP_SLOW="save"), keeps=("weights.previous.npz",)),
        Case("train: SIGINT twice: training, then the save", train + ["--epochs", "50"] + out, "sigint",
             signal_when="epoch+saving", env=dict(fixture, SWEEP_SLOW="save"), keeps=("weights.interrupted.npz",)),
        Case("train: SIGKILL during the save, then a run", train + ["--epochs", "1"] + out, "killed",
             signal_when="saving", env=dict(fixture, SWEEP_SLOW="save")),
        Case("train: the run after a SIGKILL leaves no litter", train + ["--epochs", "1"] + out, "ok", env=fixture,
             keeps=("weights.previous.npz",)),
        Case("visualize: weights missing", visualize + ["--weights", "none.npz", "--no-open"], "error"),
        Case("visualize: weights damaged", visualize + ["--weights", "damaged.npz", "--no-open"], "error"),
        Case("visualize: weights header declares 10^12 floats", visualize + ["--weights", "huge_header.npz",
                                                                             "--no-open"], "error"),
        Case("visualize: weights inflate to 500 MB", visualize + ["--weights", "bomb.npz", "--no-open"], "error"),
        Case("visualize: weights hold a pickle", visualize + ["--weights", "pickled.npz", "--no-open"], "error"),
        Case("visualize: --image blank paper with noise", visualize + weights + ["--image", "blank.png",
                                                                                 "--no-open"], "error"),
        Case("visualize: --image 20 specks on white", visualize + weights + ["--image", "specks.png",
                                                                             "--no-open"], "error"),
        Case("visualize: --image not a picture", visualize + weights + ["--image", "notes.png", "--no-open"], "error"),
        Case("visualize: --image missing", visualize + weights + ["--image", "none.png", "--no-open"], "error"),
        Case("visualize: confusion, no data, mirror 404", visualize + weights + ["confusion", "--out", "c.png",
                                                                                 "--mirror", url + "/missing/"]
             + new_data, "error", env={"NEUROSCRIBBLE_MIRROR": "http://127.0.0.1:9/"}),
        Case("visualize: --out in a new folder (made)", visualize + weights + ["curves", "--out", "new/c.png"], "ok"),
        Case("visualize: --out unwritable (/proc)", visualize + weights + ["curves", "--out", "/proc/c.png"], "error"),
        Case("visualize: curves from another folder", visualize + ["curves", "--out", "c.png"], "ok"),
        Case("visualize: --edges-per-neuron 0", visualize + ["--edges-per-neuron", "0"], "error"),
        Case("draw: weights missing", draw + ["--weights", "none.npz"], "error"),
        Case("draw: weights damaged", draw + ["--weights", "damaged.npz"], "error"),
        Case("draw: SIGINT in the window", draw, "sigint", signal_when="4s",
             env={"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}),
        Case("tools: make_mnist_small.py --help", [PYTHON, os.path.join(REPO_ROOT, "tools", "make_mnist_small.py"),
                                                   "--help"], "ok"),
        Case("tools: make_mnist_small.py with no folder", [PYTHON, os.path.join(REPO_ROOT, "tools",
                                                                                "make_mnist_small.py")], "error"),
        Case("tools: augment_sheet.py --help", [PYTHON, os.path.join(REPO_ROOT, "tools", "augment_sheet.py"),
                                                "--help"], "ok"),
    ]
    if os.geteuid() == 0 and shutil.which("unshare"):  # a small /dev/shm of its own, as in a container
        result.append(Case("train: /dev/shm of 16 MB (Docker's default is 64)",
                           ["unshare", "--mount", "sh", "-c", 'mount -t tmpfs -o size=16m tmpfs /dev/shm && exec "$@"',
                            "sh"] + train + ["--epochs", "1"] + out, "error", env=fixture))
    if mnist:
        result += [
            Case("train: garbage mirror, then a good one", train + new_data + ["--mirror", url + "/garbage/", "--epochs",
                                                                               "1", "--no-augment"] + out, "ok",
                 env={"NEUROSCRIBBLE_MIRROR": url + "/good/"}, keeps=("weights.previous.npz",)),
            Case("train: damaged deflate stream", train + ["--data-dir", "damaged_gzip"] + out, "error"),
            Case("train: truncated gzip", train + ["--data-dir", "truncated_gzip"] + out, "error"),
            Case("visualize: --sample with a damaged deflate stream", visualize + weights
                 + ["--sample", "3", "--no-open", "--data-dir", "damaged_gzip"], "error"),
            Case("visualize: --sample 99999", visualize + weights + ["--sample", "99999", "--no-open",
                                                                     "--data-dir", mnist], "error"),
        ]
    return result


def run(case, work, timeout):
    """Run one case in work; returns its Result."""
    before = file_hash(os.path.join(work, "weights.npz"))
    env = dict(os.environ, PYTHONUNBUFFERED="1", **case.env)
    Mirror.requested.clear()
    process = subprocess.Popen(case.command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    output = []
    try:
        if case.signal_when:
            for wanted in case.signal_when.split("+"):
                wait_for(process, wanted, output, timeout)
                process.send_signal(signal.SIGKILL if case.expect == "killed" else signal.SIGINT)
        out, err = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        timed_out = True
    out = "".join(output) + out
    code = process.returncode
    traceback = "Traceback (most recent call last)" in err
    last_line = next((line for line in reversed((out + err).splitlines()) if line.strip()), "")
    if traceback:
        ending = "traceback"
    elif code == 0:
        ending = "finished"
    elif code == -signal.SIGKILL:
        ending = "killed"
    elif timed_out:
        ending = "timed out"
    else:
        ending = "one sentence: " + last_line[:90]
    after = file_hash(os.path.join(work, "weights.npz"))
    lost = not loadable(os.path.join(work, "weights.npz")) or any(
        not loadable(os.path.join(work, kept)) for kept in case.keeps)
    if case.expect != "ok" and case.expect != "killed" and after != before:
        lost = True  # a failed run changed the model it was given
    if "weights.previous.npz" in case.keeps and before != file_hash(os.path.join(work, "weights.previous.npz")):
        lost = True
    expected_code = {"ok": (0,), "error": (1, 2), "sigint": (130,), "killed": (-signal.SIGKILL,)}[case.expect]
    litter = [name for name in os.listdir(work) if name.startswith(".tmp-")] if case.expect != "killed" else []
    if litter:
        ending += f" (left {', '.join(litter)})"
    passed = code in expected_code and not traceback and not lost and not litter
    return Result(case.name, code, ending, lost, passed)


def wait_for(process, wanted, output, timeout):
    """Block until the process shows it reached `wanted`: a printed word, a mirror request or seconds."""
    if wanted == "request":
        Mirror.requested.wait(timeout)
    elif wanted.endswith("s") and wanted[:-1].isdigit():
        time.sleep(int(wanted[:-1]))
    else:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            if not line or wanted in line:
                break
        if wanted == "epoch":
            time.sleep(0.3)


def file_hash(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def loadable(path):
    sys.path.insert(0, REPO_ROOT)
    from model import Model, WeightsError
    try:
        Model.load(path)
        return True
    except WeightsError:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="run only the cases whose name holds this text")
    parser.add_argument("--timeout", type=float, default=90, help="seconds a case may take (default 90)")
    parser.add_argument("--weights", default=os.path.join(REPO_ROOT, "weights.npz"),
                        help="the model each case is given a copy of (default the shipped weights.npz)")
    args = parser.parse_args(argv)
    mnist = os.environ.get("NEUROSCRIBBLE_DATA")
    server, url = start_mirror(mnist)
    results = []
    with tempfile.TemporaryDirectory(prefix="fault-sweep-") as root:
        files = os.path.join(root, "files")
        os.makedirs(files)
        make_files(files, mnist)
        work = os.path.join(root, "work")
        for case in cases(files, url, mnist):
            if args.only.lower() not in case.name.lower():
                continue
            if not case.name.startswith("train: the run after a SIGKILL"):  # that one inherits the killed run's folder
                shutil.rmtree(work, ignore_errors=True)
                shutil.copytree(files, work)
                shutil.copy(args.weights, os.path.join(work, "weights.npz"))
            results.append(run(case, work, args.timeout))
            print(format_row(results[-1]), flush=True)
    server.shutdown()
    print_summary(results)
    return 0 if all(result.passed for result in results) else 1


def format_row(result):
    return (f"| {result.name} | {result.code} | {result.ending.replace('|', '/')} | "
            f"{'LOST' if result.model_lost else 'no'} | {'pass' if result.passed else 'FAIL'} |")


def print_summary(results):
    print()
    print("| case | exit | ending | model lost? | as expected? |")
    print("|---|---|---|---|---|")
    for result in results:
        print(format_row(result))
    sentences = sum(result.ending.startswith("one sentence") for result in results)
    tracebacks = sum(result.ending == "traceback" for result in results)
    print(f"\n{len(results)} cases: {sum(r.passed for r in results)} as expected, {sentences} one-sentence errors, "
          f"{tracebacks} tracebacks, {sum(r.model_lost for r in results)} models lost.")


if __name__ == "__main__":
    sys.exit(main())
