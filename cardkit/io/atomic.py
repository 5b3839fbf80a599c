"""Writing an output file: atomically for a file, directly for a stream, never through a link.

What an output path may name, and what happens to it:

- ``-``: standard output;
- a regular file, or nothing yet: a temporary file in the same folder is written, synced,
  given the old file's mode and renamed over it, so a reader (or a crash) sees the old file or
  the new one, never half;
- a character device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe, including through
  a link such as ``/dev/stdout``): written directly, never replaced by a file, and only when the
  user named it as the output (``named=True``, their ``-o``). A default or derived output (the
  ``README.md`` of the current folder, a card's ``.html`` beside it, the files of a store) is a
  regular file or nothing: a repository can ship ``README.html -> /dev/watchdog``;
- a symbolic link to anything else, a folder, a block device or a socket: refused with one
  line, and nothing is written.

A failed write (a full disk: ``/dev/full``, a closed pipe) is one CardkitError naming the path.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
from pathlib import Path
from typing import Literal

from cardkit.io.errors import CardkitError

STDOUT = Path("-")

OutputKind = Literal["stdout", "missing", "file", "stream"]


def is_stdout(path: Path) -> bool:
    return Path(path) == STDOUT


def output_kind(path: Path, named: bool = True) -> OutputKind:
    """What ``path`` is as an output (see the module docstring); a refused one raises.

    ``named``: the user named this path (``-o``); a device or FIFO that is not is refused.
    """
    path = Path(path)
    if is_stdout(path):
        return "stdout"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "missing"
    except (OSError, ValueError) as exc:
        raise CardkitError(f"cannot be written: {_reason(exc)}", path) from None
    if stat.S_ISREG(info.st_mode):
        return "file"
    if _is_stream(info.st_mode):
        return _stream(path, info.st_mode, named)
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.stat(path)
        except (OSError, ValueError):
            target = None
        if target is not None and _is_stream(target.st_mode):
            return _stream(path, target.st_mode, named, os.readlink(path))
        raise CardkitError(
            f"is a symbolic link (to {os.readlink(path)}): cardkit does not write through "
            "links; give the file it points to instead",
            path,
        )
    if stat.S_ISDIR(info.st_mode):
        raise CardkitError("is a folder, not a file", path)
    raise CardkitError("is not a regular file, a character device or a FIFO", path)


def _stream(path: Path, mode: int, named: bool, link: str | None = None) -> OutputKind:
    """A device or FIFO is an output only when the user named it."""
    if named:
        return "stream"
    what = "a FIFO" if stat.S_ISFIFO(mode) else "a character device"
    via = f"a symbolic link to {what} ({link})" if link is not None else what
    raise CardkitError(
        f"is {via}: cardkit writes into a device or a pipe only when it is named as the "
        "output (-o); nothing written",
        path,
    )


def is_stream(path: Path) -> bool:
    """Standard output, a character device or a FIFO (a link to one too): no file to make."""
    if is_stdout(path):
        return True
    try:
        return _is_stream(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _is_stream(mode: int) -> bool:
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def write_bytes_atomic(path: Path, data: bytes, named: bool = False) -> None:
    """Write ``data`` to ``path`` as the module docstring says; every failure is one
    CardkitError naming the path.

    ``named``: the user named ``path`` as the output, so it may be a device or a FIFO.
    """
    path = Path(path)
    kind = output_kind(path, named)
    if kind == "stdout":
        try:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise CardkitError(f"cannot write to standard output: {_reason(exc)}") from None
    elif kind == "stream":
        _write_stream(path, data)
    else:
        try:
            _replace_file(path, data)
        except OSError as exc:
            raise CardkitError(f"cannot write: {_reason(exc)}", path) from None


def _write_stream(path: Path, data: bytes) -> None:
    """A device or FIFO is opened without creating anything, and checked again once open."""
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise CardkitError(f"cannot write: {_reason(exc)}", path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if not _is_stream(os.fstat(handle.fileno()).st_mode):
                raise CardkitError("changed while it was being opened: nothing written", path)
            handle.write(data)
    except OSError as exc:  # a full device (/dev/full), a reader gone
        raise CardkitError(f"cannot write: {_reason(exc)}", path) from None


def _replace_file(path: Path, data: bytes) -> None:
    """Temporary file in the same folder, fsync, the old file's mode, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    # Not tempfile.mkstemp: its caller learns the name only once the file exists, and a signal
    # in between (Ctrl-C, SIGTERM) would leave the file behind. Here ``finally`` knows the
    # name from before the file can exist.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    tmp_name: str | None = None
    try:
        for _ in range(100):
            tmp_name = str(path.parent / f".{path.name}.{os.urandom(8).hex()}.tmp")
            try:
                fd = os.open(tmp_name, flags, 0o600)
                break
            except FileExistsError:
                tmp_name = None
        else:
            raise CardkitError("cannot make a temporary file beside it", path)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        # The path may have become a link or folder since it was checked: never replace those.
        if output_kind(path) not in ("missing", "file"):
            raise CardkitError("changed while it was being written: nothing written", path)
        os.replace(tmp_name, path)
        tmp_name = None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


# The temporary file of a write in progress: ``.<name>.<16 hex digits>.tmp`` beside ``name``.
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{16}\.tmp")


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files of writes that a killed process left in ``folder`` (a
    SIGKILL or a power cut gives no chance to remove them); only regular files named as this
    module names them. For a folder no other process writes into meanwhile."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if _TEMPORARY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def write_text_atomic(path: Path, text: str, named: bool = False) -> None:
    """Text is written as UTF-8 with its newlines exactly as given (no translation);
    ``named`` as for `write_bytes_atomic`."""
    write_bytes_atomic(path, text_bytes(path, text), named)


def text_bytes(path: Path, text: str) -> bytes:
    """The bytes `write_text_atomic` writes of ``text`` at ``path``; text that is not Unicode
    is one error naming the file."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CardkitError(
            f"cannot be written: the text holds {exc.object[exc.start : exc.end]!r}, "
            "which is not Unicode text (a lone surrogate from an escape in the input)",
            path,
        ) from None
