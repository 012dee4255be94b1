"""teach.py and collection.py: teaching a copy of the network your handwriting, measuring it
honestly, and the file that keeps your labelled drawings."""
import os
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import threadpoolctl

import collection
import teach
from collection import Collection, CollectionError
import pen
from pen import digit_from_strokes
from helpers import REPO_ROOT
from model import Model
from utils import accuracy

# A style MNIST lacks and the shipped model misreads: a programmer's slashed zero, the slash running past
# the ring, read as 4. (The continental 1 this test once taught is now in training: augment.restyled.)
RING = [(50 * np.sin(t), -50 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 20)]
SLASHED_ZERO = [RING, [(55, -110), (-55, 110)]]
CROSSED_SEVEN = [[(-60, -100), (60, -100), (-10, 100)], [(-40, 0), (40, 0)]]


def written(strokes, rng):
    """One person's rendition of a digit: placed, scaled and wobbled a little, on the canvas."""
    scale, (x, y) = rng.uniform(0.8, 1.2), rng.uniform(150, 250, 2)
    return [[(x + scale * px + rng.normal(0, 6), y + scale * py + rng.normal(0, 6)) for px, py in stroke]
            for stroke in strokes]


def drawings(strokes, label, count, seed):
    rng = np.random.default_rng(seed)
    images = np.array([digit_from_strokes(written(strokes, rng)).ravel() for _ in range(count)])
    return images, np.full(count, label)


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Teach as teach.py and draw.py do, with one OpenBLAS thread (a second makes it slower here)."""
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def shipped(committed_weights_path):
    return Model.load(committed_weights_path)


@pytest.fixture(scope="module")
def programmers_hand(shipped, small_mnist):
    """Twelve slashed 0s and twelve crossed 7s, and the shipped model taught them."""
    zeros, sevens = drawings(SLASHED_ZERO, 0, 12, seed=1), drawings(CROSSED_SEVEN, 7, 12, seed=2)
    images, labels = np.concatenate([zeros[0], sevens[0]]), np.concatenate([zeros[1], sevens[1]])
    return images, labels, teach.teach(shipped, images, labels, mnist=small_mnist)


# --- teach.teach ---------------------------------------------------------------------------------

def test_teaching_leaves_the_given_model_unchanged(shipped, small_mnist):
    before = shipped.flat_params.copy()
    taught = teach.teach(shipped, *drawings(SLASHED_ZERO, 0, 3, seed=0), mnist=small_mnist, steps=20)
    assert np.array_equal(shipped.flat_params, before)
    assert not np.array_equal(taught.flat_params, before) and taught.flat_params is not shipped.flat_params


def test_the_same_seed_teaches_the_same_model_and_another_seed_another(shipped, small_mnist):
    images, labels = drawings(SLASHED_ZERO, 0, 3, seed=0)
    first, again, other = (teach.teach(shipped, images, labels, seed=seed, mnist=small_mnist, steps=20)
                           for seed in (0, 0, 1))
    assert np.array_equal(first.flat_params, again.flat_params)
    assert not np.array_equal(first.flat_params, other.flat_params)


def test_teach_takes_28_by_28_images_as_well_as_flat_ones(shipped, small_mnist):
    images, labels = drawings(SLASHED_ZERO, 0, 3, seed=0)
    flat = teach.teach(shipped, images, labels, mnist=small_mnist, steps=5)
    square = teach.teach(shipped, images.reshape(-1, 28, 28), labels, mnist=small_mnist, steps=5)
    assert np.array_equal(flat.flat_params, square.flat_params)


def test_replayed_images_are_taught_the_models_own_answers_blended_with_their_labels(shipped, small_mnist,
                                                                                       monkeypatch):
    # Batches of replayed MNIST alone: with β = 1 their targets are the model's own probabilities, so
    # the gradient (p − t) / batch is zero and teaching moves nothing; with β < 1 the labels pull.
    monkeypatch.setattr(teach, "TAUGHT_PER_BATCH", 0)
    images, labels = drawings(SLASHED_ZERO, 0, 3, seed=0)
    monkeypatch.setattr(teach, "REPLAY_DISTILLATION", 1.0)
    np.testing.assert_allclose(teach.teach(shipped, images, labels, mnist=small_mnist, steps=5).flat_params,
                               shipped.flat_params, atol=1e-6)
    monkeypatch.setattr(teach, "REPLAY_DISTILLATION", 0.75)
    moved = teach.teach(shipped, images, labels, mnist=small_mnist, steps=5).flat_params - shipped.flat_params
    assert np.abs(moved).max() > 1e-4


def test_the_untaught_model_misreads_the_slashed_zeros(shipped):
    images, labels = drawings(SLASHED_ZERO, 0, 40, seed=3)
    assert accuracy(shipped.predict(images), labels) < 0.5  # otherwise the next test proves nothing


def test_teaching_learns_the_slashed_zeros_and_keeps_the_crossed_sevens(programmers_hand):
    *_, taught = programmers_hand
    for strokes, label in ((SLASHED_ZERO, 0), (CROSSED_SEVEN, 7)):
        images, labels = drawings(strokes, label, 40, seed=3)  # new drawings, not the taught ones
        assert accuracy(taught.predict(images), labels) >= 0.9, label


def test_teaching_keeps_mnist_test_accuracy_within_a_point(shipped, programmers_hand, small_mnist):
    *_, taught = programmers_hand
    before, after = (accuracy(m.predict(small_mnist.test_images), small_mnist.test_labels) for m in (shipped, taught))
    assert after >= before - 0.01


def test_the_taught_model_records_how_many_drawings_taught_it_and_its_own_mnist_accuracy(programmers_hand, small_mnist):
    images, _, taught = programmers_hand
    assert taught.metadata["taught_drawings"] == len(images) and taught.metadata["taught_seed"] == 0
    assert taught.metadata["test_accuracy"] == accuracy(taught.predict(small_mnist.test_images), small_mnist.test_labels)


def test_teaching_nothing_is_refused(shipped, small_mnist):
    with pytest.raises(ValueError, match="teach needs drawings"):
        teach.teach(shipped, np.zeros((0, 784), np.float32), np.zeros(0, int), mnist=small_mnist)


# --- honest figures --------------------------------------------------------------------------------

@pytest.mark.parametrize("labels, complaint", [
    ([1, 1, 7, 7, 3, 3], "too few drawings to measure (6; keep at least 10)"),
    ([1] * 6 + [7] * 5 + [3], "only one 3; keep at least 2 of each digit you teach"),
])
def test_too_few_drawings_are_said_to_be_too_few(labels, complaint):
    assert complaint in teach.too_few(np.array(labels))


def test_enough_drawings_are_measured(programmers_hand):
    _, labels, _ = programmers_hand
    assert teach.too_few(labels) is None


def test_cross_validation_scores_each_drawing_with_a_model_that_never_saw_it(shipped, programmers_hand, monkeypatch,
                                                                              small_mnist):
    images, labels, _ = programmers_hand
    taught_sets = []

    def remembering_teach(model, taught_images, taught_labels, seed=0, mnist=None, on_step=None):
        taught_sets.append({image.tobytes() for image in taught_images})
        return model

    monkeypatch.setattr(teach, "teach", remembering_teach)
    copies = np.stack([images, np.roll(images, 1, axis=1)], axis=1)  # two copies of each drawing
    before, after = teach.cross_validated_accuracy(shipped, copies, labels, mnist=small_mnist)
    assert len(taught_sets) == teach.MAX_FOLDS and before == after  # "teaching" changed nothing here
    everything = {image.tobytes() for image in copies.reshape(-1, 784)}
    held_out = [everything - seen for seen in taught_sets]
    assert all(held_out) and set().union(*held_out) == everything  # each drawing held out once
    assert sum(map(len, held_out)) == len(everything)
    for drawing in copies:  # a drawing's copies are held out together, never one taught and one scored
        assert all((drawing[0].tobytes() in seen) == (drawing[1].tobytes() in seen) for seen in taught_sets)


def test_teaching_drawings_teaches_every_copy_with_its_drawings_label(shipped, monkeypatch):
    seen = []
    def remembering_teach(model, images, labels, **settings):
        seen.append((images, labels))
        return teach.copy_model(model)

    monkeypatch.setattr(teach, "teach", remembering_teach)
    copies = [np.zeros((3, 784), np.float32), np.ones((2, 784), np.float32)]
    taught = teach.teach_drawings(shipped, copies, np.array([4, 9]))
    (images, labels), = seen
    assert images.shape == (5, 784) and labels.tolist() == [4, 4, 4, 9, 9]
    assert taught.metadata["taught_drawings"] == 2


def test_drawings_are_read_by_their_copies_with_the_drawing_itself_weighing_most(shipped, small_mnist):
    images = small_mnist.test_images[:20]
    others = small_mnist.test_images[20:40]
    copies = [np.stack([image, other, other]) for image, other in zip(images, others)]  # two copies of another digit
    probabilities = shipped.predict_proba(np.concatenate(copies)).reshape(20, 3, 10)
    weighted = pen.DRAWING_WEIGHT * probabilities[:, 0] + (1 - pen.DRAWING_WEIGHT) * probabilities[:, 1]
    assert teach.read_drawings(shipped, copies).tolist() == weighted.argmax(axis=1).tolist()
    assert not np.array_equal(weighted.argmax(axis=1), probabilities.mean(axis=1).argmax(axis=1))  # not an equal mean
    alone = [copy[:1] for copy in copies]  # a drawing read without copies is read by itself
    assert teach.read_drawings(shipped, alone).tolist() == probabilities[:, 0].argmax(axis=1).tolist()


def test_the_gain_line_gives_before_and_after_on_your_drawings_and_on_mnist(shipped, programmers_hand, small_mnist):
    images, labels, taught = programmers_hand
    two_folds = np.r_[0:2, 12:20]  # 2 slashed zeros and 8 crossed sevens: 2 folds, so only 2 teaches
    line = teach.describe_gain(shipped, taught, images[two_folds, None], labels[two_folds], mnist=small_mnist)
    assert re.fullmatch(r"your drawings: \d+% before, \d+% after; MNIST \d+\.\d% before, \d+\.\d% after", line)


# --- the collection file -------------------------------------------------------------------------

def kept(count=3):
    rng = np.random.default_rng(0)
    keeping = Collection()
    for i in range(count):
        strokes = written(CROSSED_SEVEN if i % 2 else SLASHED_ZERO, rng)
        keeping.add(strokes, digit_from_strokes(strokes), label=7 if i % 2 else 0, answer=7)
    return keeping


def test_a_collection_keeps_strokes_labels_and_answers_through_its_file(tmp_path):
    path = tmp_path / "my_drawings.npz"
    original = kept()
    original.save(path)
    loaded = Collection.load(path)
    assert loaded.labels().tolist() == [0, 7, 0] and [d.answer for d in loaded.drawings] == [7, 7, 7]
    for ours, theirs in zip(original.drawings, loaded.drawings):
        assert len(ours.strokes) == len(theirs.strokes)
        assert all(np.array_equal(a, b) for a, b in zip(ours.strokes, theirs.strokes))
    assert np.array_equal(loaded.images(), original.images())
    assert loaded.counts().tolist() == [2, 0, 0, 0, 0, 0, 0, 1, 0, 0]


def test_the_collection_file_holds_only_plain_arrays_that_load_without_pickle(tmp_path):
    path = tmp_path / "my_drawings.npz"
    kept().save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[key].dtype.kind in "fiuU" for key in archive.files)


def test_an_empty_collection_round_trips(tmp_path):
    Collection().save(tmp_path / "empty.npz")
    assert Collection.load(tmp_path / "empty.npz").drawings == []


def test_a_missing_collection_is_empty_only_when_asked(tmp_path):
    assert Collection.load(tmp_path / "none.npz", missing_ok=True).drawings == []
    with pytest.raises(CollectionError, match="does not exist; keep drawings in `python draw.py`"):
        Collection.load(tmp_path / "none.npz")


def test_a_crash_mid_write_keeps_the_old_collection_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "my_drawings.npz"
    kept(1).save(path)
    old_bytes = path.read_bytes()

    def crashing_savez(stream, **arrays):
        stream.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(collection.np, "savez", crashing_savez)
    with pytest.raises(OSError, match="disk full"):
        kept(3).save(path)
    assert path.read_bytes() == old_bytes and os.listdir(tmp_path) == ["my_drawings.npz"]


def write_npz(path, **arrays):
    with open(path, "wb") as stream:
        np.savez(stream, **arrays)


def damaged_files(tmp_path):
    good = tmp_path / "good.npz"
    kept().save(good)
    arrays = dict(np.load(good))
    files = {"not a zip": b"hello", "cut short": good.read_bytes()[:200]}
    for name, bytes_ in files.items():
        (tmp_path / name).write_bytes(bytes_)
    write_npz(tmp_path / "a model", W0=np.zeros((784, 10)))
    with open(tmp_path / "one array", "wb") as stream:
        np.save(stream, np.zeros(3))
    write_npz(tmp_path / "pickled", **{**arrays, "labels": np.array([{"a": 1}], dtype=object)})
    write_npz(tmp_path / "counts off", **{**arrays, "stroke_lengths": arrays["stroke_lengths"] + 1})
    write_npz(tmp_path / "label 12", **{**arrays, "labels": np.array([1, 12, 1], np.int8)})
    write_npz(tmp_path / "nan points", **{**arrays, "points": arrays["points"] * np.nan})
    write_npz(tmp_path / "bright image", **{**arrays, "images": arrays["images"] * 2})
    return [tmp_path / name for name in ("not a zip", "cut short", "a model", "one array", "pickled", "counts off",
                                         "label 12", "nan points", "bright image")]


def test_a_damaged_or_foreign_collection_is_refused_in_one_sentence(tmp_path):
    for path in damaged_files(tmp_path):
        with pytest.raises(CollectionError) as refused:
            Collection.load(path)
        message = str(refused.value)
        assert message.startswith(str(path)) and message.endswith("starts a new collection).")
        assert message.count(". ") == 0 and "\n" not in message, path.name


# --- the command line ----------------------------------------------------------------------------

def test_teach_py_explains_itself_with_help_from_another_folder(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "teach.py"), "--help"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("usage:")
    assert "--collection" in result.stdout and "--output" in result.stdout


def test_the_command_line_never_writes_over_the_model_it_starts_from(committed_weights_path, capsys):
    with pytest.raises(SystemExit) as refused:
        teach.main(["--weights", committed_weights_path, "--output", committed_weights_path])
    assert refused.value.code == 2 and "teaching never overwrites it" in capsys.readouterr().err


def test_the_command_line_names_a_missing_collection_in_one_sentence(tmp_path, committed_weights_path):
    with pytest.raises(SystemExit, match=r"^error: .*none\.npz does not exist; keep drawings in `python draw\.py`"):
        teach.main(["--weights", committed_weights_path, "--collection", str(tmp_path / "none.npz")])


def test_the_command_line_teaches_the_collection_into_its_own_file(tmp_path, committed_weights_path, monkeypatch,
                                                                  small_mnist, capsys):
    monkeypatch.setattr(teach, "cached_mnist", lambda data_dir=None: small_mnist)
    shipped_bytes = open(committed_weights_path, "rb").read()
    kept(4).save(tmp_path / "mine.npz")
    teach.main(["--weights", committed_weights_path, "--collection", str(tmp_path / "mine.npz"),
                "--output", str(tmp_path / "taught.npz")])
    out = capsys.readouterr().out
    assert "too few drawings to measure (4; keep at least 10)" in out and "MNIST " in out
    assert Model.load(tmp_path / "taught.npz").metadata["taught_drawings"] == 4
    assert open(committed_weights_path, "rb").read() == shipped_bytes
    assert zipfile.is_zipfile(tmp_path / "taught.npz")


# --- the evaluation protocol: tools/eval_handwriting.py --teach K ---------------------------------

class Oracle:
    """A stand-in taught model: right on every image except the ones it was taught, wrong on those."""

    def __init__(self, images, labels, taught_images):
        self.answers = {image.tobytes(): label for image, label in zip(images, labels)}
        self.taught = {image.tobytes() for image in taught_images}
        self.metadata = {}

    def predict(self, images):
        return np.array([(self.answers[image.tobytes()] + (image.tobytes() in self.taught)) % 10
                         for image in images])

    def predict_proba(self, images):
        return np.eye(10)[self.predict(images)]


def test_the_teaching_protocol_teaches_k_of_each_digit_and_scores_only_the_writers_other_drawings(
        shipped, small_mnist, monkeypatch):
    from tools.eval_handwriting import teaching_protocol
    images, labels = small_mnist.test_images[:200], small_mnist.test_labels[:200]
    writers = np.array(["a", "b"] * 100)
    taught_sets = []

    def oracle_teach(model, taught_images, taught_labels, seed=0, mnist=None, on_step=None):
        taught_sets.append(taught_labels)
        return Oracle(images, labels, taught_images)

    monkeypatch.setattr(teach, "teach", oracle_teach)
    mnist = small_mnist._replace(test_images=images, test_labels=labels)
    result = teaching_protocol(shipped, images[:, None], labels, writers, k=2, mnist=mnist)  # one copy each
    assert result.writers == ["a", "b"]
    assert [np.bincount(taught, minlength=10).tolist() for taught in taught_sets] == [[2] * 10] * 2
    assert result.after.tolist() == [1.0, 1.0]  # never scored on a drawing it was taught
    assert result.mnist_after.tolist() == [0.9, 0.9]  # MNIST here: these 200, 20 of them taught


def test_the_evaluation_script_with_teach_prints_each_writer_the_mean_the_worst_mnist_and_seconds(
        tmp_path, committed_weights_path, small_mnist, monkeypatch, capsys):
    import json
    from tools import eval_handwriting
    rng = np.random.default_rng(0)
    entries = [{"label": digit, "writer": writer, "strokes": written(SLASHED_ZERO, rng)}
               for writer in ("w1", "w2") for digit in range(10) for _ in range(2)]
    path = tmp_path / "digits.json"
    path.write_text(json.dumps(entries))
    monkeypatch.setattr(teach, "cached_mnist", lambda data_dir=None: small_mnist)
    monkeypatch.setattr(teach, "teach", lambda model, images, labels, **settings: model)
    eval_handwriting.main(["--weights", committed_weights_path, "--handwriting", str(path), "--teach", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("40 handwritten digits by 2 writers; teaching each writer's 1 of each digit")
    assert lines[1].split()[0] == "w1" and lines[2].split()[0] == "w2"
    assert lines[3].startswith("taught 1 of each digit per writer (2 writers): mean ") and "worst writer w" in lines[3]
    assert lines[4].startswith("MNIST test ") and lines[4].endswith("s per teach (median)")


def test_the_evaluation_script_refuses_teaching_fewer_than_one_drawing(capsys):
    from tools import eval_handwriting
    with pytest.raises(SystemExit):
        eval_handwriting.main(["--teach", "0"])
    assert "--teach must be at least 1" in capsys.readouterr().err
