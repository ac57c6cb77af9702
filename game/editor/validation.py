"""Live validation: the track file's own rules (parse_track, then build_track) on the draft."""

from __future__ import annotations

import time
from dataclasses import dataclass

from game.editor.model import TrackDraft
from game.errors import TrackError
from game.race.geometry import Points, miter_borders
from game.race.track import Track, centreline, track_along
from game.race.track_file import parse_track

BUSY_INTERVAL_S = 0.05
"""While a point is dragged the draft is validated at most this often (20 times a second).
parse + build take 5 ms on a 1000-point loop (bench/RESULTS.md), so even every frame would
fit; the limit keeps a frame's budget for drawing on a slower machine."""


@dataclass(frozen=True)
class Check:
    """What validation found for one draft: the track, or the error, and the borders to draw."""

    draft: TrackDraft
    track: Track | None
    """The track as a file with this draft's fields would load (None when it would not)."""
    error: TrackError | None
    """Why it would not load: the validator's one-line message, and where (at_m, point)."""
    centre_m: Points | None
    """[M, 2] the centreline as driven (also for an invalid track, when it can be built)."""
    left_m: Points | None
    right_m: Points | None
    seconds: float
    """How long validation took."""


def check(draft: TrackDraft, source: str) -> Check:
    """Validate `draft` exactly as loading it from a file would (its messages name `source`).

    The two stages of build_track are called one by one, so that a track refused by the
    border checks still has its centreline, whose borders are drawn to show the problem.
    """
    start = time.perf_counter()
    centre: Points | None = None
    try:
        spec = parse_track(draft.to_file(), source)
        centre = centreline(spec)
        track = track_along(spec, centre)
    except TrackError as error:
        borders = None if centre is None else miter_borders(centre, draft.width_m)
        left, right = (None, None) if borders is None else (borders.left_m, borders.right_m)
        return Check(draft, None, error, centre, left, right, time.perf_counter() - start)
    return Check(
        draft,
        track,
        None,
        track.centerline_m,
        track.left_m,
        track.right_m,
        time.perf_counter() - start,
    )


class LiveValidator:
    """Keeps the latest check of the draft; while busy (dragging) at most every BUSY_INTERVAL_S."""

    def __init__(self, source: str):
        self.source = source
        """What error messages name: the track file's path, or what it will be saved as."""
        self.latest: Check | None = None
        self._last_s = -float("inf")

    def update(self, draft: TrackDraft, busy: bool = False) -> bool:
        """Validate `draft` unless the latest check is of it (or it is too soon, while busy)."""
        if self.latest is not None and self.latest.draft is draft:
            return False
        now = time.perf_counter()
        if busy and now - self._last_s < BUSY_INTERVAL_S:
            return False
        self.latest = check(draft, self.source)
        self._last_s = now
        return True

    def current(self, draft: TrackDraft) -> Check:
        """The check of exactly `draft` (validating it now if needed)."""
        if self.latest is None or self.latest.draft != draft:
            self.latest = check(draft, self.source)
            self._last_s = time.perf_counter()
        return self.latest

    def rename(self, source: str) -> None:
        """Name a new source in messages (after save-as); the next update checks again."""
        self.source, self.latest = source, None
