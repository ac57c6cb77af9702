"""The track editor's logic without a window: edits, undo, view, hit-testing, checks, saving."""

import json
import math
import os
import stat

import numpy as np
import pytest

from game.race.track_file import track_file_text
from game.editor import storage
from game.editor.editor import Editor
from game.editor.gestures import LEFT, RIGHT, Gesture
from game.editor.hittest import nearest_point, nearest_segment
from game.editor.history import History
from game.editor.model import (
    TrackDraft,
    delete_point,
    insert_point,
    move_point,
    reverse,
    set_width,
    starter_loop,
    toggle_sharp,
)
from game.editor.validation import LiveValidator, check
from game.editor.viewport import Viewport
from game.race.track import build_track
from game.race.track_file import TRACKS_DIR, parse_track, read_track_file, shipped_tracks

SQUARE = ((0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0))
HEXAGON = ((-50.0, -40.0), (50.0, -40.0), (70.0, 10.0), (40.0, 50.0), (-40.0, 50.0), (-70.0, 10.0))


@pytest.fixture(autouse=True)
def drafts_in_tmp(tmp_path, monkeypatch):
    """A new track's draft goes to a temporary tracks/ (never the real one)."""
    monkeypatch.setattr(storage, "UNTITLED_PATH", tmp_path / "untitled.json")


def test_edits_keep_sharp_corners_on_their_points():
    draft = TrackDraft(SQUARE, sharp=frozenset({1, 3}))
    inserted = insert_point(draft, 2, (100.004, 49.996))  # between (100, 0) and (100, 100)
    assert inserted.points == ((0, 0), (100, 0), (100.0, 50.0), (100, 100), (0, 100))  # to the cm
    assert inserted.sharp == {1, 4}
    deleted = delete_point(inserted, 1)
    assert deleted.points == ((0, 0), (100.0, 50.0), (100, 100), (0, 100)) and deleted.sharp == {3}
    assert move_point(deleted, 0, (-1.234, 2.346)).points[0] == (-1.23, 2.35)
    assert toggle_sharp(deleted, 0).sharp == {0, 3} and toggle_sharp(deleted, 3).sharp == set()
    assert set_width(draft, 100).width_m == 60 and set_width(draft, 1).width_m == 4
    # a straight-edged track stays straight-edged: a new point there is a sharp corner too
    polygon = TrackDraft(SQUARE, sharp=frozenset(range(4)))
    assert insert_point(polygon, 4, (-10, 50)).to_file()["smooth"] is False


def test_reverse_drives_the_other_way_from_the_same_start_line():
    draft = TrackDraft.from_spec(read_track_file(TRACKS_DIR / "hairpins.json"))
    draft = TrackDraft(draft.points, draft.width_m, frozenset({3, 20}), start_fraction=0.3)
    backwards = reverse(draft)
    assert reverse(backwards) == draft  # exactly
    assert backwards.points[0] == draft.points[0] and backwards.points[1] == draft.points[-1]
    forward_track, backward_track = check(draft, "f").track, check(backwards, "b").track
    xy_f, heading_f = forward_track.pose_at(forward_track.start_s_m)
    xy_b, heading_b = backward_track.pose_at(backward_track.start_s_m)
    assert np.allclose(xy_f, xy_b, atol=1e-6)
    assert math.cos(heading_f - heading_b) == pytest.approx(-1.0, abs=1e-6)
    assert backward_track.length_m == pytest.approx(forward_track.length_m, rel=1e-9)


@pytest.mark.parametrize(
    "name", ["oval", "hairpins", "chicanes", "speedway", "reversed", "corners"]
)
def test_a_draft_writes_back_the_same_track(name):
    data = json.loads(
        (TRACKS_DIR / f"{'oval' if name in ('reversed', 'corners') else name}.json").read_text()
    )
    if name == "reversed":
        data["reverse"], data["start_fraction"] = True, 0.25
    if name == "corners":
        data["sharp_corners"] = [0, 9, 13]
    original = build_track(parse_track(data, "original"))
    draft = TrackDraft.from_spec(parse_track(data, "original"))
    text = track_file_text(draft.to_file())
    again = build_track(parse_track(json.loads(text), "again"))
    assert np.array_equal(again.geometry, original.geometry)
    assert again.start_s_m == original.start_s_m and again.time_limit_s == original.time_limit_s


