"""``daemon logs [-f]``: the end of the supervisor's and the workers' logs, and with ``follow`` what they log from
then on (each line prefixed by its file's name), until interrupted."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from ._files import DaemonFiles

__all__ = ["show_logs"]

FOLLOW_POLL = 0.2


def show_logs(files: DaemonFiles, output: TextIO, *, lines: int = 30, follow: bool = False) -> None:
    """Write the last ``lines`` lines of each log to ``output``; with ``follow``, go on writing what is appended."""
    offsets: dict[Path, int] = {}
    for path in files.logs():
        text = path.read_bytes()
        offsets[path] = len(text)
        tail = text.decode(errors="replace").splitlines()[-lines:] if lines else []
        output.write(f"==> {path} <==\n" + "".join(f"{line}\n" for line in tail))
    output.flush()
    while follow:
        time.sleep(FOLLOW_POLL)
        for path in files.logs():  # a worker added meanwhile has a new log
            _write_new(path, offsets, output)


def _write_new(path: Path, offsets: dict[Path, int], output: TextIO) -> None:
    try:
        size = path.stat().st_size
    except OSError:
        return
    start = offsets.get(path, 0)
    if size < start:  # truncated: read it again from its start
        start = 0
    if size == start:
        return
    with path.open("rb") as handle:
        handle.seek(start)
        new = handle.read()
    complete = new.rfind(b"\n") + 1  # a line still being written waits for its end
    offsets[path] = start + complete
    for line in new[:complete].decode(errors="replace").splitlines():
        output.write(f"[{path.stem}] {line}\n")
    output.flush()
