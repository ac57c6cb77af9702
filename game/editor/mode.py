"""The editor as a mode of the App: window events become editor gestures and commands."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pygame

from game.editor import trials
from game.editor.editor import Editor
from game.editor.draw import EditorView
from game.editor.storage import SaveError
from game.input import Keyboard, key_code
from game.modes import Mode
from game.scenes import scene_spec

OpenMode = Callable[[Mode, "float | None"], None]
"""Shows another mode until Esc, at a speed (App.push)."""


class Binding(NamedTuple):
    """Keys that run one command: a method of the Editor (or of the mode: MODE_COMMANDS)."""

    keys: tuple[str, ...]
    """pygame key names."""
    label: str
    """How the keys are written in the legend."""
    meaning: str
    command: str
    args: tuple[object, ...] = ()
    ctrl: bool = False
    shift: bool | None = None
    """None: with or without Shift."""


CTRL, SHIFT, PLAIN = {"ctrl": True}, {"shift": True}, {"shift": False}
BINDINGS = (
    Binding(("z",), "Ctrl+Z", "undo", "undo", **CTRL, **PLAIN),
    Binding(("y",), "Ctrl+Y", "redo (also Ctrl+Shift+Z)", "redo", **CTRL),
    Binding(("z",), "", "", "redo", **CTRL, **SHIFT),
    Binding(("s",), "Ctrl+S", "save", "save", **CTRL, **PLAIN),
    Binding(
        ("s",),
        "Ctrl+Shift+S",
        "save as: a name (into tracks/) or a path",
        "save_as",
        **CTRL,
        **SHIFT,
    ),
    Binding(("delete", "backspace"), "Del", "delete the selected point", "delete_point"),
    Binding(("c",), "C", "selected corner: smooth / sharp", "toggle_sharp"),
    Binding(("[",), "[ / ]", "track width -1 / +1 m", "widen", (-1,)),
    Binding(("]",), "", "", "widen", (1,)),
    Binding(("l",), "L", "start line at the selected point", "start_at_selected"),
    Binding(("r",), "R", "reverse the driving direction", "reverse"),
    Binding(("=", "+", "[+]"), "+ / -", "zoom in / out (or the wheel)", "zoom", (1,)),
    Binding(("-", "[-]"), "", "", "zoom", (-1,)),
    Binding(("left",), "arrows", "pan (or drag with the right button)", "pan", (-1, 0)),
    Binding(("right",), "", "", "pan", (1, 0)),
    Binding(("up",), "", "", "pan", (0, -1)),
    Binding(("down",), "", "", "pan", (0, 1)),
    Binding(("f",), "F", "show the whole track", "fit"),
    Binding(("n",), "N", "new track: click its points in driving order", "new_track"),
    Binding(("d",), "D", "drive it yourself", "try_track", ("drive",)),
    Binding(("w",), "W", "watch the scripted driver on it", "try_track", ("watch",)),
    Binding(("t",), "T", "train PPO on it, live", "try_track", ("train",)),
    Binding(("h", "f1"), "H", "show / hide the keys over the track", "toggle_help"),
)
MODE_COMMANDS = ("try_track", "toggle_help")
MOUSE_LEGEND = (
    ("click", "add a point after the selected one"),
    ("click a segment", "insert a point there"),
    ("drag", "move a point, or the start line by its arrow"),
    ("right click", "delete a point"),
)
PASS_THROUGH = ("f12", "p")
"""Keys left to the engine besides Esc (quit, when there is nothing to cancel): screenshots."""


def legend() -> list[tuple[str, str]]:
    """(keys, meaning) rows for the help overlay and the panel (one row per command)."""
    keys = [(b.label, b.meaning) for b in BINDINGS if b.label]  # the unlabelled share a row
    return [*MOUSE_LEGEND, *keys, ("Esc", "quit (unsaved changes are kept)")]


class EditMode(Mode):
    """The track editor in the window; D, W and T open a drive, watch or train mode on the track."""

    name = "edit"

    def __init__(self, editor: Editor, keyboard: Keyboard, open_mode: OpenMode):
        self.editor = editor
        self.editor_view = EditorView(editor, legend())
        super().__init__(scene_spec(trials.SCENE), self.editor_view, steps_per_second=0.0)
        self.keyboard = keyboard
        self.open_mode = open_mode
        self.kept: Path | None = None
        """Where unsaved changes were kept when the editor closed."""
        self.keep_error: str | None = None
        self._bindings: dict[tuple[int, bool, bool], Binding] = {}
        for binding in BINDINGS:
            for key in binding.keys:
                for shift in (False, True) if binding.shift is None else (binding.shift,):
                    self._bindings[key_code(key), binding.ctrl, shift] = binding
        self._pass = {key_code(key) for key in PASS_THROUGH}
        self._mouse_px = (0.0, 0.0)
        # Everything loaded so far (numpy, numba, gymnasium, torch, pygame) is there to stay:
        # frozen, the full garbage collections that dragging triggers skip it. Measured with
        # the editor open: 202,000 objects, a full collection 100 ms of CPU (a dragged point
        # froze for as long); frozen, under 0.1 ms.
        gc.freeze()

    def handle_event(self, event: pygame.event.Event) -> bool:
        """Mouse, wheel, typing and the editor's keys (Esc with nothing to cancel: the engine's)."""
        editor = self.editor
        if event.type == pygame.MOUSEBUTTONDOWN:
            self._mouse_px = event.pos
            if event.button in (1, 2, 3) and self._in_view(event.pos):
                editor.pointer.press(event.pos, event.button)
            return True
        if event.type == pygame.MOUSEMOTION:
            self._mouse_px = event.pos
            editor.pointer.drag(event.pos)
            return True
        if event.type == pygame.MOUSEBUTTONUP:
            if event.button in (1, 2, 3):
                editor.pointer.release(event.pos)
            return True
        if event.type == pygame.MOUSEWHEEL:
            editor.pointer.wheel(self._mouse_px, getattr(event, "precise_y", event.y))
            return True
        if event.type == pygame.TEXTINPUT:
            editor.type_text(event.text)
            return True
        if event.type == pygame.KEYDOWN:
            return self._key(event)
        return False

    def _in_view(self, xy_px: tuple[int, int]) -> bool:
        width, height = self.editor.viewport.size_px
        return 0 <= xy_px[0] < width and 0 <= xy_px[1] < height

    def _key(self, event: pygame.event.Event) -> bool:
        """A key went down: answer the prompt or the offer, or run the key's command."""
        editor = self.editor
        if event.key == pygame.K_ESCAPE:
            return editor.cancel()
        if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            editor.submit()
            return True
        if editor.prompt is not None or editor.offer is not None:
            if event.key == pygame.K_BACKSPACE:
                editor.backspace()
            return event.key != pygame.K_F12  # letters are typed (TEXTINPUT), not hotkeys
        mods = getattr(event, "mod", 0)
        ctrl, shift = (
            bool(mods & (pygame.KMOD_CTRL | pygame.KMOD_META)),
            bool(mods & pygame.KMOD_SHIFT),
        )
        binding = self._bindings.get((event.key, ctrl, shift))
        if binding is not None:
            self._run(binding)
            return True
        return event.key not in self._pass

    def _run(self, binding: Binding) -> None:
        owner = self if binding.command in MODE_COMMANDS else self.editor
        getattr(owner, binding.command)(*binding.args)

    def toggle_help(self) -> None:
        """Show or hide the list of keys over the track."""
        self.editor_view.show_help = not self.editor_view.show_help

    def try_track(self, how: str) -> None:
        """Drive, watch or train on the track as it is now (if it is valid)."""
        editor = self.editor
        check = editor.validator.current(editor.draft)
        if check.track is None:
            editor.message = f"cannot {how} it yet: {check.error}"
            return
        try:
            if how == "drive":
                self.open_mode(trials.drive_mode(check.track, self.keyboard), None)
            elif how == "watch":
                self.open_mode(trials.watch_mode(check.track), None)
            else:
                self.open_mode(trials.train_mode(editor.draft), trials.TRAIN_SPEED)
        except SaveError as error:
            editor.message = f"cannot train: {error}"

    def advance(self, quota: float, deadline_s: float) -> int:
        """No world to step: bring the live validation up to date instead."""
        self.editor.validate()
        return 0

    def notify(self, text: str) -> None:
        """Engine notices (a screenshot saved) go to the editor's message line."""
        self.editor.message = text

    def hud_state(self) -> None:
        """The editor draws its own panel."""
        return None

    def close(self) -> None:
        """Keep unsaved changes next to the track file, to be offered next time."""
        gc.unfreeze()
        try:
            self.kept = self.editor.keep_draft()
        except SaveError as error:
            self.keep_error = str(error)
