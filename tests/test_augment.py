"""augment.py: the image contract, reproducibility, real change, centring, stroke width, batching in a second process."""
from multiprocessing import shared_memory

import numpy as np
import pytest
from scipy import ndimage

import augment
from data import MNIST_CENTER
from pen import digit_from_strokes

MNIST_CENTER_ARRAY = np.array(MNIST_CENTER)


@pytest.fixture(scope="module")
def digits(small_mnist):
    """500 real training digits, float32 (500, 784) in [0, 1]."""
    return small_mnist.train_images[:500]


def centers_of_mass(images):
    return np.array([ndimage.center_of_mass(image.reshape(28, 28)) for image in images])


def test_distort_keeps_shape_float32_and_the_unit_range(digits):
    distorted = augment.distort(digits, np.random.default_rng(0))
    assert distorted.shape == digits.shape and distorted.dtype == np.float32
    assert distorted.min() >= 0 and distorted.max() <= 1


def test_distort_keeps_saturated_images_within_the_unit_range():
    distorted = augment.distort(np.ones((50, 784), np.float32), np.random.default_rng(0))
    assert distorted.min() >= 0 and distorted.max() <= 1
    assert distorted.max() == 1  # the middle of an all-ink image stays fully inked


def test_distort_leaves_its_input_untouched(digits):
    before = digits.copy()
    augment.distort(digits, np.random.default_rng(0))
    np.testing.assert_array_equal(digits, before)


def test_distort_is_reproducible_for_a_fixed_seed_and_writes_into_out_when_given_even_in_place(digits):
    first = augment.distort(digits, np.random.default_rng(7))
    out = np.full_like(digits, -1)
    second = augment.distort(digits, np.random.default_rng(7), out=out)
    assert second is out
    np.testing.assert_array_equal(first, second)
    in_place = digits.copy()  # more than one block of images, each read before it is overwritten
    assert augment.distort(in_place, np.random.default_rng(7), out=in_place) is in_place
    np.testing.assert_array_equal(first, in_place)


def test_different_seeds_give_different_distortions(digits):
    first = augment.distort(digits, np.random.default_rng(7))
    second = augment.distort(digits, np.random.default_rng(8))
    assert np.abs(first - second).max(axis=1).min() > 0.05


def test_distort_visibly_changes_every_digit(digits):
    distorted = augment.distort(digits, np.random.default_rng(0))
    assert np.abs(distorted - digits).max(axis=1).min() > 0.1


def test_distorted_digits_keep_their_centre_of_mass_near_the_centre(digits):
    centers = centers_of_mass(augment.distort(digits, np.random.default_rng(0)))
    distance = np.linalg.norm(centers - MNIST_CENTER_ARRAY, axis=1)
    assert np.all(np.linalg.norm(centers_of_mass(digits) - MNIST_CENTER_ARRAY, axis=1) < 1)  # MNIST's own
    assert distance.max() < 4
    assert np.percentile(distance, 95) < 2.5
    assert np.linalg.norm(centers.mean(axis=0) - MNIST_CENTER_ARRAY) < 0.25  # no drift in any direction


def loaded(images, change):
    """The digits (n, 28, 28) as Workspace.load leaves them, with the stroke widths changed."""
    work = augment.Workspace(block_size=len(images))
    work.load(images, np.asarray(change))
    return work.padded[:, 2:30, 2:30].copy(), work.padded


def test_wider_strokes_add_ink_and_narrower_strokes_remove_it(digits):
    images = digits.reshape(-1, 28, 28)
    ink = images.sum(axis=(1, 2))
    wider, _ = loaded(images, np.ones(len(images), int))
    narrower, _ = loaded(images, -np.ones(len(images), int))
    assert np.all(wider.sum(axis=(1, 2)) > 1.1 * ink)
    assert np.all(narrower.sum(axis=(1, 2)) < 0.9 * ink)


