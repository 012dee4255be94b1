"""Teach the network your handwriting: fine-tune a copy of it on your own labelled drawings,
with MNIST replayed so it does not forget, and measure honestly what that bought.

    python teach.py                          # my_drawings.npz beside weights.npz -> my_weights.npz
    python teach.py --collection other.npz --output other_weights.npz

The drawings come from draw.py (press the digit you drew after the network answers); the shipped
weights.npz is never overwritten.
"""
import argparse
import functools
import os
import sys
import time

# One OpenBLAS thread, as train.py gives itself and for the same reason: a 64-image batch is too
# little work to share, and on a busy 2-core machine a second thread made a teach many times slower
# (40 s instead of 5 s at a load of 9; bench/bench_teach.py). Set before NumPy loads; a value already
# in the environment wins.
if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # only now: every import from here on loads NumPy and OpenBLAS

from augment import distort
from collection import Collection, CollectionError
from data import DataError, load_mnist
from loss import SoftmaxCrossEntropy
from model import Model, WeightsError
from optimizers import RMSProp
from pen import combined
from utils import Progress, accuracy, atomic_write, new_file_can_go_at, run_script

# Chosen on the pendigits development set (30 writers, 3 drawings of each digit taught, the rest
# scored): 20 of every 64 images your drawings, the rest replayed MNIST (it keeps MNIST test accuracy
# 0.02-0.04 points higher than 24 of 64 and 0.1 higher than half and half, at 0.1 points of accuracy
# on your drawings; docs/teaching.md), 300 steps at a small step size.
STEPS = 300
BATCH_SIZE = 64
TAUGHT_PER_BATCH = 20
LEARNING_RATE = 3e-4
# The replayed MNIST images are taught a blend of their label and what the model being taught said
# of them before: t = (1 − β)·one-hot(y) + β·q, β = REPLAY_DISTILLATION (knowledge distillation,
# Hinton et al., 2015; used against forgetting by Li & Hoiem, 2016). Over three seeds of the dev-set
# protocol (on the model shipped before this one) it lifted the lowest mean MNIST accuracy after
# teaching from 98.48 to 98.54 % and the worst writer (3 of each digit taught) from 94.1 to 95.0 %
# (β of 0.5, 0.75 and 1 in docs/teaching.md).
REPLAY_DISTILLATION = 0.75
TAUGHT_POOL = 1024   # distorted copies of the drawings made once per teach, spread evenly over them
MIN_DRAWINGS, MIN_PER_DIGIT = 10, 2  # fewer, and cross-validation has too little to say
MAX_FOLDS = 5

HERE = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=4)
def cached_mnist(data_dir=None):
    """MNIST through data.load_mnist (the usual lookup), read once per process."""
    return load_mnist(data_dir)


def copy_model(model):
    """A new Model with the same layer sizes, parameters and metadata; nothing shared."""
    twin = Model(model.layer_sizes, dtype=model.flat_params.dtype)
    twin.flat_params[...] = model.flat_params
    twin.metadata = dict(model.metadata)
    return twin


