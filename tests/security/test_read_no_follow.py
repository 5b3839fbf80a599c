"""One reader for every user file: a push reads through it too, with links not followed."""

from __future__ import annotations

import pytest

from cardkit.io.userfile import FileTooLarge, UnreadableFile, read_bytes
from cardkit.publish.files import Refused, read_upload


def test_a_link_is_followed_unless_told_not_to(tmp_path):
    target = tmp_path / "card.md"
    target.write_bytes(b"---\n")
    link = tmp_path / "README.md"
    link.symlink_to(target)
    assert read_bytes(link) == b"---\n"
    with pytest.raises(UnreadableFile) as caught:
        read_bytes(link, follow=False)
    assert caught.value.not_regular and not caught.value.missing
    assert caught.value.reason == "a symbolic link, not a regular file"
    with pytest.raises(Refused, match=r"is a symbolic link \(to .*card\.md\): cardkit pushes"):
        read_upload(link)


def test_a_push_says_why_in_its_own_words(tmp_path):
    with pytest.raises(Refused, match="^no such file$"):
        read_upload(tmp_path / "nothing")
    with pytest.raises(Refused, match="^is not a regular file$"):
        read_upload(tmp_path)
    big = tmp_path / "big.png"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(FileTooLarge):
        read_bytes(big, limit=1024, follow=False)
    with pytest.raises(Refused, match=r"^is 0\.0 MB, over the 0 MB limit of a push$"):
        read_upload(big, limit=1024)
