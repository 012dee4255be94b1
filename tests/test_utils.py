"""utils: the atomic write that keeps a model safe, and accuracy."""
import os
import stat

import pytest

from utils import accuracy, atomic_write


def test_atomic_write_replaces_the_file_only_when_the_block_finishes(tmp_path):
    target = tmp_path / "weights.npz"
    target.write_text("old")
    with atomic_write(target) as temporary:
        assert temporary.endswith(".npz") and os.path.dirname(temporary) == str(tmp_path)
        with open(temporary, "w") as stream:
            stream.write("new")
        assert target.read_text() == "old"
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["weights.npz"]


def test_atomic_write_leaves_the_old_file_and_no_debris_when_interrupted(tmp_path):
    target = tmp_path / "weights.npz"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as temporary:
            with open(temporary, "w") as stream:
                stream.write("half")
            raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["weights.npz"]


def test_atomically_written_files_get_an_ordinary_mode_not_owner_only(tmp_path):
    target = tmp_path / "plot.png"
    with atomic_write(target) as temporary:
        open(temporary, "w").close()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o666 & ~umask


def test_accuracy_is_the_fraction_of_matches():
    assert accuracy([1, 2, 3, 4], [1, 2, 0, 4]) == 0.75
