"""The track editor's frame rate while a point is dragged round a 1000-point track.

    python bench/editor_fps.py                  # 3 setups of 10 s each

Runs the editor in the App under SDL's dummy video driver, as bench/live_window.py measures
the other modes: the same drawing work as a real window, minus the final copy to the screen.
Every frame gets injected mouse events: the button goes down on a point, then the point is
dragged round a 30 m circle (one motion per frame), so every frame moves a point and the
track is rebuilt and validated as the borders follow it (at most every BUSY_INTERVAL_S).
The dragged point pokes out of the track, so about half the checks find crossing borders.
For comparison, in the same run: the editor showing the track with nothing dragged.
Reports frames per second, frame times (after the first 30 frames; a frame's time includes
its wait for the next one), the App's own slowest frame (its work alone), and what validating
the whole track once takes.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def thousand_point_track():
    """A valid wavy loop of 1000 points (about 2.1 km, 12 m wide)."""
    from game.editor.model import TrackDraft

    points = []
    for k in range(1000):
        angle = 2 * math.pi * k / 1000
        radius = 300 + 40 * math.sin(5 * angle)
        points.append((round(radius * math.cos(angle), 2), round(radius * math.sin(angle), 2)))
    return TrackDraft(tuple(points), width_m=12.0, name="Thousand")


class Result(NamedTuple):
    """What dragging a point for a while measured."""

    fps: float
    """Frames per second over the whole drag."""
    frames: int
    p99_frame_ms: float
    """99th percentile of a frame's time, its wait for the next frame included."""
    slowest_frame_ms: float
    slowest_work_ms: float
    """The App's own figure: the longest a frame's work took, without the wait."""
    check_ms: float
    """Validating the whole track once (median of 5)."""


def drag_frames(seconds: float, drag: bool = True, zoomed: bool = False) -> Result:
    """Frame rate and frame times while dragging a point round a 1000-point track (or, for
    comparison in the same run, while the editor only shows it); the whole track in view, or
    `zoomed` in on the point."""
    import numpy as np
    import pygame

    from game.app import App, AppConfig
    from game.editor.launch import attach_editor
    from game.editor.validation import check

    draft = thousand_point_track()
    app = App(AppConfig(speed=1.0))
    scratch = tempfile.TemporaryDirectory()  # closing with unsaved changes keeps a draft there
    editor = attach_editor(app, draft, Path(scratch.name) / "thousand.json").editor
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        assert check(draft, "bench").error is None
        timings.append(time.perf_counter() - start)
    grabbed = np.asarray(draft.points[250])
    if zoomed:
        editor.viewport.fit(draft.points[200:300])
    post = pygame.event.post
    down = tuple(editor.viewport.to_screen(grabbed))
    if drag:
        post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=down, button=1))
    frame_s, start, frame = [], time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        angle = frame / 20
        target = grabbed + 30 * np.array([math.cos(angle) - 1, math.sin(angle)])
        position = tuple(editor.viewport.to_screen(target))
        if drag:
            post(
                pygame.event.Event(pygame.MOUSEMOTION, pos=position, rel=(0, 0), buttons=(1, 0, 0))
            )
        before = time.perf_counter()
        app.frame()
        if app.frames > 30:
            frame_s.append(time.perf_counter() - before)
        frame += 1
    fps = frame / (time.perf_counter() - start)
    post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=position, button=1))
    app.frame()
    moved = editor.draft.points[250] != draft.points[250]
    work_ms = 1000 * app.slowest_frame_s
    app.close()
    scratch.cleanup()
    assert moved == drag, "the drag did not move the point"
    frame_ms = 1000 * np.asarray(frame_s)
    return Result(fps, frame, float(np.percentile(frame_ms, 99)), float(frame_ms.max()), work_ms,
                  1000 * float(np.median(timings)))  # fmt: skip


def main() -> None:
    """Print the figures, then the machine they were measured on."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of dragging")
    args = parser.parse_args()
    setups = (
        ("showing the whole track", False, False),
        ("dragging, whole track in view", True, False),
        ("dragging, zoomed in on it", True, True),
    )
    for label, drag, zoomed in setups:
        result = drag_frames(args.seconds, drag, zoomed)
        print(f"{label}: {result.fps:.1f} fps over {result.frames} frames; frame time 99th "
              f"percentile {result.p99_frame_ms:.1f} ms, slowest {result.slowest_frame_ms:.1f} ms "
              f"(its work alone at most {result.slowest_work_ms:.1f} ms)", flush=True)  # fmt: skip
    print(f"validating the 1000-point track once: {result.check_ms:.1f} ms (median of 5)")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
