"""Streaming batches: what `from_tensor_slices` of the joined arrays gave, read part by part from
the arrays themselves (memory-mapped ones stay on disk; a part may name the rows it takes), the same
for the same seed; and `Rows`, the data sets training streams from, taken as one without a copy."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from handwriting.data.dataset import DataError, Dataset, Rows
from handwriting.letters.stream import Part, batches, epoch_order


def make_parts(seed: int = 0):
    rng = np.random.default_rng(seed)
    sizes = (37, 5, 58)
    parts = []
    for number, n in enumerate(sizes):
        x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        y = np.full(n, -1) if number == 1 else rng.integers(0, 26, n)   # part 1: no letters
        w = rng.uniform(0.5, 2.0, n)
        parts.append((x, y, w))
    return parts


def collect(ds):
    got = [tuple(np.asarray(t) for t in batch) for batch in ds]
    return [np.concatenate([b[i] for b in got]) for i in range(3)], [len(b[0]) for b in got]


def reference(parts, batch_size):
    """The batches the whole-array pipeline made, through tf.data itself."""
    import tensorflow as tf

    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts]).astype(np.int32)
    w = np.concatenate([p[2] for p in parts]).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((x, y, w)).batch(batch_size)
    ds = ds.map(lambda a, b, c: (tf.cast(a, tf.float32),
                                 tf.where(b[:, None] >= 0, tf.one_hot(b, 26), 1.0 / 26), c))
    return collect(ds)


def test_in_order_the_batches_are_those_of_the_joined_arrays():
    parts = make_parts()
    (images, targets, weights), sizes = collect(batches(parts, 16, None, seed=3, shuffle=False))
    (ref_images, ref_targets, ref_weights), ref_sizes = reference(parts, 16)
    assert sizes == ref_sizes == [16] * 6 + [4]
    assert images.dtype == np.float32
    np.testing.assert_array_equal(images, ref_images)
    np.testing.assert_array_equal(targets, ref_targets)
    np.testing.assert_array_equal(weights, ref_weights)
    # the pictures that are no letter (label -1, all in the middle part) get uniform targets
    labels = np.concatenate([p[1] for p in parts])
    assert (labels == -1).any()
    np.testing.assert_allclose(targets[labels == -1], 1 / 26)
    assert (targets[labels >= 0].max(1) == 1).all()


def test_shuffled_epochs_serve_every_sample_once_and_repeat_for_a_seed():
    parts = make_parts()
    ds = batches(parts, 16, None, seed=7, shuffle=True)
    assert int(ds.cardinality()) == 7
    first, sizes = collect(ds)
    second, _ = collect(ds)                        # the next pass over it is the next epoch
    again, _ = collect(batches(parts, 16, None, seed=7, shuffle=True))
    later, _ = collect(batches(parts, 16, None, seed=7, shuffle=True, epoch=1))
    other, _ = collect(batches(parts, 16, None, seed=8, shuffle=True))
    assert sizes == [16] * 6 + [4]
    for i in range(3):
        np.testing.assert_array_equal(first[i], again[i])      # same seed, same batches
        np.testing.assert_array_equal(second[i], later[i])     # epoch 1 whichever way reached
    assert not np.array_equal(first[0], second[0]) and not np.array_equal(first[0], other[0])

    # every sample exactly once an epoch, its target and weight with it
    (ref_images, ref_targets, ref_weights), _ = reference(parts, 1000)
    order = np.lexsort(first[0].reshape(len(first[0]), -1).T)
    ref_order = np.lexsort(ref_images.reshape(len(ref_images), -1).T)
    np.testing.assert_array_equal(first[0][order], ref_images[ref_order])
    np.testing.assert_array_equal(first[1][order], ref_targets[ref_order])
    np.testing.assert_array_equal(first[2][order], ref_weights[ref_order])


def test_epoch_order_is_a_permutation_and_plain_order_without_shuffle():
    order = epoch_order(1000, seed=1, epoch=4, shuffle=True)
    assert sorted(order.tolist()) == list(range(1000)) and not (order == np.arange(1000)).all()
    np.testing.assert_array_equal(epoch_order(10, 1, 4, shuffle=False), np.arange(10))


def test_a_part_naming_its_rows_serves_what_a_copy_of_those_rows_would():
    before, middle, part = make_parts()
    x, y, w = part
    rows = np.sort(np.random.default_rng(1).choice(len(x), 40, replace=False))
    for shuffle in (False, True):
        got, sizes = collect(batches([before, middle, Part(x, y[rows], w[rows], rows)], 16, None, 2, shuffle))
        want, want_sizes = collect(batches([before, middle, (x[rows], y[rows], w[rows])], 16, None, 2, shuffle))
        assert sizes == want_sizes == [16] * 5 + [2]
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


def test_rows_of_data_sets_read_as_the_joined_copy_of_them():
    rng = np.random.default_rng(0)
    a = Dataset(rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), rng.integers(0, 26, 30), "a",
                [f"w{i % 3}" for i in range(30)], format="npz", licences={"a": "A's"})
    b = Dataset(rng.integers(0, 256, (20, 28, 28), dtype=np.uint8), rng.integers(0, 26, 20), "b-longer",
                format="kaggle-csv", licences={"b-longer": "B's"})
    x, y = np.concatenate([a.x, b.x]), np.concatenate([a.y, b.y])
    source, writer = np.array(["a"] * 30 + ["b-longer"] * 20), np.array([f"w{i % 3}" for i in range(30)] + [""] * 20)
    joined = Rows.of([a, b])
    kept = joined.head(35, seed=4)
    index = np.sort(np.random.default_rng(4).choice(50, 35, replace=False))   # what Dataset.head keeps
    taken = kept[np.flatnonzero(kept.y % 2 == 0)]                              # a split: row numbers
    index = index[y[index] % 2 == 0]
    assert len(taken) == len(index) and (taken.index == index).all()
    np.testing.assert_array_equal(taken.y, y[index])
    np.testing.assert_array_equal(taken.source, source[index])
    np.testing.assert_array_equal(taken.writer, writer[index])
    assert taken.format == "npz+kaggle-csv" and taken.licences == {"a": "A's", "b-longer": "B's"}

    # the images: read from the data sets' own arrays, one or a few on demand, or copied out once
    for i in (0, len(index) - 1, int(np.searchsorted(index, 30))):
        np.testing.assert_array_equal(taken.x[i], x[index[i]])
    np.testing.assert_array_equal(taken.x[[4, 1]], x[index[[4, 1]]])
    copied = taken.dataset()
    np.testing.assert_array_equal(copied.x, x[index])
    np.testing.assert_array_equal(copied.source, source[index])
    (xa, rows_a, where_a), (xb, rows_b, where_b) = taken.runs()
    assert xa is a.x and xb is b.x
    np.testing.assert_array_equal(np.concatenate([rows_a, rows_b + 30]), index)
    assert where_a.stop == where_b.start == len(rows_a)

    assert Rows.of([a]).dataset() is a and Rows.of([a, b]).dataset().format == "npz+kaggle-csv"
    for unordered in ([3, 1], [1, 1]):
        with pytest.raises(DataError, match="ascending"):
            joined[unordered]
    with pytest.raises(DataError, match="no data sets"):
        Rows.of([])


def test_augmented_batches_keep_their_shapes_and_targets():
    from handwriting.letters.augment import Augmentation

    parts = make_parts()
    (images, targets, weights), _ = collect(batches(parts, 32, Augmentation(), seed=0, shuffle=False))
    (_, ref_targets, ref_weights), _ = reference(parts, 32)
    assert images.shape == (100, 28, 28) and images.min() >= 0 and images.max() <= 255
    np.testing.assert_array_equal(targets, ref_targets)
    np.testing.assert_array_equal(weights, ref_weights)


def test_bad_parts_are_refused():
    x = np.zeros((4, 28, 28), np.uint8)
    with pytest.raises(ValueError, match="part 1: images must be uint8"):
        batches([(x, np.zeros(4), np.ones(4)), (x.astype(np.float32), np.zeros(4), np.ones(4))],
                2, None, 0, False)
    with pytest.raises(ValueError, match="part 0: 4 images but labels"):
        batches([(x, np.zeros(3), np.ones(4))], 2, None, 0, False)
    with pytest.raises(ValueError, match="no images"):
        batches([], 2, None, 0, False)
    with pytest.raises(ValueError, match="part 0: row numbers must be within 0-3"):
        batches([Part(x, np.zeros(2), np.ones(2), rows=np.array([0, 4]))], 2, None, 0, False)
    with pytest.raises(ValueError, match="part 0: 2 images but labels"):
        batches([Part(x, np.zeros(4), np.ones(4), rows=np.array([0, 3]))], 2, None, 0, False)


# A child process serves a whole shuffled epoch from a memory-mapped 157 MB part and reports how
# far its private memory (RssAnon: what a copy takes; the mapped file's pages count as RssFile, and
# the kernel can drop them) rose above where it stood with TensorFlow imported and warmed up.
CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    from handwriting.letters.stream import batches

    def private_mb():
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("RssAnon:")) / 1024

    x = np.load(sys.argv[1], mmap_mode="r")
    y = np.zeros(len(x), np.int32)
    w = np.ones(len(x), np.float32)
    for _ in batches([(x[:600], y[:600], w[:600])], 256, None, 0, True):   # TensorFlow warmed up
        pass
    before = highest = private_mb()
    seen = 0
    for images, _, _ in batches([(x, y, w)], 256, None, seed=0, shuffle=True):
        seen += len(images)
        highest = max(highest, private_mb())
    print(json.dumps({"grown_mb": highest - before, "seen": seen, "still_mapped": isinstance(x, np.memmap)}))
""")


@pytest.mark.slow
def test_a_memory_mapped_part_is_read_not_copied(tmp_path):
    images = np.zeros((200_000, 28, 28), np.uint8)    # 157 MB
    images[:, 14, 14] = 255
    path = tmp_path / "x.npy"
    np.save(path, images)
    del images
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["still_mapped"] and report["seen"] == 200_000
    assert report["grown_mb"] < 50, report          # a copy of the part alone would be 157 MB
