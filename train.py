"""Train the 784 → 128 → 64 → 10 network on MNIST and save it as weights.npz.

    python train.py                         # the shipped model: 15 epochs, batch 64, RMSProp, augmented
    python train.py --no-augment            # the plain configuration, undistorted images
    python train.py --epochs 1 --output quick.npz   # a quick run that leaves weights.npz alone
    python train.py --average-last 0        # save the last weights instead of the mean over the last five epochs
    python train.py --help                  # every setting

weights.npz (beside this file) is replaced only by a run that finishes, and the model it replaces is
kept as weights.previous.npz. Ctrl-C keeps the model trained so far in a separate file; a run that
diverges (its loss explodes, or it ends near chance) stops and leaves weights.npz untouched.
"""
import argparse
import contextlib
import datetime
import math
import os
import sys
import tempfile
import time

# One OpenBLAS thread for the matrix products. A 64-image batch is little work to share: on this
# project's 2-core machine a second thread made a plain epoch 7–23 % faster while the machine was
# quiet and 16–31 % slower whenever another tenant took part of the second core, and augmented
# training needs that core for distorting the next images (docs/performance.md). OpenBLAS reads
# the setting once, as NumPy loads, so it is made before the imports below; a value already in the
# environment wins.
BLAS_THREADS = 1
if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(BLAS_THREADS))

import numpy as np  # only now: every import from here on loads NumPy and OpenBLAS

from data import FILES, MIRROR_VARIABLE, DataError, find_data_dir, load_mnist, mirrors_to_try
from loss import SoftmaxCrossEntropy
from model import MAX_PARAMETERS, Model, WeightsError, parameter_count
from optimizers import RMSProp
from utils import Progress, accuracy, atomic_write, ctrl_c_deferred, new_file_can_go_at, run_script

DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights.npz")
GUESSING_LOSS = math.log(10)   # the loss of an even guess over ten digits
EXPLODED_LOSS = 100 * GUESSING_LOSS  # a batch loss above this has left learning behind
CHANCE_ACCURACY = 0.2          # test accuracy below twice a guess's 10 % is a failed run
AVERAGED_EPOCHS = 5            # the saved model is the mean of the weights over the last five epochs,
SNAPSHOTS_PER_EPOCH = 4        # taken at the end of each quarter of each of them


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=15, help="passes over the 60,000 training images (default 15)")
    parser.add_argument("--batch-size", type=int, default=64, help="images per gradient step (default 64)")
    parser.add_argument("--learning-rate", type=float, default=0.001, help="RMSProp step size (default 0.001)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the initial weights and the shuffling (default 0)")
    parser.add_argument("--average-last", type=int, default=AVERAGED_EPOCHS, metavar="N",
                        help=f"save the mean of the weights at the end of each quarter of the last N epochs "
                             f"(default {AVERAGED_EPOCHS}; 0 saves the last weights as they are)")
    parser.add_argument("--hidden-sizes", type=int, nargs="+", default=[128, 64], metavar="N",
                        help="sizes of the hidden ReLU layers (default 128 64)")
    parser.add_argument("--data-dir", help="folder with the four MNIST .gz files (default: $NEUROSCRIBBLE_DATA, "
                                           "else data/mnist, downloaded there if missing)")
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                        help="train on freshly distorted images every epoch: rotation, scaling, shear, "
                             "shifts, elastic distortion and stroke width (see augment.py); on by default, "
                             "--no-augment trains on the plain images as the original seed model did")
    parser.add_argument("--mirror", metavar="URL",
                        help=f"a web folder holding the four MNIST .gz files, tried before the public mirrors "
                             f"(also ${MIRROR_VARIABLE})")
    parser.add_argument("--output", default=DEFAULT_OUTPUT,
                        help="where to save the model (default weights.npz beside train.py); a model already "
                             "there is kept as <name>.previous.npz")
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.average_last < 0:
        parser.error("--average-last must be 0 or more")
    if not 0 < args.learning_rate < math.inf:
        parser.error("--learning-rate must be a positive number")
    if min(args.hidden_sizes) < 1:
        parser.error("--hidden-sizes must all be at least 1")
    layer_sizes = (784, *args.hidden_sizes, 10)
    if parameter_count(layer_sizes) > MAX_PARAMETERS:  # refused before any memory is asked for
        parser.error(f"--hidden-sizes {' '.join(map(str, args.hidden_sizes))} would make "
                     f"{parameter_count(layer_sizes):,} parameters; at most {MAX_PARAMETERS:,} fit in memory here")
    # the destination is checked now, not after training
    folder = os.path.dirname(os.path.abspath(args.output))
    if not new_file_can_go_at(args.output):
        parser.error(f"--output {args.output or repr('')} must be a file in an existing folder")
    problem = unwritable(folder, bytes_needed=4 * parameter_count(layer_sizes))
    if problem:
        parser.error(f"--output {args.output}: {folder} cannot take the model ({problem})")
    return args


