"""A closed race track: built from a validated track file into borders and one packed geometry
table."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from game.errors import TrackError
from game.race.corners import corner_vertices
from game.race.quads import (
    CX,
    CY,
    DX,
    DY,
    GEOMETRY_COLUMNS,
    H,
    LEN,
    LX,
    LY,
    RX,
    RY,
    S,
    cast_ray,
    locate,
    project,
)
from game.race.geometry import (
    Points,
    closed_catmull_rom,
    closed_length,
    closed_spline_with_corners,
    find_crossing,
    miter_borders,
    resample_closed,
)
from game.race.track_file import DEFAULT_TRACK, TrackSpec, read_track_file, resolve_track_path

SAMPLE_SPACING_M = 3.0
"""Target spacing of centreline vertices [m]: 4 cm from the true curve in a 14 m hairpin, and
half the quads (so half the work) per ray compared with 1 m."""
MAX_VERTICES = 4_000
"""Longer tracks get a coarser spacing so this is never exceeded."""
HAIRPIN_BEND = 0.1
"""A centreline vertex whose bend (1 + cos of its turn) is below this is refused as a hairpin:
a turn sharper than 154 degrees."""
LENGTH_RANGE_M = (40.0, 20_000.0)
"""Accepted centreline lengths [m]."""
DEFAULT_TIME_LIMIT_SPEED_MPS = 4.0
"""Without `time_limit_s`, an episode lasts as long as one lap at this average speed."""


@dataclass(frozen=True, eq=False)
class Track:
    """A validated track: metadata, its geometry as one packed table, and batched queries.

    The track is a ring of quads (see game/race/quads.py, whose kernels answer the queries).
    """

    name: str
    description: str
    source: str
    width_m: float
    length_m: float
    """Centreline length [m]."""
    start_s_m: float
    """Where cars start and laps are timed from: arc length along the centreline."""
    time_limit_s: float
    geometry: npt.NDArray[np.float64]
    """[M, GEOMETRY_COLUMNS] one row per centreline vertex (columns CX, CY, DX, ... RY): a single
    array, because compiled code is called with a few big arrays far faster than many small ones."""

    @property
    def half_width_m(self) -> float:
        """Half the track width [m]."""
        return self.width_m / 2

    @property
    def centerline_m(self) -> Points:
        """[M, 2] centreline vertices."""
        return self.geometry[:, CX : CY + 1]

    @property
    def seg_dir(self) -> Points:
        """[M, 2] unit direction of each centreline segment."""
        return self.geometry[:, DX : DY + 1]

    @property
    def seg_len_m(self) -> npt.NDArray[np.float64]:
        """[M] centreline segment lengths."""
        return self.geometry[:, LEN]

    @property
    def seg_s_m(self) -> npt.NDArray[np.float64]:
        """[M] arc length at the start of each segment."""
        return self.geometry[:, S]

    @property
    def left_m(self) -> Points:
        """[M, 2] left border vertices."""
        return self.geometry[:, LX : LY + 1]

    @property
    def right_m(self) -> Points:
        """[M, 2] right border vertices."""
        return self.geometry[:, RX : RY + 1]

    def segment_at(self, s_m: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The segment containing arc length s (taken modulo the track length)."""
        s = np.mod(np.asarray(s_m, dtype=np.float64), self.length_m)
        return np.searchsorted(self.seg_s_m, s, side="right") - 1

    def pose_at(self, s_m: npt.ArrayLike) -> tuple[Points, npt.NDArray[np.float64]]:
        """Centreline position [..., 2] and heading [...] (radians, counter-clockwise from +x) at
        arc length s."""
        s_m = np.asarray(s_m, dtype=np.float64)
        seg = self.segment_at(s_m)
        along = np.mod(s_m, self.length_m) - self.seg_s_m[seg]
        direction = self.seg_dir[seg]
        xy = self.centerline_m[seg] + direction * along[..., None]
        return xy, np.arctan2(direction[..., 1], direction[..., 0])

    def locate(
        self, xy: Points, hint: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """The quad each point is in (searched near `hint`), and whether it is on the track at
        all."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        hint = np.broadcast_to(np.asarray(hint, dtype=np.int64), len(xy))
        seg = np.empty(len(xy), dtype=np.int64)
        inside = np.empty(len(xy), dtype=np.bool_)
        for i in range(len(xy)):
            seg[i], inside[i] = locate(self.geometry, xy[i, 0], xy[i, 1], hint[i])
        return seg, inside

    def progress(
        self, xy: Points, seg: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Arc length s [m] of each point's projection on its segment, and its offset to the left
        [m]."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        seg = np.broadcast_to(np.asarray(seg, dtype=np.int64), len(xy))
        out = np.array(
            [project(self.geometry, int(k), x, y) for (x, y), k in zip(xy, seg, strict=True)]
        )
        return out[:, 0], out[:, 1]

    def cast_rays(
        self, xy: Points, seg: npt.ArrayLike, angles_rad: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        """[N, R] distance [m] from each point (in quad seg[i]) along each world angle to a
        border, capped."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        angles = np.asarray(angles_rad, dtype=np.float64).reshape(len(xy), -1)
        seg = np.broadcast_to(np.asarray(seg, dtype=np.int64), len(xy))
        out = np.empty(angles.shape)
        for i in range(len(xy)):
            for j in range(angles.shape[1]):
                out[i, j] = cast_ray(
                    self.geometry, self.half_width_m, seg[i], xy[i, 0], xy[i, 1], angles[i, j]
                )
        return out


def build_track(spec: TrackSpec) -> Track:
    """Turn a validated spec into track geometry, rejecting tracks whose borders cross."""
    return track_along(spec, centreline(spec))


def track_along(spec: TrackSpec, center: Points) -> Track:
    """The track with this centreline (`centreline(spec)`): its borders checked, then packed."""
    borders = miter_borders(center, spec.width_m)
    if borders.bend.min() < HAIRPIN_BEND:
        x, y = center[int(borders.bend.argmin())]
        raise TrackError(
            f"{spec.source}: centerline_m: expected no hairpin sharper than 150 degrees "
            f"at one point, got one near ({x:.1f}, {y:.1f}) m",
            at_m=(float(x), float(y)),
        )
    _check_borders(borders.left_m, borders.right_m, borders.seg_dir, spec)
    geometry = np.empty((len(center), GEOMETRY_COLUMNS))
    geometry[:, CX : CY + 1] = center
    geometry[:, DX : DY + 1] = borders.seg_dir
    geometry[:, LEN] = borders.seg_len_m
    geometry[:, S] = np.concatenate([[0.0], np.cumsum(borders.seg_len_m)[:-1]])
    geometry[:, LX : LY + 1] = borders.left_m
    geometry[:, RX : RY + 1] = borders.right_m
    heading = np.arctan2(borders.seg_dir[:, 1], borders.seg_dir[:, 0])
    geometry[:, H] = heading[0] + np.concatenate([[0.0], np.cumsum(_wrap(np.diff(heading)))])
    total = float(borders.seg_len_m.sum())
    return Track(
        name=spec.name,
        description=spec.description,
        source=spec.source,
        width_m=spec.width_m,
        length_m=total,
        start_s_m=spec.start_fraction * total,
        time_limit_s=spec.time_limit_s or total / DEFAULT_TIME_LIMIT_SPEED_MPS,
        geometry=geometry,
    )


def centreline(spec: TrackSpec) -> Points:
    """[M, 2] the vertices of the centreline as driven, starting at the first control point."""
    points = spec.control_points_m
    polygon_m = closed_length(points)
    if polygon_m > LENGTH_RANGE_M[1]:
        # Any curve through the points is at least this long: refuse before sampling it
        # every 0.25 m (1000 points spread over the coordinate range would take GBs).
        _check_length(polygon_m, spec)
    if not spec.smooth:
        # Each straight edge is one quad: splitting it would put inner-border vertices past
        # the corner's miter point, folding the inner border back on itself.
        _check_length(polygon_m, spec)
        return points
    if spec.sharp_corners:
        sharp = np.zeros(len(points), dtype=bool)
        sharp[list(spec.sharp_corners)] = True
        dense, starts = closed_spline_with_corners(points, sharp)
        length = closed_length(dense)
        _check_length(length, spec)
        spacing_m = length / _vertex_count(length)
        return corner_vertices(points, sharp, dense, starts, spec.width_m, spacing_m)
    dense = closed_catmull_rom(points)
    length = closed_length(dense)
    _check_length(length, spec)
    return resample_closed(dense, _vertex_count(length))


def _wrap(angle_rad: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Angles wrapped into [-pi, pi)."""
    return (angle_rad + np.pi) % (2 * np.pi) - np.pi


def _vertex_count(length_m: float) -> int:
    """Vertices for a smooth loop this long: SAMPLE_SPACING_M apart, within [8, MAX_VERTICES]."""
    return int(np.clip(round(length_m / SAMPLE_SPACING_M), 8, MAX_VERTICES))


def _check_length(length_m: float, spec: TrackSpec) -> None:
    low, high = LENGTH_RANGE_M
    if not low <= length_m <= high:
        raise TrackError(
            f"{spec.source}: centerline_m: expected a loop {low:g} to {high:g} m long, "
            f"got {length_m:.1f} m"
        )


def _check_borders(left: Points, right: Points, seg_dir: Points, spec: TrackSpec) -> None:
    """The two borders must run along the centreline and never touch or cross themselves or each
    other.

    A border piece running against the centreline is an inner border folded inside out: on a
    loop tighter than half the width it can close up without crossing anything.
    """
    count = len(left)
    nxt = np.roll(np.arange(count), -1)
    starts = np.vstack([left, right])
    ends = np.vstack([left[nxt], right[nxt]])
    backwards = np.flatnonzero(
        np.einsum("ij,ij->i", ends - starts, np.vstack([seg_dir, seg_dir])) <= 0
    )
    chain_id = np.repeat([0, 1], count)
    chain_pos = np.tile(np.arange(count), 2)
    crossing = (
        (backwards[0],) if len(backwards) else find_crossing(starts, ends, chain_id, chain_pos)
    )
    if crossing is not None:
        x, y = (starts[crossing[0]] + ends[crossing[0]]) / 2
        raise TrackError(
            f"{spec.source}: centerline_m: expected borders that never cross, got a crossing "
            f"near ({x:.1f}, {y:.1f}) m (the track overlaps itself, or a curve is tighter "
            f"than half the width_m)",
            at_m=(float(x), float(y)),
        )


def load_track(track: str | Path = DEFAULT_TRACK) -> Track:
    """Load a shipped track by name, or a track file by path; TrackError on any problem."""
    path = resolve_track_path(track).resolve()
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> Track:
    """Tracks are immutable, so every env on the same unchanged file shares one."""
    return build_track(read_track_file(Path(path)))
