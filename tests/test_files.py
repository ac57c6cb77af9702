"""Writing a file all or nothing (agent/files.py), which every saved file goes through."""

import os
import stat

import pytest

from agent.files import write_atomically, write_csv_atomically, write_text_atomically


def test_a_failed_write_leaves_the_old_file_whole_and_no_temp_file(tmp_path):
    path = tmp_path / "kept.txt"
    write_text_atomically(path, "old")

    def half_then_fail(file):
        file.write(b"half of the new")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, half_then_fail)
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]


def test_a_new_file_follows_the_umask_and_a_replaced_one_keeps_its_mode(tmp_path):
    previous = os.umask(0o027)
    try:
        new = tmp_path / "new.txt"
        write_text_atomically(new, "x")
        assert stat.S_IMODE(new.stat().st_mode) == 0o640  # not mkstemp's 0600
        new.chmod(0o604)
        write_text_atomically(new, "y")
        assert stat.S_IMODE(new.stat().st_mode) == 0o604 and new.read_text() == "y"
    finally:
        os.umask(previous)


def test_csv_rows_round_trip(tmp_path):
    path = tmp_path / "t.csv"
    write_csv_atomically(path, [["step", "return"], [1, 2.5], [2, ""]])
    assert path.read_bytes() == b"step,return\r\n1,2.5\r\n2,\r\n"


def test_a_missing_folder_is_an_error_not_created(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_text_atomically(tmp_path / "missing" / "x.txt", "x")
    assert not (tmp_path / "missing").exists()