def unwritable(folder, bytes_needed):
    """Why a file of bytes_needed cannot be written into folder (a reason), or None when it can.

    Tries it: writes a file that size (a read-only folder or a full disk fails here) and removes it.
    """
    try:
        handle, trial = tempfile.mkstemp(dir=folder, prefix=f".tmp-{os.getpid()}-", suffix=".npz")
        os.close(handle)
        try:
            with open(trial, "wb") as stream:
                chunk = bytes(1 << 20)
                for start in range(0, bytes_needed, len(chunk)):
                    stream.write(chunk[:bytes_needed - start])
        finally:
            os.remove(trial)
    except OSError as error:
        return error.strerror or str(error)
    return None


class WeightAverage:
    """The mean θ̄ = (1/n) Σ θ_k of a model's parameters at n snapshots: the end of each quarter
    (SNAPSHOTS_PER_EPOCH) of each of its last `count` epochs.

    With a constant learning rate the weights keep wandering around the bottom of the loss surface;
    their mean sits nearer its middle, where the surface is flatter, and reads new handwriting more
    reliably than any one of them (stochastic weight averaging, Izmailov et al., 2018; measured in
    docs/augmentation.md). The sum is kept in float64 so twenty float32 additions lose nothing.
    count = 0 averages nothing: put_into_model leaves the last weights as they are.
    """

    def __init__(self, model, epochs, count, batches_per_epoch, per_epoch=SNAPSHOTS_PER_EPOCH):
        self.model = model
        self.first = max(1, epochs - count + 1) if count else math.inf  # the first epoch averaged
        # after how many of an epoch's steps a snapshot is taken: the last one at the epoch's end
        self.snapshot_steps = {round(k * batches_per_epoch / per_epoch) for k in range(1, per_epoch + 1)}
        self.total = np.zeros(model.flat_params.shape, np.float64)
        self.added = self.epoch = self.steps = 0

    def start_epoch(self, epoch):
        self.epoch, self.steps = epoch, 0

    def step(self):
        """Called after every optimizer step: add the weights if this is one of the snapshots."""
        self.steps += 1
        if self.epoch >= self.first and self.steps in self.snapshot_steps:
            self.total += self.model.flat_params
            self.added += 1

    def put_into_model(self):
        """Replace the model's weights by the mean (if anything was averaged); returns the epochs averaged."""
        if not self.added:
            return []
        self.model.flat_params[...] = self.total / self.added
        return list(range(self.first, self.epoch + 1))


class Diverged(Exception):
    """The loss became NaN, infinite or exploded far above where it started."""


def shuffled_batches(images, labels, batch_size, rng):
    """Yield (x, y) minibatches of one shuffled pass; x is gathered into one reused buffer."""
    order = rng.permutation(len(images))
    batch = np.empty((batch_size, images.shape[1]), images.dtype)
    for start in range(0, len(images), batch_size):
        indices = order[start:start + batch_size]
        x = batch[:len(indices)]
        # mode="clip": with the default mode="raise" NumPy gathers into a hidden temporary first
        np.take(images, indices, axis=0, out=x, mode="clip")  # into the reused buffer, no new array
        yield x, labels[indices]


