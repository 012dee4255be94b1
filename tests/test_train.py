"""train.py end to end: it learns, it is reproducible, and it never loses or damages a model."""
import functools
import json
import multiprocessing
import os
import subprocess
import sys
from multiprocessing import shared_memory

import numpy as np
import pytest

import augment
import data
import train
from helpers import REPO_ROOT
from model import Model


@pytest.fixture
def on_fixture(monkeypatch, small_mnist):
    """Make train.py read the committed fixture (5,000 + 1,000 images) instead of the full data."""
    monkeypatch.setattr(train, "load_mnist", lambda data_dir, mirrors=None: small_mnist)


def test_short_run_on_the_fixture_learns_and_saves_its_history(on_fixture, tmp_path, small_mnist, capsys):
    output = tmp_path / "weights.npz"
    assert train.main(["--epochs", "8", "--output", str(output)]) == 0
    model = Model.load(output)
    held_out_accuracy = np.mean(model.predict(small_mnist.test_images) == small_mnist.test_labels)
    assert held_out_accuracy > 0.90
    assert model.metadata["test_accuracy"] == pytest.approx(held_out_accuracy)
    assert model.metadata["epochs"] == 8 and len(model.metadata["history_train_loss"]) == 8
    assert model.metadata["history_train_loss"][-1] < model.metadata["history_train_loss"][0]
    assert "epoch  8/8" in capsys.readouterr().out


@pytest.mark.parametrize("augmentation", ["--augment", "--no-augment"])
def test_same_seed_gives_the_same_model_and_another_seed_does_not(on_fixture, tmp_path, augmentation):
    paths = [tmp_path / f"{name}.npz" for name in ("first", "again", "other")]
    for path, seed in zip(paths, ("4", "4", "5")):
        train.main(["--epochs", "1", "--seed", seed, augmentation, "--output", str(path)])
    first, again, other = (Model.load(path).dense_layers[0].W for path in paths)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_ctrl_c_keeps_the_model_so_far_beside_the_output_and_leaves_the_output_alone(
        on_fixture, tmp_path, monkeypatch, capsys):
    output = tmp_path / "weights.npz"
    output.write_bytes(b"the previous model")
    real_train_epoch = train.train_epoch
    calls = []

    def interrupted_in_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_train_epoch(*args, **kwargs)

    monkeypatch.setattr(train, "train_epoch", interrupted_in_second_epoch)
    made = []
    real_distorting_process = augment.DistortingProcess
    monkeypatch.setattr(augment, "DistortingProcess",
                        lambda *args, **kwargs: made.append(real_distorting_process(*args, **kwargs)) or made[-1])
    assert train.main(["--epochs", "5", "--output", str(output)]) == 130
    assert output.read_bytes() == b"the previous model"
    kept = Model.load(tmp_path / "weights.interrupted.npz")
    assert kept.metadata["epochs"] == 1
    assert "Stopped by Ctrl-C during epoch 2" in capsys.readouterr().out
    (distorting,) = made  # the distorting process is ended and its shared memory freed
    assert not multiprocessing.active_children()
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(distorting.memory.name)


def test_too_little_shared_memory_for_distortion_training_is_one_sentence_before_any_work(on_fixture, tmp_path,
                                                                                          monkeypatch):
    monkeypatch.setattr(augment, "free_shared_memory", lambda: 8 * 2**20)  # the fixture's images and slots need 27 MB
    output = tmp_path / "weights.npz"
    with pytest.raises(SystemExit) as stopped:
        train.main(["--epochs", "1", "--output", str(output)])
    message = str(stopped.value.code)
    assert message.startswith("error: distortion training needs 27 MB of shared memory") and "8 MB free" in message
    assert "--no-augment" in message and message.endswith(".") and "\n" not in message
    assert not output.exists()


@pytest.mark.parametrize("average_last, averaged", [("2", [2, 3]), ("0", []), ("9", [1, 2, 3])])
def test_the_saved_model_is_the_mean_of_the_weights_at_each_quarter_of_the_last_epochs(
        on_fixture, tmp_path, monkeypatch, small_mnist, average_last, averaged):
    after_step = []

    class RememberingRMSProp(train.RMSProp):
        def step(self):
            super().step()
            after_step.append(self.params[0][0].copy())

    monkeypatch.setattr(train, "RMSProp", RememberingRMSProp)
    output = tmp_path / "w.npz"
    train.main(["--epochs", "3", "--average-last", average_last, "--output", str(output)])
    saved = Model.load(output)
    steps = -(-len(small_mnist.train_images) // 64)  # 79 steps an epoch; quarters end after 20, 40, 59, 79
    snapshots = [after_step[(epoch - 1) * steps + round(quarter * steps / 4) - 1]
                 for epoch in averaged for quarter in (1, 2, 3, 4)]
    expected = np.mean(np.array(snapshots, np.float64), axis=0).astype(np.float32) if averaged else after_step[-1]
    np.testing.assert_array_equal(saved.flat_params, expected)
    assert list(saved.metadata["averaged_epochs"]) == averaged and saved.metadata["averaged_snapshots"] == len(snapshots)
    # the recorded test accuracy is the saved model's own, not the last epoch's
    assert saved.metadata["test_accuracy"] == np.mean(saved.predict(small_mnist.test_images) == small_mnist.test_labels)


def test_a_diverging_run_stops_with_a_clear_message_and_leaves_the_output_alone(on_fixture, tmp_path):
    output = tmp_path / "weights.npz"
    output.write_bytes(b"the previous model")
    with pytest.raises(SystemExit) as raised:
        train.main(["--epochs", "2", "--learning-rate", "1e30", "--output", str(output)])
    assert "training diverged in epoch 1" in str(raised.value)
    assert "smaller --learning-rate" in str(raised.value)
    assert output.read_bytes() == b"the previous model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.npz"]


