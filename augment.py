"""Random distortions of MNIST training digits: affine, elastic (Simard et al., 2003), stroke width;
and, styles people write and MNIST's writers seldom do, some 9s and 4s drawn anew (hooked 9s, bent
4s) and flags drawn onto some of the 1s.

distort() makes distorted copies of images; a DistortingProcess serves train.py a distorted epoch,
some of its 9s and 4s drawn anew and 1s flagged first (gathered_chunk), made in a second process.
"""
import collections
import concurrent.futures
import functools
import math
import multiprocessing
import os
import signal
from multiprocessing import shared_memory

import numpy as np

from data import MNIST_CENTER
from pen import digits_from_strokes, rasterise_each  # the drawn 9s and 4s and the flags are made with the app's pen

SIDE = 28
CENTER = MNIST_CENTER[0]  # rotate and scale about (14, 14), where MNIST puts the centre of mass
_rows, _columns = np.indices((SIDE, SIDE), dtype=np.float32)
CENTERED_PIXELS = np.stack([_columns.ravel(), _rows.ravel()]) - np.float32(CENTER)  # (2, 784): p − c

# Common ranges are ±15° and ±15 % (Simard et al., 2003) with α = 34; for 15 epochs of the
# 784-128-64-10 network milder rotation, scaling and elastic strength gave the best MNIST test
# accuracy (3 seeds), and the wider shear read real pen-written digits best (6 seeds; the table
# of candidates is in docs/augmentation.md).
MAX_ROTATION = np.radians(10)
MAX_SCALE_CHANGE = 0.10
MAX_SHEAR = 0.30  # x moves by up to 0.3·y: people slant their digits more than MNIST's writers
MAX_SHIFT = 1.0  # pixels along each axis: small, so the centre of mass stays near (14, 14)
ELASTIC_SIGMA = 4.0  # pixels, Simard et al. (2003)
ELASTIC_ALPHA = 17.0  # half of Simard's 34: the full strength cost 0.36 points of test accuracy here
STROKE_CHANGE_PROBABILITY = 0.2  # a tenth of the digits get wider strokes, a tenth narrower
MAP_BANK_SIZE = 4096  # sampling maps, each an affine map and an elastic field, made once per run
BLOCK_SIZE = 256  # images distorted together: big enough for NumPy, small enough for the cache
CHUNK_SIZE = 2048  # images per chunk a DistortingProcess makes at a time
SLOTS = 2  # chunks a DistortingProcess keeps in shared memory: one being made while the other is read


def distort(images, rng, out=None):
    """Freshly distorted copies of images (N, 784) float32 in [0, 1]: same shape, dtype and range,
    written into out when given (an (N, 784) float32 array, images itself included: each block of
    images is copied into the workspace before its distorted copy is written) instead of a new array.

    Each digit first gets, at random, wider or narrower strokes; then it is read through one of the
    sampling maps of distortion_map_bank: output pixel p reads the digit at
        q = c + A (p − c) + t + Δ(p),   A = R(θ) · [[1, k], [0, 1]] / s,
    with c = (14, 14), rotation θ, shear k, scale s and shift t uniform within the ranges above,
    and Δ an elastic displacement field. The value at q is interpolated bilinearly from the four
    pixels around it; points outside the image read 0. Each block of BLOCK_SIZE images reads a run
    of as many consecutive maps, starting at a random one: the maps are independent of each other
    and the images come shuffled, so each image still meets a random map, and the run is read where
    it lies in the bank instead of being gathered into a copy first (a tenth less time an epoch).
    """
    half = STROKE_CHANGE_PROBABILITY / 2
    change = rng.choice([-1, 0, 1], size=len(images), p=[half, 1 - 2 * half, half])
    digits = images.reshape(-1, SIDE, SIDE)
    bank = distortion_map_bank()
    distorted = np.empty_like(images) if out is None else out
    work = Workspace(min(BLOCK_SIZE, len(images)))
    for start in range(0, len(images), BLOCK_SIZE):
        block = slice(start, start + BLOCK_SIZE)
        count = work.load(digits[block], change[block])
        first = rng.integers(MAP_BANK_SIZE - count + 1)
        maps = slice(first, first + count)
        sample_bilinear(work, bank.index[maps], bank.fractions[maps], out=distorted[block])
    return distorted


SamplingMaps = collections.namedtuple("SamplingMaps", "index fractions")


