"""utils: the atomic write that keeps a model safe, and accuracy."""
import os
import stat

import pytest

from utils import accuracy, atomic_write, new_file_can_go_at


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


def test_a_new_file_can_go_only_at_a_file_name_in_a_folder_that_exists(tmp_path):
    assert new_file_can_go_at(str(tmp_path / "model.npz"))
    assert not new_file_can_go_at(str(tmp_path))                          # a folder
    assert not new_file_can_go_at(str(tmp_path) + os.sep)                 # a folder, written as one
    assert not new_file_can_go_at(str(tmp_path / "missing" / "model.npz"))  # its folder does not exist
    assert not new_file_can_go_at("")