def test_history_undoes_and_redoes_exactly_and_a_drag_is_one_step():
    first = starter_loop()
    history = History(first)
    second = move_point(first, 0, (1.0, 2.0))
    history.push(second)
    dragged = [move_point(second, 1, (x, 0.0)) for x in (5.0, 6.0, 7.0)]
    history.push(dragged[0])
    for draft in dragged[1:]:
        history.amend(draft)
    assert history.undo() and history.current is second
    assert history.undo() and history.current is first
    assert not history.undo()
    assert history.redo() and history.redo() and history.current is dragged[-1]
    assert not history.redo()
    history.undo()
    history.push(first)  # a new edit forgets what was undone
    assert not history.redo()


def test_viewport_maps_metres_to_pixels_and_back():
    view = Viewport((800, 600), scale=2.0, centre_m=(10.0, 5.0))
    assert np.allclose(
        view.to_screen([(10, 5), (20, 5), (10, 15)]), [(400, 300), (420, 300), (400, 280)]
    )
    assert np.allclose(view.to_world((420, 280)), (20, 15))
    under = view.to_world((100, 50))
    view.zoom(1.5, (100, 50))
    assert view.scale == 3.0 and np.allclose(view.to_world((100, 50)), under)
    view.pan(
        30, -60
    )  # the picture moves right and up: the world under a pixel is 10 m left, 20 m down
    assert np.allclose(view.to_world((100, 50)), under - (10, 20))
    view.fit([(0, 0), (100, 50)], margin_px=50)
    assert view.scale == pytest.approx(7.0) and np.allclose(view.centre_m, (50, 25))


def test_hit_testing_finds_points_then_segments():
    corners = [(0, 0), (100, 0), (100, 100)]
    assert nearest_point(corners, (3, 4)) == 0  # 5 px away
    assert nearest_point(corners, (20, 20)) is None
    assert nearest_segment(corners, (50, 6)) == 0  # 6 px from the first side
    assert nearest_segment(corners, (52, 48)) == 2  # on the closing side, (100, 100) to (0, 0)
    assert nearest_segment(corners, (50, 30)) is None
    assert (
        nearest_segment(corners[:2], (50, -3)) == 0
        and nearest_segment(corners[:2], (-50, 3)) is None
    )


def editor_on(draft, path=None):
    """An editor whose view shows metres 1:1 scaled by 4 px, with (0, 0) in the middle."""
    editor = Editor(draft, path, (800, 600))
    editor.viewport.scale, editor.viewport.centre_m = 4.0, np.zeros(2)
    return editor


def click(editor, xy_m, button=LEFT):
    xy_px = editor.viewport.to_screen(xy_m)
    editor.pointer.press(xy_px, button)
    editor.pointer.release(xy_px)


