"""Your labelled drawings, kept for teaching: the strokes themselves (so a better preprocessing
can be applied to them later), the 28 × 28 image the network read from them, the digit you said
each one is, and what the network had answered.

The file is an .npz of plain numeric arrays, never pickled, written atomically:
    kind                 the string "NeuroScribble drawings 1"
    points (P, 2)        float32 canvas (x, y) of every stroke, one stroke after another
    stroke_lengths (S,)  int32 points in each stroke (each ≥ 1)
    drawing_strokes (N,) int32 strokes in each drawing (each ≥ 1)
    labels (N,)          int8 the digit you said it is, 0–9
    answers (N,)         int8 what the network answered when you kept it, 0–9, or −1 for nothing
    images (N, 28, 28)   float32 in [0, 1]: the network's input, pen.digit_from_strokes of the strokes

This module stays below draw.py and teach.py (both import it), so it stores the images draw.py
made rather than making them.
"""
import collections
import os
import zipfile

import numpy as np

from pen import reading_copies
from utils import atomic_write

KIND = "NeuroScribble drawings 1"
SIDE = 28
MOVE_AWAY = "move it away (the app then starts a new collection)"

Drawing = collections.namedtuple("Drawing", "strokes image label answer")
"""strokes: list of (n, 2) float32 arrays of canvas (x, y); image: (28, 28) float32 network input;
label: 0–9; answer: 0–9 or −1."""


class CollectionError(Exception):
    """A collection file that is missing, damaged or not a NeuroScribble drawing collection."""


class Collection:
    """A list of Drawing, with the counts, labels and network inputs that teaching needs."""

    def __init__(self, drawings=()):
        self.drawings = list(drawings)

    def add(self, strokes, image, label, answer=-1):
        """Keep one drawing: its strokes, the (28, 28) image pen.digit_from_strokes made of them,
        the digit you said it is and the network's answer (−1 or None: none)."""
        strokes = [np.asarray(stroke, np.float32).reshape(-1, 2) for stroke in strokes if len(stroke)]
        if not strokes or not 0 <= label <= 9:
            raise ValueError("a kept drawing needs at least one stroke and a label 0–9")
        image = np.asarray(image, np.float32).reshape(SIDE, SIDE)
        self.drawings.append(Drawing(strokes, image, int(label), -1 if answer is None else int(answer)))

    def labels(self):
        return np.array([drawing.label for drawing in self.drawings], np.int64)

    def counts(self):
        """(10,) how many drawings of each digit are kept."""
        return np.bincount(self.labels(), minlength=10)

    def images(self):
        """(N, 784) float32: the network's input for each drawing."""
        return np.array([drawing.image.ravel() for drawing in self.drawings], np.float32).reshape(-1, SIDE * SIDE)

    def reading_copies(self):
        """For each drawing (C, 784) float32: the images the app reads it by, made afresh from its strokes
        (pen.reading_copies), so a retuned pen reaches old drawings; the kept image where nothing is readable."""
        made = [reading_copies(drawing.strokes) for drawing in self.drawings]
        return [(drawing.image[None] if copies is None else copies).reshape(-1, SIDE * SIDE).astype(np.float32)
                for drawing, copies in zip(self.drawings, made)]

    def save(self, path):
        """Write atomically: a crash mid-write leaves the previous file as it was."""
        strokes = [stroke for drawing in self.drawings for stroke in drawing.strokes]
        arrays = dict(
            kind=np.array(KIND),
            points=np.concatenate(strokes) if strokes else np.zeros((0, 2), np.float32),
            stroke_lengths=np.array([len(stroke) for stroke in strokes], np.int32),
            drawing_strokes=np.array([len(drawing.strokes) for drawing in self.drawings], np.int32),
            labels=np.array([drawing.label for drawing in self.drawings], np.int8),
            answers=np.array([drawing.answer for drawing in self.drawings], np.int8),
            images=self.images().reshape(-1, SIDE, SIDE),
        )
        with atomic_write(path) as temporary:
            with open(temporary, "wb") as stream:
                np.savez(stream, **arrays)

    @classmethod
    def load(cls, path, missing_ok=False):
        """Read a file written by save(); anything else raises CollectionError in one sentence.

        missing_ok=True gives an empty collection when there is no file yet.
        """
        if not os.path.exists(path):
            if missing_ok:
                return cls()
            raise CollectionError(f"{path} does not exist; keep drawings in `python draw.py` "
                                  "(press the digit you drew after it answers).")
        if not zipfile.is_zipfile(path):  # e.g. a lone .npy array, or anything else
            raise CollectionError(f"{path} is damaged or not a drawing collection; {MOVE_AWAY}.")
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
        except (ValueError, OSError, zipfile.BadZipFile, EOFError):
            # damaged inside, or object arrays that would need unpickling
            raise CollectionError(f"{path} is damaged or not a drawing collection; {MOVE_AWAY}.") from None
        problem = cls._problem(arrays)
        if problem:
            raise CollectionError(f"{path} is not a valid drawing collection ({problem}); {MOVE_AWAY}.")
        points = np.split(arrays["points"], np.cumsum(arrays["stroke_lengths"])[:-1])
        per_drawing = np.split(np.arange(len(points)), np.cumsum(arrays["drawing_strokes"])[:-1])
        return cls(Drawing([points[i] for i in strokes], image, int(label), int(answer))
                   for strokes, image, label, answer in zip(per_drawing, arrays["images"], arrays["labels"],
                                                            arrays["answers"]))

    @staticmethod
    def _problem(arrays):
        """What is wrong with the arrays of a supposed collection file, or None."""
        expected = {"kind", "points", "stroke_lengths", "drawing_strokes", "labels", "answers", "images"}
        if set(arrays) != expected or arrays["kind"].shape != () or str(arrays["kind"]) != KIND:
            return "its entries are not those of a NeuroScribble drawing collection"
        points, lengths, per_drawing = arrays["points"], arrays["stroke_lengths"], arrays["drawing_strokes"]
        labels, answers, images = arrays["labels"], arrays["answers"], arrays["images"]
        if points.ndim != 2 or points.shape[1:] != (2,) or points.dtype.kind != "f" or not np.isfinite(points).all():
            return "the points are not finite (x, y) pairs"
        if any(a.ndim != 1 or a.dtype.kind not in "iu" for a in (lengths, per_drawing, labels, answers)):
            return "its counts and labels are not lists of whole numbers"
        if (lengths < 1).any() or lengths.sum() != len(points):
            return "its stroke lengths do not add up to its points"
        if (per_drawing < 1).any() or per_drawing.sum() != len(lengths):
            return "its strokes per drawing do not add up to its strokes"
        if not len(labels) == len(answers) == len(images) == len(per_drawing):
            return "it has not one label, answer and image per drawing"
        if images.shape[1:] != (SIDE, SIDE) or images.dtype.kind != "f" or not ((images >= 0) & (images <= 1)).all():
            return "its images are not 28 × 28 values in [0, 1]"
        if ((labels < 0) | (labels > 9)).any() or ((answers < -1) | (answers > 9)).any():
            return "a label or answer is not a digit"
        return None
