"""Open the editor in a window on a track (a shipped one, a file, a new file, or a starter loop)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from game.app import App, AppConfig
from game.editor.editor import Editor
from game.editor.mode import EditMode
from game.editor.model import TrackDraft, starter_loop
from game.errors import TrackError
from game.race.generate import generate_track
from game.race.track_choice import GENERATED_PREFIX
from game.race.track_fields import MAX_NAME_CHARS
from game.race.track_file import (
    TrackSpec,
    read_track_file,
    resolve_track_path,
    shipped_tracks,
)


def open_track(track: str | None) -> tuple[TrackDraft, Path | None]:
    """The draft to edit and the file it saves to, for --track NAME|PATH|random:N (or none).

    A shipped name or an existing file opens it (a file whose borders cross opens too, to be
    fixed; a malformed one is a one-line TrackError); a .json path that does not exist yet
    starts a new track that saves there; no --track starts a new track from a small loop.
    """
    if track is None:
        return starter_loop(), None
    if track.startswith(GENERATED_PREFIX):
        return TrackDraft.from_spec(generated_track(track)), None
    path = Path(track).expanduser()
    if track not in shipped_tracks() and path.suffix.lower() == ".json" and not path.exists():
        return dataclasses.replace(starter_loop(), name=path.stem[:MAX_NAME_CHARS]), path
    path = resolve_track_path(track)
    return TrackDraft.from_spec(read_track_file(path)), path


def generated_track(track: str) -> TrackSpec:
    """The spec of generated track N for --track random:N (opened as a new track: Save asks a
    name, so a generated track a person likes is kept as a track file)."""
    number = track.removeprefix(GENERATED_PREFIX)
    if not number.isdecimal():
        raise TrackError(
            f"--track: expected {GENERATED_PREFIX}N (N >= 0) to edit generated track N, "
            f"got {track!r}"
        )
    return generate_track(int(number))


def attach_editor(app: App, draft: TrackDraft, path: Path | None) -> EditMode:
    """Show the editor on `draft` (saving to `path`) in the App's window, offering kept changes."""
    editor = Editor(draft, path, app.scene_rect.size)
    editor.offer_kept_draft()
    mode = EditMode(editor, app.keyboard, app.push)
    app.attach(mode)
    return mode


def edit(track: str | None, config: AppConfig, max_frames: int | None = None) -> App:
    """Edit the track in a window until it closes; unsaved changes are kept as a draft."""
    draft, path = open_track(track)  # a bad --track is one line, before the window opens
    app = App(config)
    try:
        mode = attach_editor(app, draft, path)
    except BaseException:
        app.close()
        raise
    app.run(max_frames)
    if mode.kept is not None:
        print(
            f"unsaved changes kept in {mode.kept}: the editor offers them when it opens this track"
        )
    if mode.keep_error is not None:
        print(
            f"main.py: error: unsaved changes could not be kept: {mode.keep_error}", file=sys.stderr
        )
    return app