def train_epoch(model, loss, optimizer, images, labels, batch_size, rng, progress=None, distorting=None,
                on_step=None):
    """One shuffled pass of minibatch RMSProp; returns (mean loss, training accuracy).

    distorting, an augment.DistortingProcess made over these images and labels with this batch size
    and rng, trains on freshly distorted copies of them; on_step(), if given, is called after every
    optimizer step (WeightAverage.step).
    """
    if distorting:
        batches = distorting.epoch()
    else:
        batches = shuffled_batches(images, labels, batch_size, rng)
    total_loss = correct = seen = 0
    # A diverging run overflows float32 on its way to NaN; the NaN check below reports it in one line.
    with np.errstate(over="ignore", invalid="ignore"):
        for x, y in batches:
            logits = model.forward(x)
            correct += np.count_nonzero(logits.argmax(axis=1) == y)
            batch_loss = loss.forward(logits, y)
            if not batch_loss <= EXPLODED_LOSS:  # also true for NaN
                raise Diverged(f"the loss became {batch_loss:.3g} at image {seen} of the epoch "
                               f"(an even guess scores {GUESSING_LOSS:.2f})")
            total_loss += batch_loss * len(y)
            seen += len(y)
            model.backward(loss.backward())
            optimizer.step()
            if on_step:
                on_step()
            if progress:
                progress.update(len(y), f"loss {total_loss / seen:.4f}")
    return total_loss / len(images), correct / len(images)


def distorting_process(augment, mnist, batch_size, rng):
    """For a with statement: an augment.DistortingProcess over MNIST's training images when augment,
    else nothing (None). Ends the run in one sentence when the machine's shared memory is too small."""
    if not augment:
        return contextlib.nullcontext()
    from augment import DistortingProcess, SharedMemoryTooSmall  # only here: plain training needs neither
    try:
        return DistortingProcess(mnist.train_images, mnist.train_labels, batch_size, rng)
    except SharedMemoryTooSmall as error:
        sys.exit(f"error: {error}.")


def evaluate(model, images, labels):
    return accuracy(model.predict(images), labels)


def tagged_path(path, tag):
    """weights.npz, "previous" -> weights.previous.npz: a file beside path, named for what it keeps."""
    root, extension = os.path.splitext(path)
    return f"{root}.{tag}{extension}"


def save(model, path, keep_previous=True):
    """Write the model atomically; with keep_previous, a file already at path becomes <name>.previous.npz.

    Returns the replaced model's recorded test accuracy (None when there was none, nan when unknown).
    Ctrl-C cannot cut the save short; a disk or permission problem ends the run with one sentence.
    """
    replaced_accuracy = None
    try:
        with ctrl_c_deferred(f"\nSaving {path}; one moment."), atomic_write(path) as temporary:
            model.save(temporary)
            if keep_previous and os.path.exists(path):
                replaced_accuracy = recorded_accuracy(path)
                os.replace(path, tagged_path(path, "previous"))
    except OSError as error:
        sys.exit(f"error: could not write {path}: {error.strerror or error}.")
    return replaced_accuracy


def recorded_accuracy(path):
    """The test accuracy a weights file records, or nan for a file that is no model or lacks it."""
    try:
        return float(Model.load(path).metadata.get("test_accuracy", math.nan))
    except WeightsError:
        return math.nan


