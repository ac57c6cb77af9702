"""The editor's behaviour, without a window: the draft, its history, view, selection and check,
and the commands on them.

The pygame layer calls the commands (`undo`, `save`, ...) by key, `type_text`/`submit` while a
name is asked for, and the mouse's gestures on `editor.pointer` (game/editor/gestures.py).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from game.race.track_file import track_file_text
from game.editor import model, storage, validation
from game.editor.gestures import ZOOM_STEP, Gesture, Pointer
from game.editor.hittest import distance_to_segments
from game.editor.history import History
from game.editor.model import TrackDraft
from game.editor.storage import SaveError
from game.editor.validation import Check, LiveValidator
from game.editor.viewport import Viewport
from game.race.track import Track
from game.race.track_fields import MAX_NAME_CHARS

PAN_STEP_PX = 60
WIDTH_STEP_M = 1.0
ARROW_PX = 14
"""The start line's arrow is at least this long on screen [px]."""


class StartPose(NamedTuple):
    """Where the start line is drawn, and the arrow beyond it that drags it."""

    xy_m: np.ndarray
    """The start line's middle, on the centreline [m]."""
    ahead: np.ndarray
    """Unit vector: the way the cars drive."""
    arrow_m: float
    """The arrow's size [m]."""
    handle_m: np.ndarray
    """The arrow's middle: drag it to move the start line [m]."""


@dataclass
class Prompt:
    """A line of text being typed in the window (the save-as name)."""

    text: str = ""
    overwrite: Path | None = None
    """An existing file the answer points at: Enter again writes over it."""


@dataclass(frozen=True)
class Offer:
    """Unsaved changes kept from an earlier session, offered back when the editor opens."""

    draft: TrackDraft
    written_s: float
    """When they were kept (seconds since the epoch)."""


