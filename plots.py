"""The static pictures of a trained model, as matplotlib Figures for visualize.py to save or show.

Training curves, the first layer's weights, the confusion matrix, the most confident mistakes,
and one input's activations layer by layer (laid out as in the network graph).
"""
import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.ticker import MaxNLocator

from layout import ACTIVATION_COLOURS, block_shape, layer_name, role


class PlotError(Exception):
    """A plot that cannot be drawn from what it was given; the message says why."""


def tile(images, columns):
    """(n, h, w) images -> one 2-D mosaic `columns` wide, with 1-pixel NaN gaps that imshow leaves blank."""
    n, height, width = images.shape
    mosaic = np.full((math.ceil(n / columns) * (height + 1) - 1, columns * (width + 1) - 1), np.nan)
    for i, image in enumerate(images):
        top, left = (i // columns) * (height + 1), (i % columns) * (width + 1)
        mosaic[top:top + height, left:left + width] = image
    return mosaic


def as_block(values, layer_role):
    """A layer's values in its block_shape, as in the network graph, padded with NaN."""
    rows, columns = block_shape(len(values), layer_role)
    block = np.full(rows * columns, np.nan)
    block[:len(values)] = values
    return block.reshape(rows, columns)


def training_curves(model):
    """Loss and accuracy per epoch, from the history train.py saves with the weights."""
    history = {key: model.metadata.get(f"history_{key}") for key in ("train_loss", "train_accuracy", "test_accuracy")}
    if any(values is None or np.size(values) == 0 for values in history.values()):
        raise PlotError("this weights file holds no training history; make one with `python train.py`.")
    epochs = np.arange(1, np.size(history["train_loss"]) + 1)
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    loss_axes.plot(epochs, history["train_loss"], "o-")
    loss_axes.set(title="Training loss", xlabel="epoch", ylabel="mean cross-entropy per image")
    distorted = bool(model.metadata.get("augment", False))
    accuracy_axes.plot(epochs, 100 * history["train_accuracy"], "o-",
                       label="training images, while training" + (" (freshly distorted)" if distorted else ""))
    accuracy_axes.plot(epochs, 100 * history["test_accuracy"], "s-", label="test images, after the epoch")
    averaged = np.ravel(model.metadata.get("averaged_epochs", []))
    if averaged.size:  # train.py saved the mean of the weights over these epochs
        span = f"epochs {averaged[0]}–{averaged[-1]}" if averaged.size > 1 else f"epoch {averaged[0]}"
        accuracy_axes.plot(averaged[-1], 100 * model.metadata["test_accuracy"], "*", markersize=14,
                           label=f"test images, the saved mean of the weights over {span}")
    accuracy_axes.set(title="Accuracy", xlabel="epoch", ylabel="correct (%)")
    figure.legend(loc="outside lower center", ncols=2, fontsize=9)  # below the plots: the curves fill the axes
    if distorted:
        accuracy_axes.text(0.97, 0.3, "Training sees randomly rotated, sheared and\nwarped copies, which are harder to read\n"
                           "than the plain test images: so training\naccuracy stays below test accuracy.",
                           transform=accuracy_axes.transAxes, ha="right", va="bottom", fontsize=9, color="0.3")
    for axes in (loss_axes, accuracy_axes):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
    final = model.metadata.get("test_accuracy", history["test_accuracy"][-1])
    figure.suptitle(f"Training: {len(epochs)} epochs, the saved model's test accuracy {final:.2%}")
    return figure


def first_layer_weights(model):
    """Each first-layer neuron's incoming weights as an image the size of the input."""
    weights = model.dense_layers[0].W  # (784, 128): column j holds hidden neuron j's weights
    side = math.isqrt(weights.shape[0])
    limit = np.abs(weights).max()
    figure, axes = plt.subplots(figsize=(12, 6.0), layout="constrained")
    shown = axes.imshow(tile(weights.T.reshape(-1, side, side), columns=16), cmap="RdBu", vmin=-limit, vmax=limit,
                        interpolation="nearest")
    axes.set_axis_off()
    axes.set_title(f"First layer: the {weights.shape[1]} hidden neurons' incoming weights, each drawn as a "
                   f"{side} × {side} image (neuron 0 top left, row by row)")
    figure.colorbar(shown, ax=axes, shrink=0.9, aspect=30, label="weight (blue excites, red inhibits)")
    return figure


def confusion_matrix(model, images, labels):
    """Counts of (true digit, predicted digit) over the given images, on a log colour scale."""
    n_classes = model.layer_sizes[-1]
    predicted = model.predict(images)
    counts = np.bincount(labels * n_classes + predicted, minlength=n_classes ** 2).reshape(n_classes, n_classes)
    figure, axes = plt.subplots(figsize=(7.5, 6.5), layout="constrained")
    shown = axes.imshow(np.ma.masked_equal(counts, 0), cmap="Blues", norm=LogNorm(vmin=1, vmax=counts.max()))
    for (true, guess), count in np.ndenumerate(counts):
        if count:
            axes.text(guess, true, count, ha="center", va="center", fontsize=8,
                      color="white" if count > np.sqrt(counts.max()) else "black")
    axes.set(xticks=range(n_classes), yticks=range(n_classes), xlabel="predicted digit", ylabel="true digit",
             title=f"Confusion matrix on {len(labels):,} test images: "
                   f"{np.trace(counts) / len(labels):.2%} on the diagonal")
    figure.colorbar(shown, ax=axes, label="test images (log scale; empty cells blank)")
    return figure


def confident_mistakes(model, images, labels, count=24, columns=8):
    """The `count` misread images the model was surest about, with true and predicted digits."""
    probabilities = model.predict_proba(images)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    if not len(wrong):
        raise PlotError("the model reads every test image correctly, so there are no mistakes to show.")
    shown = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")[:count]]
    rows, side = math.ceil(len(shown) / columns), math.isqrt(images.shape[1])
    figure, grid = plt.subplots(rows, columns, squeeze=False, figsize=(1.45 * columns, 1.75 * rows),
                                layout="constrained")
    for axes in grid.flat:
        axes.set_axis_off()
    for axes, index in zip(grid.flat, shown):
        axes.imshow(images[index].reshape(side, side), cmap="gray", vmin=0, vmax=1)  # white ink on black, as the app draws
        axes.set_title(f"#{index}: true {labels[index]}\nsaid {predicted[index]} "
                       f"({probabilities[index, predicted[index]]:.1%})", fontsize=8)
    figure.suptitle(f"The {len(shown)} most confident of the {len(wrong)} mistakes on the test set")
    return figure


def activations(model, image, input_name):
    """One input's journey: the image, each hidden layer's ReLU outputs, the output probabilities."""
    values = model.activations(image)
    n_layers = len(values)
    figure, panels = plt.subplots(1, n_layers, figsize=(3 * n_layers, 4.4), layout="constrained")
    for layer, (axes, layer_values) in enumerate(zip(panels, values[:-1])):
        shown = axes.imshow(as_block(layer_values, role(layer, n_layers)), cmap="viridis", vmin=0)
        axes.set(title=f"{layer_name(layer, n_layers)} ({len(layer_values)})", xticks=[], yticks=[])
        figure.colorbar(shown, ax=axes, orientation="horizontal", shrink=0.8,
                        label="pixel value" if layer == 0 else "activation (ReLU)")
    probabilities = values[-1]
    panels[-1].bar(range(len(probabilities)), 100 * probabilities, color=ACTIVATION_COLOURS(probabilities))
    panels[-1].set(title="output (softmax)", xlabel="digit", ylabel="probability (%)", ylim=(0, 100),
                   xticks=range(len(probabilities)))
    figure.suptitle(f"Activations of {input_name}, layer by layer: the network says {probabilities.argmax()} "
                    f"({probabilities.max():.1%})")
    return figure