@pytest.mark.parametrize("flags, complaint", [
    (["--epochs", "0"], "--epochs must be at least 1"),
    (["--batch-size", "-3"], "--batch-size must be at least 1"),
    (["--learning-rate", "0"], "--learning-rate must be a positive number"),
    (["--learning-rate", "inf"], "--learning-rate must be a positive number"),
    (["--output", "."], "--output . must be a file in an existing folder"),
    (["--output", "no/such/folder/w.npz"], "must be a file in an existing folder"),
    (["--hidden-sizes", "128", "0"], "--hidden-sizes must all be at least 1"),
    (["--average-last", "-1"], "--average-last must be 0 or more"),
])
def test_nonsense_settings_are_refused_before_any_work(flags, complaint, capsys):
    with pytest.raises(SystemExit) as raised:
        train.main(flags)
    assert raised.value.code == 2
    assert complaint in capsys.readouterr().err


@pytest.mark.parametrize("script", ["train.py", "draw.py", "visualize.py"])
def test_every_script_explains_itself_with_help(script):
    result = subprocess.run([sys.executable, script, "--help"], cwd=REPO_ROOT, capture_output=True, text=True,
                            env=dict(os.environ, SDL_VIDEODRIVER="dummy"))
    assert result.returncode == 0
    assert result.stdout.startswith("usage:") and "--help" in result.stdout


@pytest.mark.parametrize("preset, expected", [(None, 1), ("2", 2)])
def test_the_script_gives_openblas_one_thread_before_numpy_loads_unless_told_otherwise(preset, expected):
    # OpenBLAS takes its thread count as NumPy loads; threadpoolctl reads what it took.
    probe = ("import json, runpy, sys, threadpoolctl\n"
             "sys.argv = ['train.py', '--epochs', '0']\n"
             "try:\n    runpy.run_path('train.py', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print(json.dumps([pool['num_threads'] for pool in threadpoolctl.threadpool_info()\n"
             "                  if pool['internal_api'] == 'openblas']))")
    environment = {key: value for key, value in os.environ.items() if key != "OPENBLAS_NUM_THREADS"}
    if preset:
        environment["OPENBLAS_NUM_THREADS"] = preset
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, env=environment, capture_output=True,
                            text=True)
    assert "--epochs must be at least 1" in result.stderr  # the script really ran, up to its argument check
    thread_counts = json.loads(result.stdout)
    assert thread_counts and set(thread_counts) == {expected}


def test_missing_data_with_no_network_is_one_clear_sentence(tmp_path, monkeypatch):
    unreachable = functools.partial(data.load_mnist, mirrors=("http://127.0.0.1:9/",))
    monkeypatch.setattr(train, "load_mnist", unreachable)
    with pytest.raises(SystemExit) as raised:
        train.main(["--data-dir", str(tmp_path), "--output", str(tmp_path / "w.npz")])
    message = str(raised.value)
    assert message.startswith("error: could not download") and "copy the four MNIST .gz files" in message


def test_committed_weights_score_at_least_97_9_percent_on_the_full_test_set(full_mnist, committed_weights_path):
    model = Model.load(committed_weights_path)
    measured = np.mean(model.predict(full_mnist.test_images) == full_mnist.test_labels)
    assert measured >= 0.979
    assert measured == pytest.approx(model.metadata["test_accuracy"])  # the file's own record is true
    assert model.metadata["command"] == "python train.py"  # and it is what the README says made it


def test_augmentation_is_on_by_default_and_recorded_in_the_weights(on_fixture, tmp_path):
    for flags, expected in (([], True), (["--no-augment"], False)):
        train.main(["--epochs", "1", *flags, "--output", str(tmp_path / "w.npz")])
        assert Model.load(tmp_path / "w.npz").metadata["augment"] is expected


def test_one_epoch_on_the_full_data_reaches_95_percent(full_mnist, monkeypatch, tmp_path):
    monkeypatch.setattr(train, "load_mnist", lambda data_dir, mirrors=None: full_mnist)
    output = tmp_path / "one_epoch.npz"
    train.main(["--epochs", "1", "--average-last", "0", "--output", str(output)])  # the epoch's end, not its mean
    assert Model.load(output).metadata["test_accuracy"] >= 0.95