def test_clicks_place_points_in_order_then_on_segments_and_a_drag_is_one_undo_step():
    editor = editor_on(TrackDraft(()))
    for xy in HEXAGON:
        click(editor, xy)
    assert editor.draft.points == HEXAGON and editor.check.error is None
    click(editor, (0.0, -41.0))  # 4 px from the first side: a point inserted there
    assert editor.draft.points[1] == (0.0, -41.0) and len(editor.draft.points) == 7
    before = editor.draft
    start = editor.viewport.to_screen(HEXAGON[2])
    editor.pointer.press(start, LEFT)
    assert editor.pointer.gesture is Gesture.MOVE_POINT
    editor.pointer.drag(start)  # a first motion that does not move it yet
    for step in range(1, 6):
        editor.pointer.drag(start + np.array([4 * step, 0]))  # 1 m a step
    editor.pointer.release(start + np.array([20, 0]))
    assert editor.draft.points[3] == (75.0, 10.0)
    editor.undo()
    assert editor.draft == before
    assert np.array_equal(editor.check.track.geometry, check(before, "x").track.geometry)
    click(editor, (0.0, -41.0), RIGHT)  # a right click deletes
    assert editor.draft.points == HEXAGON
    near = editor.viewport.to_screen(HEXAGON[4]) + np.array([2.5, -2])  # a click selects it...
    editor.pointer.press(near, LEFT)
    editor.pointer.release(near + np.array([1, 1]))
    assert editor.selected == 4 and editor.draft.points == HEXAGON  # ...and does not move it
    editor.pointer.press(near, LEFT)  # a drag moves it as much as the mouse moved, without a jump
    editor.pointer.release(near + np.array([8, -4]))
    assert editor.draft.points[4] == (-38.0, 51.0)


def test_dragging_the_start_line_moves_it_along_the_track():
    editor = editor_on(TrackDraft(HEXAGON))
    pose = editor.start_pose()
    assert np.allclose(pose.xy_m, HEXAGON[0]) and pose.ahead[0] > 0.8  # along the first side
    editor.pointer.press(editor.viewport.to_screen(pose.handle_m), LEFT)  # the arrow past the line
    assert editor.pointer.gesture is Gesture.MOVE_START
    editor.pointer.release(editor.viewport.to_screen((0.0, -45.0)))  # near the first side's middle
    moved = editor.start_pose()  # the spline sags to y = -49.8 there: the line is straight below
    assert abs(moved.xy_m[0]) < 0.1 and moved.ahead[0] > 0.999
    assert 0.1 < editor.draft.start_fraction < 0.2


def test_validation_says_what_and_where_like_loading_a_file():
    figure_eight = TrackDraft(((0, 0), (100, 100), (200, 0), (100, -60), (0, 100), (-50, 50)))
    result = check(figure_eight, "mine.json")
    assert result.track is None and result.left_m is not None  # the crossing borders are drawn
    message = str(result.error)
    assert "\n" not in message and message.startswith(
        "mine.json: centerline_m: expected borders that never cross"
    )
    x, y = result.error.at_m
    assert f"({x:.1f}, {y:.1f})" in message
    coincident = check(TrackDraft(((0, 0), (100, 0), (100, 0.05), (100, 100), (0, 100))), "c")
    assert coincident.error.point == 1 and coincident.left_m is None


def test_live_validation_is_throttled_while_dragging():
    validator = LiveValidator("x")
    first, second, third = (move_point(starter_loop(), 0, (60.0 + d, 0.0)) for d in (1, 2, 3))
    assert validator.update(first, busy=True)
    assert not validator.update(second, busy=True)  # too soon: the last check stays on screen
    assert validator.latest.draft is first
    assert validator.update(third, busy=False)  # idle: at once
    assert not validator.update(third)  # already checked


def test_save_refuses_an_invalid_track_and_keeps_the_work(tmp_path):
    editor = editor_on(TrackDraft(HEXAGON), tmp_path / "hexagon.json")
    editor.save()
    saved_text = (tmp_path / "hexagon.json").read_text()
    assert editor.message == f"saved {tmp_path / 'hexagon.json'}" and not editor.dirty
    crossing = move_point(editor.draft, 2, (-100.0, 10.0))  # a corner dragged across the loop
    editor.history.push(crossing)
    editor.save()
    assert editor.message.startswith(
        f"not saved: {tmp_path / 'hexagon.json'}: centerline_m: expected borders"
    )
    assert "\n" not in editor.message
    assert (tmp_path / "hexagon.json").read_text() == saved_text
    assert editor.draft is crossing and editor.dirty


