"""Train the 784 → 128 → 64 → 10 network on MNIST and save it as weights.npz.

    python train.py                         # the shipped model: 15 epochs, batch 64, RMSProp, augmented
    python train.py --no-augment            # the plain configuration, undistorted images
    python train.py --epochs 1 --seed 3     # a quick run
    python train.py --help                  # every setting

weights.npz is replaced only by a run that finishes. Ctrl-C keeps the model trained so far in
a separate file; a diverging run (NaN loss) stops and leaves weights.npz untouched.
"""
import argparse
import datetime
import math
import os
import sys
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

from data import FILES, DataError, find_data_dir, load_mnist
from loss import SoftmaxCrossEntropy
from model import Model
from optimizers import RMSProp
from utils import Progress, accuracy, atomic_write


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=15, help="passes over the 60,000 training images (default 15)")
    parser.add_argument("--batch-size", type=int, default=64, help="images per gradient step (default 64)")
    parser.add_argument("--learning-rate", type=float, default=0.001, help="RMSProp step size (default 0.001)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the initial weights and the shuffling (default 0)")
    parser.add_argument("--hidden-sizes", type=int, nargs="+", default=[128, 64], metavar="N",
                        help="sizes of the hidden ReLU layers (default 128 64)")
    parser.add_argument("--data-dir", help="folder with the four MNIST .gz files (default: $NEUROSCRIBBLE_DATA, "
                                           "else data/mnist, downloaded there if missing)")
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                        help="train on freshly distorted images every epoch: rotation, scaling, shear, "
                             "shifts, elastic distortion and stroke width (see augment.py); on by default, "
                             "--no-augment trains on the plain images as the original seed model did")
    parser.add_argument("--output", default="weights.npz", help="where to save the model (default weights.npz)")
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 < args.learning_rate < math.inf:
        parser.error("--learning-rate must be a positive number")
    if min(args.hidden_sizes) < 1:
        parser.error("--hidden-sizes must all be at least 1")
    folder = os.path.dirname(os.path.abspath(args.output))
    if os.path.isdir(args.output) or not os.path.isdir(folder):
        parser.error(f"--output {args.output} must be a file in an existing folder")  # checked now, not after training
    return args


class Diverged(Exception):
    """The loss became NaN or infinite."""


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


def train_epoch(model, loss, optimizer, images, labels, batch_size, rng, progress=None, augment=False):
    """One shuffled pass of minibatch RMSProp; returns (mean loss, training accuracy).

    augment=True trains on freshly distorted copies of the images (augment.distorted_batches).
    """
    if augment:
        from augment import distorted_batches  # only here: plain training needs no SciPy
        make_batches = distorted_batches
    else:
        make_batches = shuffled_batches
    total_loss = correct = seen = 0
    # A diverging run overflows float32 on its way to NaN; the NaN check below reports it in one line.
    with np.errstate(over="ignore", invalid="ignore"):
        for x, y in make_batches(images, labels, batch_size, rng):
            logits = model.forward(x)
            correct += np.count_nonzero(logits.argmax(axis=1) == y)
            batch_loss = loss.forward(logits, y)
            if not math.isfinite(batch_loss):
                raise Diverged(f"the loss became {batch_loss} at image {seen} of the epoch")
            total_loss += batch_loss * len(y)
            seen += len(y)
            model.backward(loss.backward())
            optimizer.step()
            if progress:
                progress.update(len(y), f"loss {total_loss / seen:.4f}")
    return total_loss / len(images), correct / len(images)


def evaluate(model, images, labels):
    return accuracy(model.predict(images), labels)


def save(model, path):
    """Write the model atomically; a disk or permission problem ends the run with one sentence."""
    try:
        with atomic_write(path) as temporary:
            model.save(temporary)
    except OSError as error:
        sys.exit(f"error: could not write {path}: {error.strerror or error}.")