def test_stroke_widths_change_as_scipys_grey_dilation_and_erosion_and_only_where_asked(digits):
    images = digits[:30].reshape(-1, 28, 28)
    change = np.tile([1, 0, -1], 10)
    changed, padded = loaded(images, change)
    np.testing.assert_array_equal(changed[change == 1], ndimage.grey_dilation(images[change == 1], size=(1, 2, 2)))
    np.testing.assert_array_equal(changed[change == -1], ndimage.grey_erosion(images[change == -1], size=(1, 2, 2)))
    np.testing.assert_array_equal(changed[change == 0], images[change == 0])
    padded[:, 2:30, 2:30] = 0
    assert not padded.any()  # the border the sampling reads outside the image stays blank


def test_bilinear_sampling_matches_scipy_map_coordinates(digits):
    """An independent reference: ndimage's order-1 spline with zeros outside the image."""
    rng = np.random.default_rng(0)
    work = augment.Workspace(block_size=20)
    images = digits[:20].reshape(-1, 28, 28)
    work.load(images, np.zeros(20, int))
    points = rng.uniform(-4, 32, (20, 2, 784)).astype(np.float32)  # (x, y), many outside
    expected = [ndimage.map_coordinates(image, [y, x], order=1, mode="grid-constant")
                for image, (x, y) in zip(images, points)]
    sampled = augment.sample_bilinear(work, *augment.sampling_map(points), out=np.empty((20, 784), np.float32))
    np.testing.assert_allclose(sampled, expected, atol=1e-5)


def test_the_bank_holds_as_many_different_distortions_as_it_says():
    bank = augment.distortion_map_bank()
    assert bank.index.shape == (augment.MAP_BANK_SIZE, 784) and bank.fractions.shape == (augment.MAP_BANK_SIZE, 2, 784)
    assert len(np.unique(bank.fractions.reshape(augment.MAP_BANK_SIZE, -1), axis=0)) == augment.MAP_BANK_SIZE  # no two alike
    assert 0 <= bank.fractions.min() and bank.fractions.max() < 1


def test_elastic_fields_are_smooth_and_about_a_pixel_strong():
    fields = augment.elastic_fields(1000, np.random.default_rng(0)).reshape(-1, 28, 28)
    strength = fields.std()
    assert 0.5 < strength < 1.5  # pixels of displacement, as α = 17 and σ = 4 give
    assert np.diff(fields, axis=2).std() < 0.25 * strength  # neighbours move nearly together
    assert np.diff(fields, axis=1).std() < 0.25 * strength


def brightness_coded_squares(count):
    """Image i: a 12 × 12 square of brightness (i + 1) / count, so the image says which it is."""
    images = np.zeros((count, 28, 28), np.float32)
    images[:, 8:20, 8:20] = ((np.arange(count) + 1) / count)[:, None, None]
    return images.reshape(count, 784)


def test_distorted_batches_pair_every_image_with_its_own_label_once_per_epoch():
    count = 300
    images, labels = brightness_coded_squares(count), np.arange(count) + 10  # ids as labels: none is a 9, 4 or 1 to restyle
    seen = []
    with augment.DistortingProcess(images, labels, 64, np.random.default_rng(0), chunk_size=128) as distorting:
        for x, y in distorting.epoch():
            assert x.shape == (len(y), 784) and x.dtype == np.float32 and len(y) <= 64
            # Inside the square, bilinear interpolation of equal pixels gives that brightness exactly.
            np.testing.assert_array_equal(np.round(x.max(axis=1) * count) - 1, y - 10)
            seen.extend(y - 10)
    assert sorted(seen) == list(range(count))
    assert seen != list(range(count))  # shuffled


def made_here(digits, labels, rng):
    """(x, y) of one pass as a DistortingProcess with chunks of 128 should make it, made in this process:
    chunk k gathered and distorted with chunk k's generators."""
    order = rng.permutation(len(digits))
    chunks = [order[start:start + 128] for start in range(0, len(order), 128)]
    chunk_rngs, style_rngs = rng.spawn(len(chunks)), rng.spawn(len(chunks))
    return (np.concatenate([augment.distort(augment.gathered_chunk(digits, labels, chunk, style_rng), chunk_rng)
                            for chunk, style_rng, chunk_rng in zip(chunks, style_rngs, chunk_rngs)]), order)


