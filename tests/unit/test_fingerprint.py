"""A folder's content fingerprint (what a kept audit is keyed by) changes with any byte of a file
read, follows no link, opens nothing but regular files, and reads no file over its bound."""

from __future__ import annotations

import os

import pytest

from cardkit.io.fingerprint import content_fingerprint, tree_fingerprint

LARGEST = 64


def _same_size_and_time(path, data: bytes) -> None:
    info = path.stat()
    path.write_bytes(data)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def test_a_byte_changed_under_the_same_size_and_time_is_seen(tmp_path):
    (tmp_path / "rev").mkdir()
    task = tmp_path / "rev" / "Task.json"
    task.write_bytes(b'{"main_score": 0.5}')
    before_tree, before = tree_fingerprint(tmp_path), content_fingerprint(tmp_path, LARGEST)
    _same_size_and_time(task, b'{"main_score": 0.9}')
    assert tree_fingerprint(tmp_path) == before_tree  # size and time alone miss it
    assert content_fingerprint(tmp_path, LARGEST) != before


def test_files_added_removed_and_renamed_are_seen(tmp_path):
    (tmp_path / "a.json").write_text("{}")
    prints = {content_fingerprint(tmp_path, LARGEST)}
    (tmp_path / "b.json").write_text("{}")
    prints.add(content_fingerprint(tmp_path, LARGEST))
    (tmp_path / "b.json").rename(tmp_path / "c.json")
    prints.add(content_fingerprint(tmp_path, LARGEST))
    (tmp_path / "a.json").unlink()
    prints.add(content_fingerprint(tmp_path, LARGEST))
    assert len(prints) == 4


def test_a_file_over_the_bound_counts_by_its_size_and_time_unread(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b"x" * (LARGEST + 1))
    before = content_fingerprint(tmp_path, LARGEST)
    _same_size_and_time(big, b"y" * (LARGEST + 1))
    assert content_fingerprint(tmp_path, LARGEST) == before  # its bytes are never read
    big.write_bytes(b"y" * (LARGEST + 2))
    assert content_fingerprint(tmp_path, LARGEST) != before


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_link_counts_by_where_it_points_and_is_not_followed(tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "Task.json").symlink_to(outside)
    before = content_fingerprint(folder, LARGEST)
    outside.write_text('{"changed": 1}')
    assert content_fingerprint(folder, LARGEST) == before  # the target's bytes are not read
    (folder / "Task.json").unlink()
    (folder / "Task.json").symlink_to(tmp_path / "elsewhere.json")
    assert content_fingerprint(folder, LARGEST) != before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")  # opening it for reading would wait for a writer
    (tmp_path / "Task.json").write_text("{}")
    assert content_fingerprint(tmp_path, LARGEST) == content_fingerprint(tmp_path, LARGEST)
