"""The CLI run with an output on a pseudo-terminal, as a user's shell runs it."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Literal


def run_on_terminal(
    *args: str | Path,
    stream: Literal["stdout", "stderr"] = "stdout",
    env: dict[str, str] | None = None,
) -> tuple[int, str]:
    """Exit status and what ``stream`` showed, on a terminal of 24 rows of 100 columns (the
    other stream is dropped); a new pseudo-terminal has no size, which no user's has."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    streams = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, stream: follower}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cardkit", *map(str, args)],
        env={**os.environ, **(env or {})},
        **streams,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    status = proc.wait(timeout=300)
    os.close(leader)
    return status, b"".join(chunks).decode()