def test_distorted_batches_are_what_gathering_and_distorting_each_chunk_makes_and_repeat_for_a_seed(digits):
    labels = np.arange(len(digits))

    def epoch(distorting):
        batches = [(x.copy(), y) for x, y in distorting.epoch()]
        assert len(batches) == 8
        return np.concatenate([x for x, _ in batches]), np.concatenate([y for _, y in batches])

    with augment.DistortingProcess(digits, labels, 64, np.random.default_rng(3), chunk_size=128) as distorting:
        first, stopped = epoch(distorting), distorting.epoch()
        stopped_x, stopped_y = next(stopped)
        stopped_x = stopped_x.copy()
        stopped.close()  # what Ctrl-C or a diverged loss does to an epoch; the next one must still work
        third = epoch(distorting)
    with augment.DistortingProcess(digits, labels, 64, np.random.default_rng(3), chunk_size=128) as distorting:
        again = epoch(distorting)
    rng = np.random.default_rng(3)
    expected = [made_here(digits, labels, rng) for _ in range(3)]  # each pass is drawn from rng in turn
    for (x, y), (expected_x, expected_y) in zip((first, third, again), (expected[0], expected[2], expected[0])):
        np.testing.assert_array_equal(x, expected_x)
        np.testing.assert_array_equal(y, expected_y)
    np.testing.assert_array_equal(stopped_x, expected[1][0][:64])  # the pass planned ahead, stopped at once
    np.testing.assert_array_equal(stopped_y, expected[1][1][:64])


def test_leaving_the_with_statement_ends_the_process_and_frees_its_shared_memory(digits):
    with augment.DistortingProcess(digits, np.arange(len(digits)), 64, np.random.default_rng(0),
                                   chunk_size=128) as distorting:
        next(distorting.epoch())
        name, (process,) = distorting.memory.name, distorting.pool._processes.values()
        assert process.is_alive()
    assert not process.is_alive()
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name)


# --- hooked 9s and flagged 1s ---------------------------------------------------------------------

def stem(length=16, column=18, top=6):
    """A (1, 28, 28) digit: a vertical stroke 2 px wide, rows top … top + length − 1."""
    digit = np.zeros((1, 28, 28), np.float32)
    digit[0, top:top + length, column:column + 2] = 1
    return digit


def enclosed_rows(digit):
    """The rows of the centres of the background regions that digit (28, 28 bool) encloses, and the
    digit's top and bottom inked rows."""
    rows = np.flatnonzero(digit.any(axis=1))
    background, regions = ndimage.label(~digit)
    outside = set(background[[0, -1]].ravel()) | set(background[:, [0, -1]].ravel())
    return [ndimage.center_of_mass(background == k)[0] for k in range(1, regions + 1) if k not in outside], rows[0], rows[-1]


