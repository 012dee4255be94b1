"""Model: whole-network gradients, predictions, and the .npz file format with its failure paths."""
import numpy as np
import pytest

from loss import SoftmaxCrossEntropy
from model import Model, WeightsError
from optimizers import RMSProp
from helpers import numerical_gradient


def test_whole_model_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    model = Model((6, 5, 4, 3), seed=1, dtype=np.float64)
    for dense in model.dense_layers:
        dense.b[:] = rng.standard_normal(dense.b.shape) * 0.1
    x = rng.standard_normal((7, 6))
    labels = rng.integers(0, 3, 7)
    loss = SoftmaxCrossEntropy()

    def total_loss():
        return SoftmaxCrossEntropy().forward(model.forward(x), labels)

    loss.forward(model.forward(x), labels)
    model.backward(loss.backward())
    for param, grad in model.parameters():
        np.testing.assert_allclose(grad, numerical_gradient(total_loss, param), rtol=1e-5, atol=1e-8)


def test_default_architecture_is_784_128_64_10():
    model = Model()
    assert [dense.W.shape for dense in model.dense_layers] == [(784, 128), (128, 64), (64, 10)]
    assert all(param.dtype == np.float32 for param, _ in model.parameters())


def test_every_weight_and_gradient_lives_in_the_two_flat_arrays_the_optimizer_updates():
    model = Model((784, 16, 8, 10), seed=0)
    (params, grads), = model.parameters()
    assert params.size == grads.size == 784 * 16 + 16 + 16 * 8 + 8 + 8 * 10 + 10
    for dense in model.dense_layers:
        for array in (dense.W, dense.b):
            assert np.shares_memory(array, params) and not np.shares_memory(array, grads)
        for array in (dense.dW, dense.db):
            assert np.shares_memory(array, grads)
    # a step on the flat arrays moves the layers' own weights
    before = model.dense_layers[1].W.copy()
    grads[:] = 1.0
    RMSProp(model.parameters(), learning_rate=0.01).step()
    assert np.all(model.dense_layers[1].W < before)


def test_models_with_the_same_seed_start_equal_and_other_seeds_differ():
    first, again, other = (Model(seed=s).parameters()[0][0] for s in (4, 4, 5))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_predict_proba_gives_probability_rows_and_predict_their_argmax():
    model = Model(seed=3)
    x = np.random.default_rng(4).random((2500, 784), dtype=np.float32)  # spans two batches
    probs = model.predict_proba(x)
    assert probs.shape == (2500, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(model.predict(x), probs.argmax(axis=1))


def test_activations_lists_every_layer_for_one_input():
    model = Model(seed=3)
    values = model.activations(np.full(784, 0.5, np.float32))
    assert [v.shape for v in values] == [(784,), (128,), (64,), (10,)]
    assert min(values[1].min(), values[2].min()) >= 0  # after ReLU
    assert values[3].sum() == pytest.approx(1.0, rel=1e-5)


def test_save_and_load_round_trip_keeps_weights_and_metadata(tmp_path):
    model = Model((784, 32, 10), seed=5)
    model.metadata = {"epochs": 3, "test_accuracy": 0.975, "trained_at": "2026-11-24",
                      "history_train_loss": np.array([0.3, 0.2, 0.1])}
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = Model.load(path)
    assert loaded.layer_sizes == (784, 32, 10)
    for original, restored in zip(model.parameters(), loaded.parameters()):
        np.testing.assert_array_equal(original[0], restored[0])
    assert loaded.metadata["epochs"] == 3 and loaded.metadata["trained_at"] == "2026-11-24"
    np.testing.assert_array_equal(loaded.metadata["history_train_loss"], [0.3, 0.2, 0.1])
    x = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))


def saved_arrays(tmp_path):
    path = tmp_path / "good.npz"
    Model((784, 16, 10), seed=0).save(path)
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


def write_and_load(tmp_path, arrays):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(WeightsError) as raised:
        Model.load(path)
    message = str(raised.value)
    assert "bad.npz" in message and "python train.py" in message
    return message


def test_weights_file_with_a_missing_key_is_rejected_with_a_clear_message(tmp_path):
    arrays = saved_arrays(tmp_path)
    del arrays["W1"]
    assert "W1 is missing" in write_and_load(tmp_path, arrays)


def test_weights_file_with_a_wrong_shape_is_rejected_with_a_clear_message(tmp_path):
    arrays = saved_arrays(tmp_path)
    arrays["W0"] = arrays["W0"][:, :8]
    assert "W0 has shape (784, 8), expected (784, 16)" in write_and_load(tmp_path, arrays)


def test_weights_file_with_nan_is_rejected(tmp_path):
    arrays = saved_arrays(tmp_path)
    arrays["b1"] = arrays["b1"].copy()
    arrays["b1"][0] = np.nan
    assert "b1 is not all finite" in write_and_load(tmp_path, arrays)


def test_weights_file_with_a_pickled_object_is_never_unpickled(tmp_path):
    arrays = saved_arrays(tmp_path)
    arrays["W0"] = np.array([{"payload": "not a weight"}], dtype=object)
    assert "pickled Python objects" in write_and_load(tmp_path, arrays)


def test_weights_file_without_layer_sizes_is_rejected(tmp_path):
    arrays = saved_arrays(tmp_path)
    del arrays["layer_sizes"]
    assert "layer_sizes" in write_and_load(tmp_path, arrays)


def test_a_truncated_weights_file_is_rejected(tmp_path):
    path = tmp_path / "cut.npz"
    Model(seed=0).save(path)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(WeightsError, match="cut.npz"):
        Model.load(path)


@pytest.mark.parametrize("sizes", [[784, -5, 10], [784, 0, 10], [100, 16, 10], [784, 16, 5]])
def test_weights_file_whose_layer_sizes_are_not_784_to_10_is_rejected(tmp_path, sizes):
    arrays = saved_arrays(tmp_path)
    arrays["layer_sizes"] = np.array(sizes)
    assert f"its layer sizes {sizes} do not go from 784 pixels to 10 digits" in write_and_load(tmp_path, arrays)


def test_weights_file_claiming_a_huge_layer_is_rejected_before_any_memory_is_taken(tmp_path):
    arrays = saved_arrays(tmp_path)
    arrays["layer_sizes"] = np.array([784, 10**12, 10])
    assert "W0 has shape (784, 16), expected (784, 1000000000000)" in write_and_load(tmp_path, arrays)


def test_save_writes_exactly_the_path_it_is_given_even_without_npz_suffix(tmp_path):
    Model((784, 16, 10), seed=0).save(tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert Model.load(tmp_path / "model").layer_sizes == (784, 16, 10)


def test_a_file_that_is_not_npz_is_rejected(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("these are not weights")
    with pytest.raises(WeightsError, match="not a readable .npz file"):
        Model.load(path)


def test_a_missing_weights_file_says_to_name_one_or_make_one(tmp_path):
    with pytest.raises(WeightsError, match=r"does not exist; name a trained model with --weights, or make one with `python train.py`"):
        Model.load(tmp_path / "nowhere.npz")
