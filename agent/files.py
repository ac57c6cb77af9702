"""Writing a file all or nothing: a crash or a kill leaves the old file or the new one, never half.

Every file the project writes for a person to keep (checkpoints, logs' CSVs, demonstrations,
track files, sweep tables and plots) goes through `write_atomically`.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO


def write_atomically(path: str | Path, write: Callable[[BinaryIO], object]) -> None:
    """Call `write(file)` on a temp file beside `path`, flush and fsync it, then swap it in with
    `os.replace` (atomic on POSIX and Windows) and fsync the directory.

    The folder must exist. The file keeps the permissions of the one it replaces (a new one gets
    what a plain open() gives: 0o666 less the umask). On any error the temp file is removed and
    the error raised. Temp files are named `.{name}.*.tmp`, so what a killed writer left is
    recognisable.
    """
    path = Path(path)
    mode = _mode_for(path)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temp_name, mode)  # mkstemp makes it 0600
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def write_text_atomically(path: str | Path, text: str) -> None:
    """`write_atomically` for UTF-8 text."""
    write_atomically(path, lambda file: file.write(text.encode("utf-8")))


def write_csv_atomically(path: str | Path, rows: Iterable[Sequence[object]]) -> None:
    """`write_atomically` for CSV rows (the csv module's own line endings)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    write_text_atomically(path, buffer.getvalue())


def remove_stale_temp_files(path: str | Path) -> None:
    """Remove the temp files a killed `write_atomically` of `path` left behind."""
    path = Path(path)
    prefix = f".{path.name}."
    for stale in path.parent.iterdir():
        if stale.name.startswith(prefix) and stale.name.endswith(".tmp"):
            stale.unlink(missing_ok=True)


def _mode_for(path: Path) -> int:
    """The permissions `path` has, or a new file gets (0o666 less the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mask = os.umask(0o022)  # reading the umask means setting it: set it back at once
        os.umask(mask)
        return 0o666 & ~mask


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