def bottom_quarter_lean(images):
    """(n,): how far (px) the ink of each digit's lowest quarter lies right of all its ink (negative: left)."""
    columns = np.arange(28)
    leans = []
    for image in images.reshape(-1, 28, 28):
        rows = np.flatnonzero(image.max(axis=1) > 0.5)
        low = image[rows[-1] - (rows[-1] - rows[0]) // 4:]
        leans.append(low.sum(axis=0) @ columns / low.sum() - image.sum(axis=0) @ columns / image.sum())
    return np.array(leans)


@pytest.mark.parametrize("drawn", [augment.hooked_nines, augment.bent_fours])
def test_drawn_digits_keep_the_image_contract_fill_mnists_box_and_sit_on_its_centre(drawn):
    digits = drawn(200, np.random.default_rng(0))
    assert digits.shape == (200, 784) and digits.dtype == np.float32
    assert 0 <= digits.min() and digits.max() == 1
    assert np.abs(centers_of_mass(digits) - MNIST_CENTER_ARRAY).max() < 0.15  # moved there as the app moves a drawing
    inked = digits.reshape(-1, 28, 28) > 0.05
    extent = np.maximum(inked.any(axis=2).sum(axis=1), inked.any(axis=1).sum(axis=1))
    assert extent.min() >= 20 and extent.max() <= 21  # the app's 18 px skeleton and its pen: MNIST's 20 px box


@pytest.mark.parametrize("strokes, drawn", [(augment.hooked_nine_strokes, augment.hooked_nines),
                                            (augment.bent_four_strokes, augment.bent_fours)])
def test_drawn_digits_are_exactly_what_the_app_makes_of_the_same_strokes(strokes, drawn):
    drawings = strokes(5, np.random.default_rng(4))
    drawings = drawings if isinstance(drawings, list) else [drawings]
    by_the_app = [digit_from_strokes([stroke[k] * 100 for stroke in drawings]) for k in range(5)]  # any scale
    np.testing.assert_allclose(drawn(5, np.random.default_rng(4)), np.reshape(by_the_app, (5, 784)), atol=1e-6)


def test_a_hooked_nine_has_its_loop_on_top_and_its_hook_off_to_the_lower_left(monkeypatch):
    nines = augment.hooked_nines(300, np.random.default_rng(1)).reshape(-1, 28, 28) > 0.5
    def hole_in_upper_half(nine):
        holes, top, bottom = enclosed_rows(nine)
        return any(row < (top + bottom) / 2 for row in holes)
    assert np.mean([hole_in_upper_half(nine) for nine in nines[:100]]) > 0.8  # some loops are left a little open
    assert np.mean(bottom_quarter_lean(nines) < 0) > 0.8
    monkeypatch.setattr(augment, "HOOK_RADIUS", (0.01, 0.01))  # the same 9s with no hook: a straight stem
    assert np.mean(bottom_quarter_lean(augment.hooked_nines(300, np.random.default_rng(1))) < 0) < 0.2


def only_a_stem_at_the_foot(digit):
    """Whether the lowest fifth of the digit's ink (digit: (28, 28) bool) is one upright stroke, ≤ 4 px wide."""
    rows = np.flatnonzero(digit.any(axis=1))
    foot = digit[rows[-1] - (rows[-1] - rows[0]) // 5:rows[-1] + 1]
    return np.ptp(np.flatnonzero(foot.any(axis=0))) <= 3


def test_a_bent_four_is_open_and_ends_in_its_stem_alone(monkeypatch):
    fours = augment.bent_fours(200, np.random.default_rng(2)).reshape(-1, 28, 28) > 0.5
    assert all(only_a_stem_at_the_foot(four) for four in fours)  # the bar is above: not a 6's loop
    for four in fours:  # where the arm crosses the stem it may close a triangle at the top, never a loop low down
        holes, top, bottom = enclosed_rows(four)
        assert all(row < top + 0.6 * (bottom - top) for row in holes)
    monkeypatch.setattr(augment, "BAR_HEIGHT", (0.9, 0.95))  # bars down at the foot are seen
    assert not any(only_a_stem_at_the_foot(four) for four in augment.bent_fours(20, np.random.default_rng(2)).reshape(-1, 28, 28) > 0.5)


def test_strokes_drawn_together_are_each_drawn_as_on_its_own_digit():
    canvas = np.pad(np.concatenate([stem(), stem(column=8, top=4)]), augment.PADDING)
    tops, _ = augment.ink_ends(canvas)
    flags = np.stack([tops + [-7, 7], tops], axis=1)  # down-left from each stem's top
    together = augment.with_strokes(canvas.copy(), flags)
    for k in range(2):
        alone = augment.with_strokes(canvas[k:k + 1].copy(), flags[k:k + 1])
        np.testing.assert_array_equal(together[k], alone[0])
        assert together[k].sum() > canvas[k].sum() + 5  # the flag is there


def test_placing_as_mnist_shrinks_a_digit_to_the_20_pixel_box_and_centres_its_mass():
    tall = np.pad(stem(length=26, top=1), augment.PADDING)  # 26 px tall: MNIST would have shrunk it
    placed = augment.placed_as_mnist(tall).reshape(28, 28)
    rows = np.flatnonzero(placed.max(axis=1) > 0.05)
    assert rows[-1] - rows[0] + 1 <= 21  # 20 px, and a pixel of interpolation rim
    np.testing.assert_allclose(ndimage.center_of_mass(placed), MNIST_CENTER_ARRAY, atol=0.05)


def test_restyled_replaces_the_nines_and_fours_flags_the_ones_and_copies_every_other_digit(small_mnist):
    images, labels = small_mnist.train_images, small_mnist.train_labels
    mixed = np.concatenate([np.flatnonzero(labels == digit)[:5] for digit in (9, 4, 1, 3)])
    styled = augment.restyled(images[mixed], labels[mixed], np.random.default_rng(3))
    changed = np.abs(styled - images[mixed]).sum(axis=1)
    assert np.all(changed[:15] > 2) and np.all(changed[15:] == 0)
    bank = augment.drawn_digit_bank()  # nothing of the 9s and 4s is kept: they are drawn ones
    for rows, digit in ((slice(0, 5), 9), (slice(5, 10), 4)):
        assert all(np.any(np.all(bank[digit] == row, axis=1)) for row in styled[rows])


def test_placing_an_mnist_digit_as_mnist_moves_it_by_under_a_pixel_and_keeps_its_size(digits):
    placed = augment.placed_as_mnist(np.pad(digits[:50].reshape(-1, 28, 28), augment.PADDING))
    np.testing.assert_allclose(placed.sum(axis=1), digits[:50].sum(axis=1), rtol=0.03)  # not shrunk
    assert np.abs(centers_of_mass(placed) - MNIST_CENTER_ARRAY).max() < 0.05
    assert np.abs(centers_of_mass(placed) - centers_of_mass(digits[:50])).max() < 1


@pytest.mark.parametrize("digit, least_change", [(9, 5), (1, 2)])  # a new 9 differs more than a short flag
def test_hooked_nines_and_flagged_ones_keep_the_image_contract_and_mnists_centre_and_change(small_mnist, digit,
                                                                                           least_change):
    originals = small_mnist.train_images[small_mnist.train_labels == digit][:100]
    restyled = augment.restyled(originals, np.full(len(originals), digit), np.random.default_rng(0))
    assert restyled.shape == originals.shape and restyled.dtype == np.float32
    assert 0 <= restyled.min() and restyled.max() <= 1
    assert np.abs(centers_of_mass(restyled) - MNIST_CENTER_ARRAY).max() < 0.5
    plain = augment.placed_as_mnist(np.pad(originals.reshape(-1, 28, 28), augment.PADDING))
    assert np.all(np.abs(restyled - plain).sum(axis=1) > least_change)  # far from the digit placed without it


def test_a_flag_hangs_down_to_the_left_from_the_top_of_the_stem():
    upright = np.repeat(stem(length=20, column=13, top=4), 20, axis=0).reshape(20, 784)
    flags = augment.restyled(upright, np.ones(20, int), np.random.default_rng(0)).reshape(-1, 28, 28) > 0.5
    columns = np.arange(28)
    upper, lower = flags[:, 4:14], flags[:, 20:24]  # the upper half, and low down where there is only the stem
    assert np.all(np.where(upper, columns, 28).min(axis=(1, 2)) <= np.where(lower, columns, 28).min(axis=(1, 2)) - 3)
    assert np.all(np.where(upper, columns, -1).max(axis=(1, 2)) <= np.where(lower, columns, -1).max(axis=(1, 2)))


def test_a_chunk_restyles_its_share_of_nines_fours_and_ones_and_changes_nothing_else(small_mnist):
    images, labels = small_mnist.train_images, small_mnist.train_labels
    indices = np.random.default_rng(0).permutation(len(images))
    chunk = augment.gathered_chunk(images, labels, indices, np.random.default_rng(1))
    changed = np.flatnonzero(np.any(chunk != images[indices], axis=1))
    assert set(labels[indices[changed]]) == {1, 4, 9}
    for digit, share in ((9, augment.HOOKED_NINE_PROBABILITY), (4, augment.BENT_FOUR_PROBABILITY),
                         (1, augment.FLAG_PROBABILITY)):
        assert abs(np.mean(labels[indices[changed]] == digit) * len(changed) / np.count_nonzero(labels == digit)
                   - share) < 0.05
    again = augment.gathered_chunk(images, labels, indices, np.random.default_rng(1))
    assert np.array_equal(chunk, again)