@functools.cache
def distortion_map_bank():
    """SamplingMaps of MAP_BANK_SIZE distortions (sampling_map of sampling_points), made once per
    process with a fixed seed.

    Every image of every epoch is read through one of them: 4,096 distortions, each a fresh affine
    map with its own elastic field, so the sampling arithmetic is done once per run instead of for
    every image. With the stroke widths changed in Workspace.load, distorting an epoch takes about
    40 % less time than with fresh maps, at the same accuracy (six seeds, docs/augmentation.md).
    The indices are int16 (sampling_map): every image reads its map, 7.8 instead of 12.5 kB with
    intp indices, and that traffic slows the training on the other core.
    """
    rng, piece = np.random.default_rng(2003), 512  # 512 maps at a time: the arithmetic's arrays stay small
    maps = [sampling_map(sampling_points(piece, rng)) for _ in range(MAP_BANK_SIZE // piece)]
    return SamplingMaps(*(np.concatenate(parts) for parts in zip(*maps)))


def elastic_fields(count, rng):
    """(count, 2, 784) float32: for each image a displacement field (Δx, Δy), each α · (G_σ ∗ U(−1, 1)).

    Simard et al. (2003): uniform noise in [−1, 1] per pixel, smoothed by a Gaussian of width σ,
    scaled by α.
    """
    from scipy import ndimage  # only here: the training process itself never needs SciPy (0.3 s to import)
    noise = rng.uniform(-1, 1, (count * 2, SIDE, SIDE)).astype(np.float32)
    fields = ndimage.gaussian_filter(noise, sigma=(0, ELASTIC_SIGMA, ELASTIC_SIGMA))
    fields *= ELASTIC_ALPHA
    return fields.reshape(count, 2, SIDE * SIDE)


def sampling_points(count, rng):
    """(count, 2, 784): the source points q = c + A (p − c) + t + Δ(p) of count distortions, as (x, y) rows."""
    angle = rng.uniform(-MAX_ROTATION, MAX_ROTATION, count)
    scale = 1 + rng.uniform(-MAX_SCALE_CHANGE, MAX_SCALE_CHANGE, count)
    shear = rng.uniform(-MAX_SHEAR, MAX_SHEAR, count)
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    matrix = np.stack([np.stack([cos, cos * shear - sin], axis=-1),  # R(θ) · [[1, k], [0, 1]] / s
                       np.stack([sin, sin * shear + cos], axis=-1)], axis=-2).astype(np.float32)
    points = np.einsum("nij,jp->nip", matrix, CENTERED_PIXELS)  # A (p − c) for every map n and pixel p
    points += (CENTER + rng.uniform(-MAX_SHIFT, MAX_SHIFT, (count, 2, 1))).astype(np.float32)
    return points + elastic_fields(count, rng)


def sampling_map(points):
    """(index (n, 784) int16, fractions (n, 2, 784) float32) for source points (n, 2, 784) of (x, y):
    the flat index, in a Workspace's padded image (1,024 pixels, so int16 holds it), of the pixel up
    and to the left of each point, and the point's offsets (f, g) from that pixel. Points more than
    a pixel outside the image are moved to just outside it, where they and their neighbours read the
    zero border."""
    points = np.clip(points, -1, SIDE) + Workspace.BORDER  # (x, y) in the padded image
    floors = np.floor(points)
    index = (floors[:, 1] * Workspace.PADDED_SIDE + floors[:, 0]).astype(np.int16)  # y₀ · side + x₀
    return index, (points - floors).astype(np.float32)


class Workspace:
    """Arrays reused from block to block: fresh arrays this size cost page faults on every call,
    which made distort() several times slower (measured)."""

    BORDER = 2  # zero pixels around each digit: clipped points and their right/lower neighbours read 0
    PADDED_SIDE = SIDE + 2 * BORDER

    def __init__(self, block_size):
        self.padded = np.zeros((block_size, self.PADDED_SIDE, self.PADDED_SIDE), np.float32)
        self.index = np.empty((block_size, SIDE * SIDE), np.intp)
        self.corners = np.empty((4, block_size, SIDE * SIDE), np.float32)
        self.image_starts = np.arange(block_size)[:, None] * self.PADDED_SIDE ** 2  # where each image starts in padded.ravel()

    def load(self, digits, change):
        """Copy digits (n, 28, 28) inside the zero borders, their strokes widened where change (n,) is
        +1 and narrowed where it is −1; return n.

        Widening is grey-scale dilation by a 2 × 2 square, as scipy.ndimage.grey_dilation does it: each
        pixel becomes the maximum of itself and its neighbours below, to the right and diagonally
        between (strokes about a pixel wider). Narrowing is erosion: the minimum of itself and its
        neighbours above, to the left and between. Either moves the digit by half a pixel, well within
        MAX_SHIFT. Outside the digit both read the zero border.
        """
        inner = slice(self.BORDER, self.BORDER + SIDE)
        self.padded[:len(digits), inner, inner] = digits
        for sign, extreme in ((1, np.maximum), (-1, np.minimum)):
            picked, near = np.flatnonzero(change == sign), slice(self.BORDER + sign, self.BORDER + SIDE + sign)
            digit = self.padded[picked]
            self.padded[picked, inner, inner] = extreme(extreme(digit[:, inner, inner], digit[:, near, inner]),
                                                        extreme(digit[:, inner, near], digit[:, near, near]))
        return len(digits)


def sample_bilinear(work, index, fractions, out):
    """out (n, 784) <- the digits in work.padded read bilinearly at the points of a sampling_map,
    index (n, 784) and fractions (n, 2, 784).

    With (x₀, y₀) the pixel index points to, (f, g) the fractions and v_ab the pixel at (x₀ + b, y₀ + a):
        value = lerp(lerp(v₀₀, v₀₁, f), lerp(v₁₀, v₁₁, f), g),   lerp(u, v, f) = u + f (v − u).
    """
    count = len(index)
    index = np.add(index, work.image_starts[:count], out=work.index[:count])  # where in padded.ravel()
    pixels = work.padded.ravel()
    # mode="clip" (the indices are all inside already): the default mode="raise" gathers into a
    # hidden temporary array first, which is just the allocation the workspace is there to avoid
    v00, v01, v10, v11 = (np.take(pixels[step:], index, out=corner[:count], mode="clip")
                          for step, corner in zip((0, 1, work.PADDED_SIDE, work.PADDED_SIDE + 1), work.corners))
    f, g = fractions[:, 0], fractions[:, 1]
    top = lerp_in_place(v00, v01, f)
    bottom = lerp_in_place(v10, v11, f)
    return np.clip(lerp_in_place(top, bottom, g), 0, 1, out=out)  # rounding may step a hair outside


def lerp_in_place(u, v, f):
    """u <- u + f (v − u), the straight line from u (f = 0) to v (f = 1); v is overwritten."""
    v -= u
    v *= f
    u += v
    return u


SHARED_MEMORY_FOLDER = "/dev/shm"  # where Linux keeps shared memory; a container may make it small


class SharedMemoryTooSmall(Exception):
    """This machine's shared memory cannot hold the training images (the message says what to do)."""


def free_shared_memory(folder=SHARED_MEMORY_FOLDER):
    """Bytes free for shared memory, or None where the system keeps it elsewhere (not in folder)."""
    if not os.path.isdir(folder):
        return None
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


class DistortingProcess:
    """A second process that makes each epoch's distorted images (gathered_chunk, then distort), a
    chunk at a time, while this one trains on the chunk before. Use it in a with statement: leaving
    it ends the process and frees the shared memory.

        with DistortingProcess(images, labels, batch_size=64, rng=rng) as distorting:
            for epoch in ...:
                for x, y in distorting.epoch(): ...

    A process, not a thread: restyling and distorting make many short NumPy calls, and a thread
    making them passes Python's GIL back and forth with the training thread at every one; beside
    such a thread a training epoch took 29 % (distorting) to 57 % (restyling) longer, beside a
    second process no longer (docs/performance.md). The training images are copied into shared
    memory once; the process writes each chunk into one of two shared slots while the trainer reads
    the other. It starts with Python's "spawn" method on every system, so it builds its own banks
    (distortion_map_bank, drawn_digit_bank, both at once) while the first chunk waits, about 1.5 s;
    and, as for any spawned process, a script that makes one needs the `if __name__ == "__main__":`
    guard.
    """

    def __init__(self, images, labels, batch_size, rng, chunk_size=CHUNK_SIZE):
        """Every epoch's shuffling and distortions are drawn from rng, and nothing else draws from it here."""
        self.labels, self.batch_size, self.rng = labels, batch_size, rng
        self.chunk_size = batch_size * max(1, chunk_size // batch_size)  # whole batches per chunk
        self.chunks_made = 0  # chunk k is written into slot k % SLOTS
        self.next_epoch = None  # planned, and its first chunk under way, while the trainer reads an epoch's last
        slots_shape = (SLOTS, self.chunk_size, images.shape[1])
        size, free = images.nbytes + 4 * math.prod(slots_shape), free_shared_memory()
        if free is not None and free < size:  # copying past its end would kill this process (SIGBUS), not raise
            raise SharedMemoryTooSmall(
                f"distortion training needs {size / 2**20:.0f} MB of shared memory and {SHARED_MEMORY_FOLDER} has "
                f"{free / 2**20:.0f} MB free; train with --no-augment, or give it more (in Docker: --shm-size=512m)")
        self.memory = shared_memory.SharedMemory(create=True, size=size)
        try:
            shared_images, self.slots = shared_arrays(self.memory, images.shape, slots_shape)
            shared_images[...] = images
            del shared_images  # only the slots are read here; no view may outlive the memory
            self.pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_distorting,
                initargs=(self.memory.name, images.shape, labels, slots_shape))
        except BaseException:
            self.release_memory()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.pool.shutdown(cancel_futures=True)
        self.release_memory()

    def release_memory(self):
        self.slots = None  # the view goes first: shared memory with views into it cannot close
        self.memory.close()
        self.memory.unlink()

    def epoch(self):
        """Yield (x, y) minibatches of one shuffled pass, x freshly distorted, some of the 9s and 4s
        drawn anew and 1s flagged first (gathered_chunk); x is a view into a shared slot, rewritten
        two chunks later, so the caller uses each batch before it asks for the next.

        The pass is cut into chunks of about chunk_size images, each with its own random
        generators spawned from rng, so results do not depend on timing. While the trainer reads a
        pass's last chunk, the next pass is planned and its first chunk made, so that the next
        epoch need not wait for it; a pass stopped early plans nothing ahead.
        """
        jobs, making = self.next_epoch or self.start_epoch()
        self.next_epoch = None
        for i, (indices, _, _) in enumerate(jobs):
            slot = making.result()
            if i + 1 < len(jobs):
                making = self.make_chunk(*jobs[i + 1])
            else:
                self.next_epoch = self.start_epoch()
            distorted = self.slots[slot]
            for start in range(0, len(indices), self.batch_size):
                batch = indices[start:start + self.batch_size]
                yield distorted[start:start + len(batch)], self.labels[batch]

    def start_epoch(self):
        """Plan a pass, drawn from rng, and start making its first chunk: (the pass's chunks, each
        (indices, style_rng, chunk_rng) for make_chunk, and the first one's future)."""
        order = self.rng.permutation(len(self.labels))
        chunks = [order[start:start + self.chunk_size] for start in range(0, len(order), self.chunk_size)]
        chunk_rngs, style_rngs = self.rng.spawn(len(chunks)), self.rng.spawn(len(chunks))
        jobs = list(zip(chunks, style_rngs, chunk_rngs))
        return jobs, self.make_chunk(*jobs[0])

    def make_chunk(self, indices, style_rng, chunk_rng):
        """Have the process make a chunk into the next slot: a future of that slot's number. The
        process makes one chunk at a time, in order, so the trainer, reading the slot before, is
        never written over."""
        slot, self.chunks_made = self.chunks_made % SLOTS, self.chunks_made + 1
        return self.pool.submit(_make_chunk, slot, indices, style_rng, chunk_rng)


def shared_arrays(memory, images_shape, slots_shape):
    """(images, slots): the float32 views a DistortingProcess lays out in its shared memory, the
    training images first and the chunk slots after them, as both processes see them."""
    images = np.ndarray(images_shape, np.float32, memory.buf)
    return images, np.ndarray(slots_shape, np.float32, memory.buf, offset=images.nbytes)


_distorting = {}  # inside the distorting process: the shared memory (kept open), its images and slots, the labels


def _start_distorting(memory_name, images_shape, labels, slots_shape):
    """Runs once in the distorting process: Ctrl-C is left to the trainer, which ends this process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    memory = shared_memory.SharedMemory(memory_name)
    images, slots = shared_arrays(memory, images_shape, slots_shape)
    _distorting.update(memory=memory, images=images, labels=labels, slots=slots)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as helper:  # both banks at once: the
        maps = helper.submit(distortion_map_bank)                         # trainer's core waits idle
        drawn_digit_bank()
        maps.result()


def _make_chunk(slot, indices, style_rng, chunk_rng):
    """Runs in the distorting process: chunk `indices` gathered, restyled and distorted in `slot`; returns slot.
    Gathered straight into the slot and distorted there, the chunk needs no array of its own (a tenth
    less time than gathering into a new array)."""
    chunk = gathered_chunk(_distorting["images"], _distorting["labels"], indices, style_rng,
                           out=_distorting["slots"][slot, :len(indices)])
    distort(chunk, chunk_rng, out=chunk)
    return slot


# ---- hooked 9s, bent 4s and flagged 1s -------------------------------------------------------------
# Many people write a 9 as a small loop on a stem that ends in a wide hook to the left, a 4 as an
# arm bent round into a low bar with a stem that starts below the arm's top, and a 1 with a flag up
# to the top of its stem (the continental 1); MNIST's writers seldom draw these, and the model read
# such 9s as 3s, such 4s as 6s and such 1s as 7s. In every chunk of an epoch a share of the 9s and
# of the 4s is replaced by digits drawn whole in those styles, exactly as the app draws a person's
# strokes (pen.digits_from_strokes), and a share of the 1s is freshly flagged with the app's pen
# (docs/augmentation.md has the measurements).
HOOKED_NINE_PROBABILITY = 0.5        # of the 9s in each chunk
# Sizes below are in units of the drawing: the app scales each drawing to SKELETON_BOX px anyway.
LOOP_RADII = ((2.5, 4.5), (2.5, 4))  # ranges of the loop's half-width and half-height
LOOP_TILT = 0.4                      # radians, either way
LOOP_SWEEP = np.pi * np.array((1.75, 2.1))  # the loop is left a little open or drawn a little past closed
STEM_DROP = ((-3.5, 0.5), (7, 13))   # where the stem's foot lies from the loop's end, (x, y)
HOOK_RADIUS = (3, 8)
HOOK_SWEEP = np.pi * np.array((0.5, 1.25))  # from heading down at the foot round to the left and up
LOOP_POINTS, HOOK_POINTS = 16, 8     # along the stroke: each segment is 2–3 px long, straight to a tenth of a pixel
BENT_FOUR_PROBABILITY = 0.2          # of the 4s in each chunk
# Places below are in units of the 4's height, y down from the arm's top, x right of the arm's corner.
ARM_TOP = (0.1, 0.5)                 # x of the arm's top: the arm leans right
BAR_HEIGHT = (0.5, 0.75)             # y of the bar
BEND = (0.3, 0.9)                    # the share of the arm and of the bar that is rounded into one curve
BEND_POINTS = 8
STEM_X = (0.35, 0.6)
STEM_TOP = (0.1, 0.5)                # y: the stem starts below the arm's top
STEM_LEAN = 0.05                     # the stem's top may lie this far either side of its foot
BAR_OVERHANG = (-0.02, 0.22)         # how far the bar runs past the stem
DRAWN_BANK_SIZE = 4096              # hooked 9s, and as many bent 4s, drawn once per run (drawn_digit_bank)
FLAG_PROBABILITY = 0.25  # of the 1s in each chunk
FLAG_LENGTH = (0.3, 0.7)            # times the 1's height
FLAG_ANGLE = np.radians((30, 60))   # below the horizontal: the flag runs down to the left from the stem's top
RESTYLED = {9: HOOKED_NINE_PROBABILITY, 4: BENT_FOUR_PROBABILITY, 1: FLAG_PROBABILITY}  # digit: its share restyled in each chunk
MNIST_BOX = 20           # MNIST's digits fit a 20 × 20 box, their centre of mass at CENTER
PADDING = ((0, 0), (2, 2), (12, 2))  # px above, below, left and right of each 1 while its flag is added


def hooked_nine_strokes(count, rng):
    """(count, LOOP_POINTS + HOOK_POINTS, 2): 9s, each a single stroke of (x, y) points, y down.

    The pen goes round an ellipse (half-axes LOOP_RADII, tilted) anticlockwise from its right side,
    straight down to the stem's foot, then along a circular arc that sets off downwards and turns
    to the left: the hook. Every size and angle is drawn from its range above.
    """
    uniform = functools.partial(each_drawing, rng, count=count)  # uniform(limits): (count, 1)
    half_width, half_height = uniform(LOOP_RADII[0]), uniform(LOOP_RADII[1])
    tilt = uniform((-LOOP_TILT, LOOP_TILT))
    around = np.linspace(0, 1, LOOP_POINTS) * uniform(LOOP_SWEEP)
    x, y = half_width * np.cos(around), -half_height * np.sin(around)
    loop = np.stack([x * np.cos(tilt) - y * np.sin(tilt), x * np.sin(tilt) + y * np.cos(tilt)], axis=2)
    foot = loop[:, -1] + np.hstack([uniform(STEM_DROP[0]), uniform(STEM_DROP[1])])
    radius, turn = uniform(HOOK_RADIUS), np.linspace(0, 1, HOOK_POINTS) * uniform(HOOK_SWEEP)
    hook = foot[:, None] + radius[..., None] * np.stack([np.cos(turn) - 1, np.sin(turn)], axis=2)  # about foot − (radius, 0)
    return np.concatenate([loop, hook], axis=1)


def bent_four_strokes(count, rng):
    """[arms (count, BEND_POINTS + 2, 2), stems (count, 2, 2)]: 4s in two strokes of (x, y) points, y down.

    The arm runs from its top down to a corner and on to the right as the bar; BEND of it either
    side of the corner is replaced by a quadratic Bézier curve with the corner as its control point.
    The stem runs straight down from below the arm's top, across the bar, to the foot.
    """
    uniform = functools.partial(each_drawing, rng, count=count)  # uniform(limits): (count, 1)
    zero, one = np.zeros((count, 1)), np.ones((count, 1))
    bar_y, stem_x = uniform(BAR_HEIGHT), uniform(STEM_X)
    top, corner = np.hstack([uniform(ARM_TOP), zero]), np.hstack([zero, bar_y])
    bar_end = np.hstack([stem_x + uniform(BAR_OVERHANG), bar_y])
    bend = uniform(BEND)
    leave, meet = corner + (top - corner) * bend, corner + (bar_end - corner) * bend
    t = np.linspace(0, 1, BEND_POINTS)[:, None]
    curve = (1 - t) ** 2 * leave[:, None] + 2 * t * (1 - t) * corner[:, None] + t ** 2 * meet[:, None]
    arms = np.concatenate([top[:, None], curve, bar_end[:, None]], axis=1)
    stems = np.stack([np.hstack([stem_x + uniform((-STEM_LEAN, STEM_LEAN)), uniform(STEM_TOP)]),
                      np.hstack([stem_x, one])], axis=1)
    return [arms, stems]


def each_drawing(rng, limits, count):
    """(count, 1): one value for each of count drawings, uniform within limits (low, high)."""
    return rng.uniform(*limits, count)[:, None]


def hooked_nines(count, rng):
    """(count, 784): hooked_nine_strokes made network inputs exactly as the app makes a drawing."""
    return digits_from_strokes([hooked_nine_strokes(count, rng)]).reshape(count, -1)


def bent_fours(count, rng):
    """(count, 784): bent_four_strokes made network inputs exactly as the app makes a drawing."""
    return digits_from_strokes(bent_four_strokes(count, rng)).reshape(count, -1)


@functools.cache
def drawn_digit_bank():
    """{9: (DRAWN_BANK_SIZE, 784) hooked 9s, 4: as many bent 4s}, drawn once per process with a fixed
    seed, like the distortion maps, piece by piece to keep the pen's memory small.

    Every chunk takes its restyled 9s and 4s from here and distorts them afresh; drawing new ones for
    every chunk cost the training thread about 0.4 s more per epoch and read the dev set no better
    (95.73 against 95.75 % from the bank, six seeds; docs/augmentation.md).
    """
    rng, piece = np.random.default_rng(1929), 512  # 512 drawings per pen call
    return {digit: np.concatenate([drawn(piece, rng) for _ in range(DRAWN_BANK_SIZE // piece)])
            for digit, drawn in ((9, hooked_nines), (4, bent_fours))}


def ink_ends(digits):
    """(tops, bottoms), each (n, 2): the (x, y) middles of the highest and of the lowest row with ink
    (> ½) in each digit (n, h, w); where a 1's stem starts and ends."""
    inked = digits > 0.5
    rows_with_ink = inked.any(axis=2)
    columns = np.arange(digits.shape[2])

    def middle(rows):
        row = inked[np.arange(len(digits)), rows]
        return np.stack([(row * columns).sum(axis=1) / np.maximum(row.sum(axis=1), 1), rows], axis=1)
    return middle(rows_with_ink.argmax(axis=1)), middle(digits.shape[1] - 1 - rows_with_ink[:, ::-1].argmax(axis=1))


def with_strokes(canvas, strokes):
    """canvas (n, h, w) with strokes[k], a polyline (points, 2) of (x, y), inked onto digit k by the app's pen.

    All digits are inked in one call (pen.rasterise_each).
    """
    return np.maximum(canvas, rasterise_each([strokes], canvas.shape[1:]), out=canvas)


def placed_as_mnist(canvas):
    """(n, 784): each digit on canvas (n, h, w) shrunk, if it is larger, to fit MNIST_BOX and moved so
    its centre of mass lands on CENTER; pixel p reads the canvas bilinearly at m + (p − CENTER) / s."""
    n, height, width = canvas.shape
    inked_rows, inked_columns = (canvas > 0.05).any(axis=2), (canvas > 0.05).any(axis=1)
    extent = np.maximum(height - inked_rows[:, ::-1].argmax(1) - inked_rows.argmax(1),
                        width - inked_columns[:, ::-1].argmax(1) - inked_columns.argmax(1))
    scale = np.minimum(1, MNIST_BOX / extent).astype(np.float32)
    row_mass, column_mass = canvas.sum(axis=2), canvas.sum(axis=1)
    middle = np.stack([column_mass @ np.arange(width, dtype=np.float32),
                       row_mass @ np.arange(height, dtype=np.float32)], axis=1) / row_mass.sum(1, keepdims=True)
    x = (middle[:, 0, None] + CENTERED_PIXELS[0] / scale[:, None]).clip(0, width - 2)   # (n, 784)
    y = (middle[:, 1, None] + CENTERED_PIXELS[1] / scale[:, None]).clip(0, height - 2)
    x0, y0 = np.floor(x), np.floor(y)
    f, g = x - x0, y - y0
    index = (y0.astype(np.intp) * width + x0.astype(np.intp)) + np.arange(n)[:, None] * (height * width)
    pixels = canvas.ravel()
    v00, v01, v10, v11 = (pixels.take(index + step) for step in (0, 1, width, width + 1))
    top, bottom = v00 + f * (v01 - v00), v10 + f * (v11 - v10)
    return np.clip(top + g * (bottom - top), 0, 1).astype(np.float32)


def flagged(ones, rng):
    """(n, 784): ones (n, 784), each with a flag of random length and angle from the top of its stem
    down to the left, placed again as MNIST would."""
    canvas = np.pad(ones.reshape(-1, SIDE, SIDE), PADDING)
    tops, feet = ink_ends(canvas)
    length = rng.uniform(*FLAG_LENGTH, len(canvas)) * (feet[:, 1] - tops[:, 1])
    angle = rng.uniform(*FLAG_ANGLE, len(canvas))
    flags = np.stack([tops + length[:, None] * np.stack([-np.cos(angle), np.sin(angle)], axis=1), tops], axis=1)
    return placed_as_mnist(with_strokes(canvas, flags))


def restyled(digits, labels, rng):
    """A copy of digits (n, 784) with each 9 (labels (n,)) replaced by a hooked 9 and each 4 by a
    bent 4, picked at random from drawn_digit_bank, and each 1 flagged."""
    styled = digits.copy()
    for digit, drawn in drawn_digit_bank().items():
        replaced = np.flatnonzero(labels == digit)
        styled[replaced] = drawn[rng.integers(len(drawn), size=len(replaced))]
    ones = np.flatnonzero(labels == 1)
    if len(ones):
        styled[ones] = flagged(digits[ones], rng)
    return styled


def gathered_chunk(images, labels, indices, rng, out=None):
    """images[indices] (n, 784), about HOOKED_NINE_PROBABILITY of its 9s and BENT_FOUR_PROBABILITY of its 4s
    replaced by hooked 9s and bent 4s, and FLAG_PROBABILITY of its 1s flagged; in out when given."""
    chunk, chunk_labels = np.take(images, indices, axis=0, out=out), labels[indices]
    share = sum((chunk_labels == digit) * probability for digit, probability in RESTYLED.items())
    picked = np.flatnonzero(rng.random(len(indices)) < share)
    if len(picked):
        chunk[picked] = restyled(chunk[picked], chunk_labels[picked], rng)
    return chunk