def taught_pool(images, labels, rng, size=TAUGHT_POOL):
    """The drawings themselves plus about `size` lightly distorted copies (augment.distort)."""
    copies = max(1, -(-size // len(images)))
    distorted = distort(np.repeat(images, copies, axis=0), rng)
    return np.concatenate([images, distorted]), np.concatenate([labels, np.repeat(labels, copies)])


def teach(model, images, labels, seed=0, mnist=None, steps=STEPS, on_step=None):
    """A copy of `model` fine-tuned on your drawings; `model` itself is left unchanged.

    images: (N, 784) or (N, 28, 28) floats in [0, 1], as pen.digit_from_strokes makes them;
    labels: (N,) ints 0–9. Each of `steps` RMSProp steps takes a batch of TAUGHT_PER_BATCH images
    from the drawings and their distorted copies and BATCH_SIZE − TAUGHT_PER_BATCH replayed MNIST
    training images, so the network learns your style without forgetting everyone else's; the
    replayed images' targets blend their labels with `model`'s own answers (REPLAY_DISTILLATION).
    mnist: a data.MNIST to replay (default: data.load_mnist's usual lookup, cached). The same seed
    gives the same model. on_step(done, total), if given, is called after every step. The new
    model's metadata records taught_drawings (N), taught_seed and its MNIST test_accuracy.
    """
    images = np.asarray(images, np.float32).reshape(len(images), model.layer_sizes[0])
    labels = np.asarray(labels, np.int64)
    if len(images) == 0 or len(images) != len(labels):
        raise ValueError(f"teach needs drawings with one label each, not {len(images)} images and {len(labels)} labels")
    mnist = mnist or cached_mnist()
    rng = np.random.default_rng(seed)
    taught_images, taught_labels = taught_pool(images, labels, rng)
    teacher, student = copy_model(model), copy_model(model)  # own copies: a model's layers keep scratch buffers
    loss = SoftmaxCrossEntropy()
    optimizer = RMSProp(student.parameters(), learning_rate=LEARNING_RATE)
    batch = np.empty((BATCH_SIZE, images.shape[1]), np.float32)
    one_hot = np.eye(model.layer_sizes[-1], dtype=np.float32)
    for step in range(steps):
        mine = rng.integers(0, len(taught_images), TAUGHT_PER_BATCH)
        replayed = rng.integers(0, len(mnist.train_labels), BATCH_SIZE - TAUGHT_PER_BATCH)
        np.take(taught_images, mine, axis=0, out=batch[:TAUGHT_PER_BATCH])
        np.take(mnist.train_images, replayed, axis=0, out=batch[TAUGHT_PER_BATCH:])
        targets = one_hot[np.concatenate([taught_labels[mine], mnist.train_labels[replayed]])]
        targets[TAUGHT_PER_BATCH:] *= 1 - REPLAY_DISTILLATION
        targets[TAUGHT_PER_BATCH:] += REPLAY_DISTILLATION * teacher.predict_proba(batch[TAUGHT_PER_BATCH:])
        loss.forward(student.forward(batch), targets)
        student.backward(loss.backward())
        optimizer.step()
        if on_step:
            on_step(step + 1, steps)
    # what the saved model says of itself (network_page.py shows test_accuracy): no longer the shipped figures
    student.metadata.update(taught_drawings=len(images), taught_seed=seed,
                            test_accuracy=accuracy(student.predict(mnist.test_images), mnist.test_labels))
    return student


def teach_drawings(model, copies, labels, seed=0, mnist=None, on_step=None):
    """teach() on every copy of every drawing, each labelled as its drawing. copies: for each drawing
    a (C, 784) array of the images the app reads it by (pen.reading_copies: the drawing and its
    leaned-back copies), so the taught model learns the very inputs it will be asked about. The
    new model's metadata counts the drawings as taught_drawings, not their copies."""
    taught = teach(model, np.concatenate(copies), np.repeat(labels, [len(images) for images in copies]),
                   seed=seed, mnist=mnist, on_step=on_step)
    taught.metadata["taught_drawings"] = len(copies)
    return taught


def drawing_probabilities(model, copies):
    """For each drawing's copies (C, 784 or 28, 28) the model's probabilities (C, 10), all copies in one call."""
    images = np.concatenate(copies)
    probabilities = model.predict_proba(images.reshape(len(images), -1))
    return np.split(probabilities, np.cumsum([len(images) for images in copies])[:-1])


def read_drawings(model, copies):
    """The app's answers (N,): for each drawing's copies (C, 784) the most probable digit of their
    combined probabilities (pen.combined, as draw.reading_from)."""
    return np.array([combined(drawing).argmax() for drawing in drawing_probabilities(model, copies)], np.int64)


def too_few(labels):
    """Why cross-validation would say nothing about these labels, or None when there are enough."""
    counts = np.bincount(labels, minlength=10)
    if len(labels) < MIN_DRAWINGS:
        return f"too few drawings to measure ({len(labels)}; keep at least {MIN_DRAWINGS})"
    if counts[counts > 0].min() < MIN_PER_DIGIT:
        lonely = ", ".join(str(digit) for digit in np.flatnonzero(counts == 1))
        return f"too few drawings to measure (only one {lonely}; keep at least {MIN_PER_DIGIT} of each digit you teach)"
    return None


def folds_by_digit(labels, folds, rng):
    """(N,) fold numbers 0 … folds − 1, each digit's drawings dealt round the folds in random order."""
    fold = np.empty(len(labels), np.int64)
    for digit in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == digit))
        fold[members] = (np.arange(len(members)) + rng.integers(folds)) % folds
    return fold