def main(argv=None):
    args = parse_args(argv)
    try:
        mnist = load_mnist(args.data_dir)
    except DataError as error:
        sys.exit(f"error: {error}")
    layer_sizes = (mnist.train_images.shape[1], *args.hidden_sizes, 10)
    model = Model(layer_sizes, seed=args.seed)
    loss = SoftmaxCrossEntropy()
    optimizer = RMSProp(model.parameters(), learning_rate=args.learning_rate)
    rng = np.random.default_rng(args.seed)
    history = {"train_loss": [], "train_accuracy": [], "test_accuracy": [], "seconds": []}
    print(f"Training {' → '.join(map(str, layer_sizes))} on {len(mnist.train_images):,} images "
          f"from {find_data_dir(args.data_dir)}, testing on {len(mnist.test_images):,}: "
          f"{args.epochs} epochs, batch {args.batch_size}, RMSProp lr {args.learning_rate}, seed {args.seed}, "
          f"{'freshly distorted images each epoch' if args.augment else 'plain images (no augmentation)'}")

    for epoch in range(1, args.epochs + 1):
        progress = Progress(len(mnist.train_images), f"epoch {epoch:2d}/{args.epochs}")
        started = time.perf_counter()
        try:
            train_loss, train_accuracy = train_epoch(model, loss, optimizer, mnist.train_images,
                                                     mnist.train_labels, args.batch_size, rng, progress,
                                                     augment=args.augment)
        except KeyboardInterrupt:
            progress.close()
            return keep_interrupted(model, optimizer, args, history, epoch, mnist, argv)
        except Diverged as error:
            progress.close()
            sys.exit(f"error: training diverged in epoch {epoch}: {error}. Try a smaller --learning-rate; "
                     f"{args.output} was left untouched.")
        progress.close()
        seconds = time.perf_counter() - started
        test_accuracy = evaluate(model, mnist.test_images, mnist.test_labels)
        for key, value in zip(history, (train_loss, train_accuracy, test_accuracy, seconds)):
            history[key].append(value)
        print(f"epoch {epoch:2d}/{args.epochs}  loss {train_loss:.4f}  train {train_accuracy:.2%}  "
              f"test {test_accuracy:.2%}  {seconds:.1f}s", flush=True)

    model.metadata = training_metadata(args, optimizer, history, epochs_completed=args.epochs, argv=argv)
    save(model, args.output)
    print(f"Saved {args.output}: test accuracy {history['test_accuracy'][-1]:.2%} on "
          f"{len(mnist.test_images):,} test images, {sum(history['seconds']):.0f}s of training.")
    return 0


def keep_interrupted(model, optimizer, args, history, epoch, mnist, argv):
    """Ctrl-C: save the model as it stands beside the output, never over it."""
    root, extension = os.path.splitext(args.output)
    kept = f"{root}.interrupted{extension}"
    test_accuracy = evaluate(model, mnist.test_images, mnist.test_labels)
    model.metadata = training_metadata(args, optimizer, history, epochs_completed=epoch - 1, argv=argv)
    model.metadata["test_accuracy"] = test_accuracy
    save(model, kept)
    print(f"\nStopped by Ctrl-C during epoch {epoch}. Kept the model trained so far in {kept} "
          f"(test accuracy {test_accuracy:.2%}); {args.output} was left untouched.")
    return 130


def training_metadata(args, optimizer, history, epochs_completed, argv):
    """What the saved .npz records about how it was made (all plain numbers and strings)."""
    metadata = {f"history_{key}": np.array(values, dtype=np.float64) for key, values in history.items()}
    metadata.update(
        epochs=epochs_completed, batch_size=args.batch_size, learning_rate=args.learning_rate,
        seed=args.seed, augment=args.augment, optimizer=f"RMSProp(decay={optimizer.decay}, epsilon={optimizer.epsilon})",
        test_accuracy=history["test_accuracy"][-1] if history["test_accuracy"] else float("nan"),
        data_sha256=np.array([f"{name}:{sha}" for name, sha in FILES.items()]),
        trained_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        command=" ".join(["python train.py", *(sys.argv[1:] if argv is None else argv)]),
    )
    return metadata


if __name__ == "__main__":
    sys.exit(main())