def main(argv=None):
    args = parse_args(argv)
    try:
        mnist = load_mnist(args.data_dir, mirrors=mirrors_to_try(args.mirror))
    except DataError as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        print("\nStopped by Ctrl-C while reading MNIST; nothing was written.", file=sys.stderr)
        return 130
    if args.batch_size > len(mnist.train_images):
        print(f"--batch-size {args.batch_size:,} is more than the {len(mnist.train_images):,} training images; "
              f"using {len(mnist.train_images):,}.")
        args.batch_size = len(mnist.train_images)
    layer_sizes = (mnist.train_images.shape[1], *args.hidden_sizes, 10)
    model = Model(layer_sizes, seed=args.seed)
    loss = SoftmaxCrossEntropy()
    optimizer = RMSProp(model.parameters(), learning_rate=args.learning_rate)
    rng = np.random.default_rng(args.seed)
    average = WeightAverage(model, args.epochs, args.average_last, -(-len(mnist.train_images) // args.batch_size))
    history = {"train_loss": [], "train_accuracy": [], "test_accuracy": [], "seconds": []}
    print(f"Training {' → '.join(map(str, layer_sizes))} on {len(mnist.train_images):,} images "
          f"from {find_data_dir(args.data_dir)}, testing on {len(mnist.test_images):,}: "
          f"{args.epochs} epochs, batch {args.batch_size}, RMSProp lr {args.learning_rate}, seed {args.seed}, "
          f"{'freshly distorted images each epoch' if args.augment else 'plain images (no augmentation)'}")

    with distorting_process(args.augment, mnist, args.batch_size, rng) as distorting:
        for epoch in range(1, args.epochs + 1):
            progress = Progress(len(mnist.train_images), f"epoch {epoch:2d}/{args.epochs}")
            started = time.perf_counter()
            average.start_epoch(epoch)
            try:
                train_loss, train_accuracy = train_epoch(model, loss, optimizer, mnist.train_images,
                                                         mnist.train_labels, args.batch_size, rng, progress,
                                                         distorting=distorting, on_step=average.step)
                seconds = time.perf_counter() - started
                test_accuracy = evaluate(model, mnist.test_images, mnist.test_labels)
                if test_accuracy < CHANCE_ACCURACY:
                    raise Diverged(f"test accuracy {test_accuracy:.2%} is near a guess's 10 %")
            except KeyboardInterrupt:
                progress.close()
                return keep_interrupted(model, optimizer, args, history, epoch, mnist, argv)
            except Diverged as error:
                progress.close()
                sys.exit(f"error: training diverged in epoch {epoch}: {error}. Try a smaller --learning-rate; "
                         f"{args.output} was left untouched.")
            progress.close()
            for key, value in zip(history, (train_loss, train_accuracy, test_accuracy, seconds)):
                history[key].append(value)
            print(f"epoch {epoch:2d}/{args.epochs}  loss {train_loss:.4f}  train {train_accuracy:.2%}  "
                  f"test {test_accuracy:.2%}  {seconds:.1f}s", flush=True)

    averaged = average.put_into_model()
    test_accuracy = evaluate(model, mnist.test_images, mnist.test_labels)
    if averaged:
        print(f"The mean of the weights over epochs {averaged[0]}–{averaged[-1]}, {average.added} snapshots: "
              f"test {test_accuracy:.2%}")
    model.metadata = training_metadata(args, optimizer, history, args.epochs, test_accuracy, argv)
    model.metadata.update(averaged_epochs=np.array(averaged, np.int64), averaged_snapshots=average.added)
    replaced_accuracy = save(model, args.output)
    print(f"Saved {args.output}: test accuracy {test_accuracy:.2%} on "
          f"{len(mnist.test_images):,} test images, {sum(history['seconds']):.0f}s of training.")
    if replaced_accuracy is not None:
        recorded = ("records no test accuracy" if math.isnan(replaced_accuracy)
                    else f"recorded test accuracy {replaced_accuracy:.2%}")
        print(f"The model it replaced ({recorded}) is kept as {tagged_path(args.output, 'previous')}.")
    return 0


def keep_interrupted(model, optimizer, args, history, epoch, mnist, argv):
    """Ctrl-C: save the model as it stands beside the output, never over it; a second Ctrl-C waits."""
    kept = tagged_path(args.output, "interrupted")
    with ctrl_c_deferred(f"\nKeeping the model trained so far in {kept}; one moment."):
        test_accuracy = evaluate(model, mnist.test_images, mnist.test_labels)
        model.metadata = training_metadata(args, optimizer, history, epoch - 1, test_accuracy, argv)
        save(model, kept, keep_previous=False)
    print(f"\nStopped by Ctrl-C during epoch {epoch}. Kept the model trained so far in {kept} "
          f"(test accuracy {test_accuracy:.2%}); {args.output} was left untouched.")
    return 130


def training_metadata(args, optimizer, history, epochs_completed, test_accuracy, argv):
    """What the saved .npz records about how it was made (all plain numbers and strings)."""
    metadata = {f"history_{key}": np.array(values, dtype=np.float64) for key, values in history.items()}
    metadata.update(
        epochs=epochs_completed, batch_size=args.batch_size, learning_rate=args.learning_rate,
        seed=args.seed, augment=args.augment, optimizer=f"RMSProp(decay={optimizer.decay}, epsilon={optimizer.epsilon})",
        test_accuracy=test_accuracy,
        data_sha256=np.array([f"{name}:{sha}" for name, sha in FILES.items()]),
        trained_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        command=" ".join(["python train.py", *(sys.argv[1:] if argv is None else argv)]),
    )
    return metadata


if __name__ == "__main__":
    run_script(main)
