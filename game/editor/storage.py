"""Where tracks go: atomic saves, save-as names, the shipped tracks kept safe, and drafts."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

from game.race.track_file import track_file_text
from game.editor.model import TrackDraft
from agent.files import write_text_atomically
from game.errors import GameError
from game.race.track_file import TRACKS_DIR

SHIPPED_TRACKS = frozenset({"oval", "hairpins", "chicanes", "speedway"})
"""The tracks that come with the game (tracks/README.md): the editor never writes over them."""
DRAFT_SUFFIX = ".draft"
"""A draft of unsaved changes sits next to its track file: track.json -> track.json.draft
(not *.json, so a draft is never listed or loaded as a track)."""
UNTITLED_PATH = TRACKS_DIR / "untitled.json"
"""Where a new track's draft is kept until it has a name."""


class SaveError(GameError):
    """A track cannot be written there; the message is one line naming the path."""


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` all or nothing (agent/files.py); SaveError (one line) if it cannot."""
    try:
        write_text_atomically(path, text)
    except OSError as error:
        raise SaveError(
            f"{path}: cannot save here ({error.strerror or type(error).__name__})"
        ) from None


def save_target(text: str) -> Path:
    """Where a save-as answer points: a name goes into tracks/ as name.json, a path is a path."""
    text = text.strip()
    if not text:
        raise SaveError("save as: expected a track name or a file path, got nothing")
    if not is_name(text):
        path = Path(text).expanduser()
        return path if path.suffix.lower() == ".json" else path.with_name(f"{path.name}.json")
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug:
        raise SaveError(f"save as: expected a name with a letter or digit, got {text!r}")
    return TRACKS_DIR / f"{slug}.json"


def shown(path: Path) -> str:
    """A path as the editor shows it: relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def is_name(text: str) -> bool:
    """Whether a save-as answer is a track name (not a path): no folder, no .json."""
    text = text.strip()
    return not (
        "/" in text or os.sep in text or text.startswith("~") or text.lower().endswith(".json")
    )


def is_shipped(path: Path) -> bool:
    """Whether `path` is one of the game's own track files."""
    return path.stem in SHIPPED_TRACKS and _same_file(path, TRACKS_DIR / f"{path.stem}.json")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def draft_path(path: Path | None) -> Path:
    """Where the draft of unsaved changes to the track at `path` (or a new track) is kept."""
    path = UNTITLED_PATH if path is None else path
    return path.with_name(path.name + DRAFT_SUFFIX)


def write_draft(path: Path | None, draft: TrackDraft) -> Path:
    """Keep `draft` next to the track file (SaveError if that cannot be written)."""
    target = draft_path(path)
    write_atomic(target, track_file_text(draft.to_file()))
    return target


def read_draft(path: Path | None) -> tuple[TrackDraft, float] | None:
    """The draft kept for the track at `path` and when it was written (None if none is readable)."""
    source = draft_path(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        return TrackDraft.from_file(data), source.stat().st_mtime
    except (OSError, ValueError, KeyError, TypeError, IndexError, RecursionError):
        return None


def remove_draft(path: Path | None) -> None:
    """Forget the kept draft (after a save)."""
    with contextlib.suppress(OSError):
        draft_path(path).unlink()
