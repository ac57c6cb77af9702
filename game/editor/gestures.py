"""Mouse gestures in the editor (screen pixels in its view): click, drag, right click, wheel."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import numpy as np

from game.editor import model
from game.editor.hittest import SEGMENT_RADIUS_PX, nearest_point, nearest_segment
from game.editor.model import TrackDraft

if TYPE_CHECKING:
    from game.editor.editor import Editor

ZOOM_STEP = 1.2
"""One wheel notch (or + / -) zooms by this factor."""
DRAG_PX = 3.0
"""The mouse must move this far with the button down before a point moves (a click selects)."""
LEFT, MIDDLE, RIGHT = 1, 2, 3
"""Mouse buttons, as pygame numbers them."""


class Gesture(enum.Enum):
    """What a held mouse button is doing."""

    NONE = "none"
    MOVE_POINT = "move a point"
    MOVE_START = "move the start line"
    PAN = "pan"


class Pointer:
    """The mouse on the editor: which gesture the held button makes, and from where."""

    def __init__(self, editor: Editor):
        self.editor = editor
        self.gesture = Gesture.NONE
        self._gesture_moved = False
        """Whether the gesture has changed the draft yet (its first change is a new undo step)."""
        self._last_px = self._press_px = np.zeros(2)
        self._grab_m = np.zeros(2)
        """Where the grabbed point is from the mouse [m]: it follows the mouse without a jump."""

    def press(self, xy_px: tuple[float, float], button: int) -> None:
        """A mouse button went down at `xy_px`: grab a point, the start line's arrow, or the
        view; or add a point (left), or delete one (right)."""
        editor = self.editor
        self._last_px = self._press_px = np.asarray(xy_px, dtype=np.float64)
        self._gesture_moved = False
        if editor.offer is not None or editor.prompt is not None:
            return  # answer the question first
        point = nearest_point(editor.viewport.to_screen(editor.points_m()), xy_px)
        if button == MIDDLE or (button == RIGHT and point is None):
            self.gesture = Gesture.PAN
        elif button == RIGHT:
            editor.selected = point
            editor.delete_point()
        elif button == LEFT and point is None and self._on_start_handle(xy_px):
            self.gesture = Gesture.MOVE_START
        elif button == LEFT:
            if point is None:
                self._add_point(xy_px)
            else:
                editor.selected = point
            self.gesture = Gesture.MOVE_POINT
            grabbed = editor.points_m()[editor.selected]
            self._grab_m = grabbed - editor.viewport.to_world(xy_px)

    def drag(self, xy_px: tuple[float, float]) -> None:
        """The mouse moved to `xy_px` (with the button still held, if a gesture is going on)."""
        editor = self.editor
        xy_px = np.asarray(xy_px, dtype=np.float64)
        delta, self._last_px = xy_px - self._last_px, xy_px
        if self.gesture is Gesture.PAN:
            editor.viewport.pan(*delta)
        elif not self._gesture_moved and np.hypot(*(xy_px - self._press_px)) < DRAG_PX:
            return  # a click, not yet a drag: nothing moves
        elif self.gesture is Gesture.MOVE_POINT and editor.selected is not None:
            where = editor.viewport.to_world(xy_px) + self._grab_m
            self._edit(model.move_point(editor.draft, editor.selected, where))
        elif self.gesture is Gesture.MOVE_START:
            fraction = editor.fraction_at(editor.viewport.to_world(xy_px))
            if fraction is not None:
                self._edit(model.set_start(editor.draft, fraction))

    def release(self, xy_px: tuple[float, float]) -> None:
        """The mouse button came up: the gesture ends (a drag is one undo step)."""
        self.drag(xy_px)
        self.gesture = Gesture.NONE

    def wheel(self, xy_px: tuple[float, float], notches: float) -> None:
        """Zoom in (notches > 0) or out about `xy_px`."""
        self.editor.viewport.zoom(ZOOM_STEP**notches, xy_px)

    def _edit(self, draft: TrackDraft) -> None:
        """Apply an edit made by the mouse: the first change of a gesture is a new undo step."""
        if self._gesture_moved:
            self.editor.history.amend(draft)
        else:
            self._gesture_moved = self.editor.history.push(draft)

    def _add_point(self, xy_px: tuple[float, float]) -> None:
        """A click off the points: on a segment, insert there; elsewhere, after the selected one."""
        editor = self.editor
        view = editor.viewport
        radius = max(SEGMENT_RADIUS_PX, editor.draft.width_m / 2 * view.scale)
        segment = nearest_segment(view.to_screen(editor.points_m()), xy_px, radius)
        if segment is not None:
            index = segment + 1
        elif editor.selected is not None:
            index = editor.selected + 1
        else:
            index = len(editor.draft.points)
        editor.history.push(model.insert_point(editor.draft, index, view.to_world(xy_px)))
        editor.selected, self._gesture_moved = index, True

    def _on_start_handle(self, xy_px: tuple[float, float]) -> bool:
        """Whether `xy_px` is on the start line's arrow."""
        pose = self.editor.start_pose()
        if pose is None:
            return False
        return nearest_point(self.editor.viewport.to_screen(pose.handle_m), xy_px) is not None
