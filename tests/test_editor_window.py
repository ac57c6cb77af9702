"""The track editor in the window, under SDL's dummy driver, driven by injected pygame events."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

from game.race.track_file import track_file_text
from game.app import App, AppConfig
from game.editor import storage
from game.editor.draw import PROBLEM
from game.editor.launch import attach_editor, open_track
from game.editor.mode import EditMode
from game.editor.model import TrackDraft, starter_loop
from game.errors import TrackError
from game.modes import DriveMode, TrainMode
from game.race.track import load_track
from game.race.track_file import read_track_file

ROOT = Path(__file__).resolve().parents[1]
HEXAGON = ((-50.0, -40.0), (50.0, -40.0), (70.0, 10.0), (40.0, 50.0), (-40.0, 50.0), (-70.0, 10.0))


@pytest.fixture(autouse=True)
def quit_pygame(tmp_path, monkeypatch):
    """Drafts of new tracks go to a temporary folder; pygame is shut after."""
    monkeypatch.setattr(storage, "UNTITLED_PATH", tmp_path / "untitled.json")
    yield
    pygame.quit()


def open_editor(draft, path=None):
    app = App(AppConfig())
    mode = attach_editor(app, draft, path)
    app.frame()
    return app, mode, mode.editor


def post(kind, **fields):
    pygame.event.post(pygame.event.Event(kind, **fields))


def key(code, mod=0, frames=1, app=None):
    post(pygame.KEYDOWN, key=code, mod=mod)
    post(pygame.KEYUP, key=code, mod=mod)
    for _ in range(frames):
        app.frame()


def click(app, editor, xy_m, button=1):
    xy = tuple(editor.viewport.to_screen(xy_m))
    post(pygame.MOUSEBUTTONDOWN, pos=xy, button=button)
    post(pygame.MOUSEBUTTONUP, pos=xy, button=button)
    app.frame()


def drag(app, editor, from_m, to_m, steps=6):
    start, end = editor.viewport.to_screen(from_m), editor.viewport.to_screen(to_m)
    post(pygame.MOUSEBUTTONDOWN, pos=tuple(start), button=1)
    for f in np.linspace(0, 1, steps):
        post(
            pygame.MOUSEMOTION, pos=tuple(start + (end - start) * f), rel=(0, 0), buttons=(1, 0, 0)
        )
        app.frame()
    post(pygame.MOUSEBUTTONUP, pos=tuple(end), button=1)
    app.frame()


def type_text(app, text):
    post(pygame.TEXTINPUT, text=text)
    app.frame()


def test_clicks_and_drags_build_a_track_that_saves_and_loads_the_same(tmp_path):
    app, mode, editor = open_editor(starter_loop())
    key(pygame.K_n, app=app)  # a new track: no points
    assert editor.draft.points == ()
    for xy in HEXAGON:
        click(app, editor, xy)
    drag(app, editor, HEXAGON[2], (80.0, 10.0))
    assert editor.draft.points == (*HEXAGON[:2], (80.0, 10.0), *HEXAGON[3:])
    key(pygame.K_c, app=app)  # the dragged point (selected) becomes a sharp corner
    key(pygame.K_RIGHTBRACKET, app=app)  # 1 m wider
    assert editor.draft.sharp == {2} and editor.draft.width_m == 13.0
    key(pygame.K_s, mod=pygame.KMOD_CTRL, app=app)  # a new track: Save asks for a name
    assert editor.prompt is not None
    type_text(app, str(tmp_path / "drawn"))
    key(pygame.K_RETURN, app=app)
    path = tmp_path / "drawn.json"
    assert editor.message == f"saved {path}" and not editor.dirty
    spec = read_track_file(path)  # the file validates...
    assert spec.sharp_corners == (2,) and spec.width_m == 13.0
    assert np.array_equal(
        load_track(path).geometry, editor.check.track.geometry
    )  # ...the same track
    app.close()
    assert mode.kept is None  # nothing unsaved, no draft kept


def test_borders_that_cross_are_flagged_where_they_cross_and_saving_is_refused(tmp_path):
    path = tmp_path / "hexagon.json"
    path.write_text(track_file_text(TrackDraft(HEXAGON).to_file()))
    app, _, editor = open_editor(*open_track(str(path)))
    drag(app, editor, HEXAGON[2], (-90.0, 10.0))  # across the loop: the track overlaps itself
    for _ in range(3):
        app.frame()
    error = editor.check.error
    assert error is not None and "expected borders that never cross" in str(error)
    spot = editor.viewport.to_screen(error.at_m).round().astype(int)
    ring = [
        app.window.get_at((spot[0] + dx, spot[1] + dy))[:3]
        for dx in range(-20, 21)
        for dy in range(-20, 21)
    ]
    assert PROBLEM in ring  # the red ring drawn round it
    before = path.read_bytes()
    key(pygame.K_s, mod=pygame.KMOD_CTRL, app=app)
    assert editor.message == f"not saved: {error}" and path.read_bytes() == before
    assert editor.draft.points[2] == (-90.0, 10.0)  # the work is still there
    app.close()


def test_undo_and_redo_restore_the_geometry_exactly():
    app, _, editor = open_editor(TrackDraft(HEXAGON))
    before = editor.check.track.geometry.copy()
    drag(app, editor, HEXAGON[1], (55.0, -45.0))
    moved = editor.check.track.geometry.copy()
    assert not np.array_equal(moved, before)
    key(pygame.K_z, mod=pygame.KMOD_CTRL, app=app)
    assert editor.draft == TrackDraft(HEXAGON)
    assert np.array_equal(editor.check.track.geometry, before)
    key(pygame.K_z, mod=pygame.KMOD_CTRL | pygame.KMOD_SHIFT, app=app)
    assert np.array_equal(editor.check.track.geometry, moved)
    app.close()


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders"
)
def test_a_save_into_a_read_only_folder_is_one_line_and_keeps_the_work(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    app, _, editor = open_editor(TrackDraft(HEXAGON))
    drag(app, editor, HEXAGON[0], (-55.0, -45.0))
    edited = editor.draft
    key(pygame.K_s, mod=pygame.KMOD_CTRL | pygame.KMOD_SHIFT, app=app)
    type_text(app, str(folder / "mine.json"))
    key(pygame.K_RETURN, app=app)
    assert editor.message.startswith(
        f"not saved: {folder / 'mine.json'}: cannot save here (Permission denied"
    )
    assert "\n" not in editor.message and editor.draft is edited and editor.dirty
    assert list(folder.iterdir()) == []
    app.close()


def test_drive_watch_and_train_it_then_esc_comes_back_with_the_work_intact(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the training run goes to runs/ in the working folder
    app, mode, editor = open_editor(TrackDraft(HEXAGON))
    drag(app, editor, HEXAGON[3], (45.0, 55.0))
    work = editor.draft
    length_m = editor.check.track.length_m
    for letter, kind, name in (
        (pygame.K_d, DriveMode, "play"),
        (pygame.K_w, DriveMode, "watch"),
        (pygame.K_t, TrainMode, "train"),
    ):
        key(letter, frames=5, app=app)
        assert isinstance(app.mode, kind) and app.mode.name == name
        sim = app.mode.sim
        assert (
            sim.track.length_m == pytest.approx(length_m) and sim.state.steps.max() > 0
        )  # driving it
        key(pygame.K_ESCAPE, app=app)
        assert app.mode is mode and editor.draft is work and app.running
    run = next(Path("runs").iterdir())  # training saved its run, with the track it trained on
    assert (run / "last.pt").is_file() and load_track(run / "track.json").length_m == pytest.approx(
        length_m
    )
    key(pygame.K_ESCAPE, app=app)  # nothing to cancel in the editor: quit
    assert not app.running
    app.close()


def test_an_invalid_track_cannot_be_driven():
    app, _, editor = open_editor(TrackDraft(HEXAGON[:3]))  # three points: not a track yet
    key(pygame.K_d, app=app)
    assert isinstance(app.mode, EditMode) and editor.message.startswith(
        "cannot drive it yet: untitled: centerline_m"
    )
    app.close()


def test_closing_with_unsaved_changes_keeps_them_and_the_next_start_offers_them(tmp_path):
    path = tmp_path / "hexagon.json"
    path.write_text(track_file_text(TrackDraft(HEXAGON).to_file()))
    app, mode, editor = open_editor(*open_track(str(path)))
    drag(app, editor, HEXAGON[0], (-60.0, -45.0))
    post(pygame.QUIT)  # the window's close button
    app.frame()
    assert not app.running
    app.close()
    assert mode.kept == tmp_path / "hexagon.json.draft" and path.read_text() == track_file_text(
        TrackDraft(HEXAGON).to_file()
    )
    app, _, editor = open_editor(*open_track(str(path)))
    assert editor.offer is not None and editor.draft.points[0] == HEXAGON[0]
    click(app, editor, (0.0, 0.0))  # the mouse does nothing until the offer is answered
    assert len(editor.draft.points) == 6
    key(pygame.K_RETURN, app=app)
    assert editor.draft.points[0] == (-60.0, -45.0) and editor.dirty
    app.close()


def test_typing_a_name_is_not_taken_for_hotkeys(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "TRACKS_DIR", tmp_path)
    app, _, editor = open_editor(TrackDraft(HEXAGON))
    key(pygame.K_s, mod=pygame.KMOD_CTRL | pygame.KMOD_SHIFT, app=app)
    for letter in "Pit Dr":
        key(pygame.key.key_code(letter.lower()) if letter != " " else pygame.K_SPACE, app=app)
        type_text(app, letter)
    key(pygame.K_BACKSPACE, app=app)
    type_text(app, "rive")
    assert editor.prompt.text == "Pit Drive" and isinstance(app.mode, EditMode) and app.running
    key(pygame.K_RETURN, app=app)
    saved = json.loads((tmp_path / "pit_drive.json").read_text())
    assert saved["name"] == "Pit Drive" and editor.draft.name == "Pit Drive"
    app.close()


def test_a_missing_track_name_is_one_line():
    with pytest.raises(TrackError, match=r"^--track: expected a shipped track"):
        open_track("no_such_track")
    with pytest.raises(TrackError, match=r"^--track: expected random:N \(N >= 0\) to edit"):
        open_track("random:heldout")


def test_a_generated_track_opens_as_a_new_track_to_keep():
    draft, path = open_track("random:3")
    assert path is None  # saving asks for a name: the person keeps it as their own track file
    assert draft.name == "Generated #3"


def run_main(*args, cwd):
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    command = [sys.executable, str(ROOT / "main.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def test_main_edit_opens_a_new_track_file_and_refuses_other_flags_in_one_line(tmp_path):
    done = run_main(
        "--mode",
        "edit",
        "--track",
        "new.json",
        "--frames",
        "3",
        "--screenshot",
        "s.png",
        cwd=tmp_path,
    )
    assert done.returncode == 0 and (tmp_path / "s.png").stat().st_size > 0, done.stderr
    assert not (tmp_path / "new.json").exists()  # nothing is written until it is saved
    for args, expected in (
        (
            ("--checkpoint", "x.pt"),
            "main.py: error: --mode edit: expected only --track and the window flags",
        ),
        (("--track", "no_such_track"), "main.py: error: --track: expected a shipped track"),
    ):
        refused = run_main("--mode", "edit", *args, cwd=tmp_path)
        assert refused.returncode == 2 and refused.stderr.startswith(expected)
        assert refused.stderr.count("\n") == 1