def test_a_saved_file_loads_back_to_the_same_track(tmp_path):
    editor = editor_on(TrackDraft(HEXAGON, sharp=frozenset({2})))
    editor.save_as()
    editor.type_text(str(tmp_path / "mine"))
    editor.submit()
    path = tmp_path / "mine.json"
    assert editor.path == path and editor.prompt is None
    spec = read_track_file(path)
    assert TrackDraft.from_spec(spec) == editor.draft
    assert np.array_equal(build_track(spec).geometry, editor.check.track.geometry)
    assert spec.name == "mine"  # a new track is named after its file
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not the temporary file's 0o600


@pytest.mark.parametrize("where", ["read-only folder", "folder that is a file"])
def test_a_save_that_cannot_be_written_is_one_line_and_keeps_the_work(tmp_path, where):
    if where == "read-only folder":
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        if os.access(folder, os.W_OK):
            pytest.skip(
                "running as root: a read-only folder is still writable (the other case runs)"
            )
    else:
        folder = tmp_path / "a_file"
        folder.write_text("")
    editor = editor_on(TrackDraft(HEXAGON))
    edited = move_point(editor.draft, 0, (-51.0, -40.0))
    editor.history.push(edited)
    editor.save_as()
    editor.type_text(str(folder / "mine.json"))
    editor.submit()
    assert editor.message.startswith(f"not saved: {folder / 'mine.json'}: cannot save here (")
    assert "\n" not in editor.message
    assert (
        editor.prompt is not None
        and editor.draft is edited
        and editor.dirty
        and editor.path is None
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["a_file" if "file" in where else "locked"]
    )


def test_shipped_tracks_are_never_written_over():
    oval = TRACKS_DIR / "oval.json"
    before = oval.read_bytes()
    editor = editor_on(TrackDraft.from_spec(read_track_file(oval)), oval)
    editor.history.push(set_width(editor.draft, 15))
    editor.save()
    assert editor.prompt is not None and "oval is a shipped track" in editor.message
    editor.type_text("Oval")
    editor.submit()
    assert "oval is a shipped track: choose another name" in editor.message
    assert oval.read_bytes() == before and set(storage.SHIPPED_TRACKS) <= set(shipped_tracks())


def test_save_as_asks_before_writing_over_another_file(tmp_path):
    other = tmp_path / "other.json"
    other.write_text("{}")
    editor = editor_on(TrackDraft(HEXAGON))
    editor.save_as()
    editor.type_text(str(other))
    editor.submit()
    assert "exists: Enter again" in editor.message and other.read_text() == "{}"
    editor.submit()
    assert read_track_file(other).control_points_m.shape == (6, 2)


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "t.json"
    path.write_text("old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", fail)
    with pytest.raises(storage.SaveError, match="No space left on device"):
        storage.write_atomic(path, "new")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["t.json"]


def test_unsaved_changes_are_kept_and_offered_next_time(tmp_path):
    path = tmp_path / "hexagon.json"
    editor = editor_on(TrackDraft(HEXAGON), path)
    editor.save()
    assert editor.keep_draft() is None  # nothing unsaved: no draft
    editor.history.push(set_width(editor.draft, 20))
    kept = editor.keep_draft()
    assert kept == tmp_path / "hexagon.json.draft"
    later = editor_on(TrackDraft.from_spec(read_track_file(path)), path)
    later.offer_kept_draft()
    assert later.offer is not None and "unsaved changes from" in later.message
    later.submit()
    assert later.draft.width_m == 20 and later.dirty
    later.undo()
    assert later.draft.width_m == 12
    later.redo()
    later.save()
    assert not kept.exists()  # saved: the draft is done with


def test_save_as_names_go_into_tracks_and_paths_stay_paths(tmp_path):
    assert storage.save_target("My Track!") == TRACKS_DIR / "my_track.json"
    assert storage.save_target(str(tmp_path / "x")) == tmp_path / "x.json"
    assert storage.save_target("x.json").name == "x.json"
    with pytest.raises(storage.SaveError, match="got nothing"):
        storage.save_target("  ")