class Editor:
    """The track being edited, its history, the view of it, the selection and the live check."""

    def __init__(self, draft: TrackDraft, path: Path | None, view_size_px: tuple[int, int]):
        self.history = History(draft)
        self.path = path
        """Where Save writes (None: a new track, Save asks for a name)."""
        self.saved = draft
        """The draft as last opened or saved: changes since are unsaved (and kept on closing)."""
        self.viewport = Viewport(view_size_px)
        self.validator = LiveValidator(self._source(path))
        self.selected: int | None = None
        self.pointer = Pointer(self)
        self.prompt: Prompt | None = None
        self.offer: Offer | None = None
        self.message = ""
        """What the last command did (or why it could not), one line."""
        self.fit()

    # The state everything else reads.

    @property
    def draft(self) -> TrackDraft:
        """The current draft."""
        return self.history.current

    @property
    def dirty(self) -> bool:
        """Whether there are changes not in the file."""
        return self.draft != self.saved

    @property
    def check(self) -> Check:
        """The latest validation (of the current draft, or of one a moment ago while dragging)."""
        self.validate()
        return self.validator.latest

    def validate(self) -> bool:
        """Bring the live check up to date (throttled while dragging); whether it ran."""
        busy = self.pointer.gesture is not Gesture.NONE and self.validator.latest is not None
        return self.validator.update(self.draft, busy=busy)

    def points_m(self) -> np.ndarray:
        """[K, 2] the draft's points [m]."""
        return np.asarray(self.draft.points, dtype=np.float64).reshape(-1, 2)

    def start_pose(self) -> StartPose | None:
        """Where the start line is and which way the cars drive, when the track is valid."""
        track = self.check.track
        if track is None:
            return None
        xy, heading = track.pose_at(np.array([track.start_s_m]))
        ahead = np.array([np.cos(heading[0]), np.sin(heading[0])])
        arrow_m = max(track.half_width_m, ARROW_PX / self.viewport.scale)
        return StartPose(xy[0], ahead, arrow_m, xy[0] + ahead * arrow_m * 1.1)

    def fraction_at(self, xy_m: np.ndarray) -> float | None:
        """The lap fraction of the centreline point nearest `xy_m` (None when invalid)."""
        track: Track | None = self.check.track
        if track is None:
            return None
        centre = track.centerline_m
        distance = distance_to_segments(centre, np.roll(centre, -1, axis=0), xy_m)
        seg = int(distance.argmin())
        along = float(np.dot(xy_m - centre[seg], track.seg_dir[seg]))
        return (track.seg_s_m[seg] + min(max(along, 0.0), track.seg_len_m[seg])) / track.length_m

    # Commands (one key each).

    def undo(self) -> None:
        """Go back one edit."""
        self.message = "undone" if self.history.undo() else "nothing to undo"
        self._keep_selection()

    def redo(self) -> None:
        """Redo the edit undone last."""
        self.message = "redone" if self.history.redo() else "nothing to redo"
        self._keep_selection()

    def _keep_selection(self) -> None:
        if self.selected is not None and self.selected >= len(self.draft.points):
            self.selected = None

    def delete_point(self) -> None:
        """Delete the selected point."""
        if self.selected is None:
            self.message = "select a point first (click it)"
            return
        self.history.push(model.delete_point(self.draft, self.selected))
        self.selected = None

    def toggle_sharp(self) -> None:
        """Switch the selected point between a smooth curve and a sharp corner."""
        if self.selected is None:
            self.message = "select a point first (click it)"
            return
        self.history.push(model.toggle_sharp(self.draft, self.selected))
        self.message = "sharp corner" if self.selected in self.draft.sharp else "smooth curve"

    def widen(self, steps: float) -> None:
        """Make the track `steps` WIDTH_STEP_M wider (narrower when negative)."""
        self.history.push(model.set_width(self.draft, self.draft.width_m + steps * WIDTH_STEP_M))

    def reverse(self) -> None:
        """Drive the track the other way round."""
        if len(self.draft.points) >= 2:
            self.history.push(model.reverse(self.draft))
            self.selected = (
                None if self.selected is None else (-self.selected) % len(self.draft.points)
            )
            self.message = "driving direction reversed"

    def start_at_selected(self) -> None:
        """Put the start line at the selected point."""
        fraction = None
        if self.selected is not None:
            fraction = self.fraction_at(self.points_m()[self.selected])
        if fraction is None:
            self.message = "select a point of a valid track first"
            return
        self.history.push(model.set_start(self.draft, fraction))

    def new_track(self) -> None:
        """Start again from no points (click to place them; undo brings the old track back)."""
        self.history.push(
            dataclasses.replace(self.draft, points=(), sharp=frozenset(), start_fraction=0.0)
        )
        self.selected = None
        self.message = "new track: click to place its points in driving order"

    def zoom(self, notches: float) -> None:
        """Zoom about the middle of the view."""
        self.viewport.zoom(ZOOM_STEP**notches, tuple(np.asarray(self.viewport.size_px) / 2))

    def pan(self, dx: int, dy: int) -> None:
        """Move the view by PAN_STEP_PX in the direction (dx, dy)."""
        self.viewport.pan(-dx * PAN_STEP_PX, -dy * PAN_STEP_PX)

    def fit(self) -> None:
        """Show the whole track."""
        self.viewport.fit(self.draft.points if self.draft.points else [(-100, -100), (100, 100)])

    # Saving.

    def save(self) -> None:
        """Write the track to its file; a new or shipped track asks for a name instead."""
        if not self._refuse_invalid():
            if self.path is None or storage.is_shipped(self.path):
                self.save_as()
                if self.path is not None:
                    self.message = f"{self.path.stem} is a shipped track: save it under a new name"
            else:
                self._write(self.path)

    def save_as(self) -> None:
        """Ask for a name (saved into tracks/) or a path."""
        if not self._refuse_invalid():
            self.prompt = Prompt()
            self.message = "type a name (saved in tracks/) or a path, Enter to save, Esc to cancel"

    def _refuse_invalid(self) -> bool:
        """Say why an invalid track cannot be saved; whether it was refused."""
        check = self.validator.current(self.draft)
        if check.error is not None:
            self.message = f"not saved: {check.error}"
        return check.error is not None

    def type_text(self, text: str) -> None:
        """Characters typed into the prompt."""
        if self.prompt is not None:
            self.prompt.text += "".join(c for c in text if c.isprintable())
            self.prompt.overwrite = None

    def backspace(self) -> None:
        """Delete the last character typed into the prompt."""
        if self.prompt is not None:
            self.prompt.text = self.prompt.text[:-1]
            self.prompt.overwrite = None

    def submit(self) -> None:
        """Enter: save under the typed name, or restore the offered draft."""
        if self.offer is not None:
            self.history.push(self.offer.draft)
            self.offer, self.message = None, "unsaved changes restored (undo goes back to the file)"
            self.fit()
            return
        prompt = self.prompt
        if prompt is None:
            return
        try:
            target = storage.save_target(prompt.text)
        except SaveError as error:
            self.message = str(error)
            return
        if storage.is_shipped(target):
            self.message = f"{target.stem} is a shipped track: choose another name"
            return
        if target.exists() and target != self.path and prompt.overwrite != target:
            prompt.overwrite = target
            self.message = f"{target} exists: Enter again to write over it, or change the name"
            return
        name = prompt.text.strip() if storage.is_name(prompt.text) else self.draft.name
        if name == model.UNTITLED:
            name = target.stem
        if self._write(target, dataclasses.replace(self.draft, name=name[:MAX_NAME_CHARS])):
            self.prompt = None

    def cancel(self) -> bool:
        """Esc: close the prompt, dismiss the offer, or stop a gesture; False if there was none."""
        if self.offer is not None:
            self.offer, self.message = None, "the file as saved (its unsaved changes stay kept)"
        elif self.prompt is not None:
            self.prompt, self.message = None, "not saved"
        elif self.pointer.gesture is not Gesture.NONE:
            self.pointer.gesture = Gesture.NONE
        else:
            return False
        return True

    def _write(self, path: Path, draft: TrackDraft | None = None) -> bool:
        """Validate, then write the file atomically (the draft, renamed for save-as); whatever
        happens the work is kept."""
        draft = self.draft if draft is None else draft
        error = validation.check(draft, self._source(path)).error  # what is written is checked
        try:
            if error is not None:
                raise SaveError(str(error))
            storage.write_atomic(path, track_file_text(draft.to_file()))
        except SaveError as failure:
            self.message = f"not saved: {failure}"
            return False
        storage.remove_draft(self.path)
        if path != self.path:
            self.validator.rename(self._source(path))
        self.history.push(draft)  # a new name is an edit: undo gives back the old one
        self.path, self.saved = path, draft
        self.message = f"saved {storage.shown(path)}"
        return True

    @staticmethod
    def _source(path: Path | None) -> str:
        return "untitled" if path is None else str(path)

    # Drafts of unsaved work.

    def offer_kept_draft(self) -> None:
        """Offer the unsaved changes a previous session kept for this track, if any differ."""
        kept = storage.read_draft(self.path)
        if kept is not None and kept[0] != self.draft:
            self.offer = Offer(*kept)
            stamp = time.strftime("%d %b %H:%M", time.localtime(kept[1]))
            self.message = (
                f"unsaved changes from {stamp} found: Enter restores them, Esc keeps the file"
            )

    def keep_draft(self) -> Path | None:
        """Keep unsaved changes next to the file (the window is closing); where, if any."""
        if not self.dirty:
            return None
        return storage.write_draft(self.path, self.draft)