def cross_validated_accuracy(model, copies, labels, seed=0, mnist=None, on_fold=None):
    """(before, after): accuracy on your drawings, read as the app reads them (read_drawings), of
    `model` and of the models taught without them; copies as for teach_drawings.

    k-fold cross-validation over the drawings, k = min(5, the fewest drawings of any digit): each
    fold is scored by a model taught on the other folds, so "after" is measured on drawings it never saw.
    """
    labels = np.asarray(labels, np.int64)
    folds = min(MAX_FOLDS, np.bincount(labels)[np.unique(labels)].min())
    fold = folds_by_digit(labels, folds, np.random.default_rng(seed))
    after = np.empty(len(labels), np.int64)
    for k in range(folds):
        held_out = fold == k
        taught = teach_drawings(model, [copies[i] for i in np.flatnonzero(~held_out)], labels[~held_out],
                                seed=seed + k, mnist=mnist)
        after[held_out] = read_drawings(taught, [copies[i] for i in np.flatnonzero(held_out)])
        if on_fold:
            on_fold(k + 1, folds)
    return accuracy(read_drawings(model, copies), labels), accuracy(after, labels)


def describe_gain(model, taught, copies, labels, seed=0, mnist=None, on_fold=None):
    """One line saying what teaching bought: on your drawings (cross-validated; copies as for
    teach_drawings) and on MNIST's test set."""
    labels = np.asarray(labels, np.int64)
    mnist = mnist or cached_mnist()
    mnist_before, mnist_after = (accuracy(m.predict(mnist.test_images), mnist.test_labels) for m in (model, taught))
    mnist_part = f"MNIST {mnist_before:.1%} before, {mnist_after:.1%} after"
    reason = too_few(labels)
    if reason:
        return f"{reason}; {mnist_part}"
    before, after = cross_validated_accuracy(model, copies, labels, seed, mnist, on_fold)
    return f"your drawings: {before:.0%} before, {after:.0%} after; {mnist_part}"


def save_taught(model, path):
    """Write a taught model atomically (utils.atomic_write); OSError says why it could not."""
    with atomic_write(path) as temporary:
        model.save(temporary)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", default=os.path.join(HERE, "weights.npz"),
                        help="the model to start from (default: the shipped weights.npz beside this script)")
    parser.add_argument("--collection", help="your labelled drawings, kept by draw.py "
                                             "(default: my_drawings.npz beside the weights)")
    parser.add_argument("--output", help="where to write the taught model (default: my_weights.npz beside the weights)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the distortions and the batches (default 0)")
    parser.add_argument("--data-dir", help="folder with the four MNIST .gz files, replayed while teaching "
                                           "(default: $NEUROSCRIBBLE_DATA, else data/mnist)")
    args = parser.parse_args(argv)
    folder = os.path.dirname(os.path.abspath(args.weights))
    args.collection = args.collection or os.path.join(folder, "my_drawings.npz")
    args.output = args.output or os.path.join(folder, "my_weights.npz")
    if os.path.abspath(args.output) == os.path.abspath(args.weights):
        parser.error(f"--output {args.output} is the model you start from; teaching never overwrites it")
    if not new_file_can_go_at(args.output):
        parser.error(f"--output {args.output} must be a file in an existing folder")
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        model = Model.load(args.weights)
        collection = Collection.load(args.collection)
        if not collection.drawings:
            raise CollectionError(f"{args.collection} holds no drawings yet; keep some in `python draw.py` first.")
        copies, labels = collection.reading_copies(), collection.labels()
        mnist = cached_mnist(args.data_dir)
    except (WeightsError, CollectionError, DataError) as error:
        sys.exit(f"error: {error}")
    counts = np.bincount(labels, minlength=10)
    print(f"Teaching a copy of {os.path.basename(args.weights)} the {len(labels)} drawings in {args.collection} "
          f"({'  '.join(f'{digit}:{count}' for digit, count in enumerate(counts) if count)}), "
          f"with MNIST replayed, seed {args.seed}")
    progress = Progress(STEPS, "teaching")
    started = time.perf_counter()
    taught = teach_drawings(model, copies, labels, args.seed, mnist, on_step=lambda done, total: progress.update())
    progress.close()
    print(f"taught in {time.perf_counter() - started:.2f}s; measuring what it bought ...", flush=True)
    progress = Progress(MAX_FOLDS, "measuring")
    gain = describe_gain(model, taught, copies, labels, args.seed, mnist, on_fold=lambda done, total: progress.update())
    progress.close()
    print(gain)
    try:
        save_taught(taught, args.output)
    except OSError as error:
        sys.exit(f"error: could not write {args.output}: {error.strerror or error}.")
    print(f"Saved {args.output}; use it with `python draw.py --weights {args.output}`.")
    return 0


if __name__ == "__main__":
    run_script(main)
