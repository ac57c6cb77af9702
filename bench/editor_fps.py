"""The track editor's frame rate while a point is dragged round a 1000-point track.

    python bench/editor_fps.py                  # 4 setups of 10 s each

Runs the editor in the App under SDL's dummy video driver, as bench/live_window.py measures
the other modes: the same drawing work as a real window, minus the final copy to the screen.
Every frame gets injected mouse events: the button goes down on a point, then the point is
dragged round a 30 m circle (one motion per frame), so every frame moves a point and the
track is rebuilt and validated as the borders follow it (at most every BUSY_INTERVAL_S).
The dragged point pokes out of the track, so about half the checks find crossing borders.
For comparison, in the same run: the editor showing the track with nothing dragged, and
`--mode play` on the race (bench/live_window.py's first setup), since on this shared machine
the load moves every figure.

Reports frames per second, frame times (after the first 30 frames; a frame's time includes
its wait for the next one), the App's own slowest frame (its work alone), the CPU time a frame
takes on average (what the load moves least: the budget at 60 fps is 16.7 ms), and what
validating the whole track once takes.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


class Result(NamedTuple):
    """What a few seconds of frames measured."""

    fps: float
    """Frames per second over the whole time."""
    frames: int
    p99_frame_ms: float
    """99th percentile of a frame's time, its wait for the next frame included."""
    slowest_frame_ms: float
    slowest_work_ms: float
    """The App's own figure: the longest a frame's work took, without the wait."""
    cpu_ms: float
    """CPU time per frame, on average (the least moved by the machine's load)."""


def thousand_point_track():
    """A valid wavy loop of 1000 points (about 2.1 km, 12 m wide)."""
    from game.editor.model import TrackDraft

    points = []
    for k in range(1000):
        angle = 2 * math.pi * k / 1000
        radius = 300 + 40 * math.sin(5 * angle)
        points.append((round(radius * math.cos(angle), 2), round(radius * math.sin(angle), 2)))
    return TrackDraft(tuple(points), width_m=12.0, name="Thousand")


def time_frames(app, seconds: float, before_frame: Callable[[int], None]) -> Result:
    """Run the App's frames for `seconds`, calling `before_frame(n)` before frame n."""
    frame_s, start, frame = [], time.perf_counter(), 0
    cpu_start = time.process_time()
    while time.perf_counter() - start < seconds:
        before_frame(frame)
        before = time.perf_counter()
        app.frame()
        if app.frames > 30:
            frame_s.append(time.perf_counter() - before)
        frame += 1
    fps = frame / (time.perf_counter() - start)
    cpu_ms = 1000 * (time.process_time() - cpu_start) / frame
    frame_ms = 1000 * np.asarray(frame_s)
    return Result(
        fps,
        frame,
        float(np.percentile(frame_ms, 99)),
        float(frame_ms.max()),
        1000 * app.slowest_frame_s,
        cpu_ms,
    )


def edit_frames(seconds: float, drag: bool, zoomed: bool) -> Result:
    """The editor on the 1000-point track, dragging a point (or not); the whole track in view,
    or `zoomed` in on the point."""
    import pygame

    from game.app import App, AppConfig
    from game.editor.launch import attach_editor

    draft = thousand_point_track()
    app = App(AppConfig(speed=1.0))
    scratch = tempfile.TemporaryDirectory()  # closing with unsaved changes keeps a draft there
    editor = attach_editor(app, draft, Path(scratch.name) / "thousand.json").editor
    if zoomed:
        editor.viewport.fit(draft.points[200:300])
    grabbed = np.asarray(draft.points[250])
    post = pygame.event.post
    if drag:
        down = tuple(editor.viewport.to_screen(grabbed))
        post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=down, button=1))

    def move(frame: int) -> None:
        target = grabbed + 30 * np.array([math.cos(frame / 20) - 1, math.sin(frame / 20)])
        position = tuple(editor.viewport.to_screen(target))
        if drag:
            held = {"rel": (0, 0), "buttons": (1, 0, 0)}
            post(pygame.event.Event(pygame.MOUSEMOTION, pos=position, **held))

    result = time_frames(app, seconds, move)
    moved = editor.draft.points[250] != draft.points[250]
    app.close()
    scratch.cleanup()
    assert moved == drag, "the drag did not move the point"
    return result


def play_frames(seconds: float) -> Result:
    """`--mode play` on the race: the reference for this machine's load."""
    from game.app import App, AppConfig
    from game.modes import DriveMode
    from game.scenes import make_vector_env, scene_spec

    app = App(AppConfig(speed=1.0))
    envs = make_vector_env("race", 1, render_first=True)
    app.attach(DriveMode(scene_spec("race"), envs, app.keyboard, seed=0))
    result = time_frames(app, seconds, lambda frame: None)
    app.close()
    return result


def check_ms() -> float:
    """Validating the 1000-point track once (median of 5)."""
    from game.editor.validation import check

    draft = thousand_point_track()
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        assert check(draft, "bench").error is None
        timings.append(time.perf_counter() - start)
    return 1000 * float(np.median(timings))


def main() -> None:
    """Print the figures, then the machine they were measured on."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per setup")
    args = parser.parse_args()
    seconds = args.seconds
    setups: list[tuple[str, Callable[[], Result]]] = [
        ("play race (reference)", lambda: play_frames(seconds)),
        ("editor showing the track", lambda: edit_frames(seconds, drag=False, zoomed=False)),
        ("dragging, whole track in view", lambda: edit_frames(seconds, drag=True, zoomed=False)),
        ("dragging, zoomed in on it", lambda: edit_frames(seconds, drag=True, zoomed=True)),
    ]
    for label, run in setups:
        result = run()
        times = (
            f"frame time 99th percentile {result.p99_frame_ms:5.1f} ms, slowest "
            f"{result.slowest_frame_ms:5.1f} ms (its work alone at most "
            f"{result.slowest_work_ms:5.1f} ms); CPU {result.cpu_ms:4.1f} ms a frame"
        )
        print(f"{label:30} {result.fps:5.1f} fps over {result.frames} frames; {times}", flush=True)
    print(f"validating the 1000-point track once: {check_ms():.1f} ms (median of 5)")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
