"""A closed race track: centreline, borders, progress along it, and ray casts to its borders."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from game.errors import TrackError
from game.race.geometry import (
    Points,
    closed_catmull_rom,
    closed_length,
    find_crossing,
    resample_closed,
    subdivide_closed,
)
from game.race.raster import Quads, TrackRaster, build_raster
from game.race.track_file import DEFAULT_TRACK, TrackSpec, read_track_file, resolve_track_path

SAMPLE_SPACING_M = 1.0
"""Target spacing of centreline vertices [m]."""
MAX_VERTICES = 4_000
"""Longer tracks get a coarser spacing so this is never exceeded."""
LENGTH_RANGE_M = (40.0, 20_000.0)
"""Accepted centreline lengths [m]."""
DEFAULT_TIME_LIMIT_SPEED_MPS = 4.0
"""Without `time_limit_s`, an episode lasts as long as one lap at this average speed."""


@dataclass(frozen=True, eq=False)
class Track:
    """A validated track: geometry as arrays, plus grid lookups for fast batched queries."""

    name: str
    description: str
    source: str
    width_m: float
    centerline_m: Points
    """[M, 2] centreline vertices; segment k runs from vertex k to vertex k+1 (cyclically)."""
    seg_dir: Points
    """[M, 2] unit direction of each segment."""
    seg_len_m: npt.NDArray[np.float64]
    """[M] segment lengths."""
    seg_s_m: npt.NDArray[np.float64]
    """[M] arc length at the start of each segment."""
    length_m: float
    start_s_m: float
    """Where cars start and laps are timed from: arc length along the centreline."""
    time_limit_s: float
    quads: Quads
    raster: TrackRaster

    @property
    def half_width_m(self) -> float:
        """Half the track width [m]."""
        return self.width_m / 2

    @property
    def left_m(self) -> Points:
        """[M, 2] left border vertices (left when driving forward)."""
        return self.quads.left

    @property
    def right_m(self) -> Points:
        """[M, 2] right border vertices."""
        return self.quads.right

    def locate(self, xy: Points, hint: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """The segment each point is on, and whether it is on the track at all.

        Args:
            xy: [N, 2] positions.
            hint: [N] a segment near each point (e.g. where it was last step), used off the track.

        Returns:
            seg: [N] the quad containing the point, or `hint` when none does.
            on_track: [N] whether a quad contains the point.
        """
        under = self.raster.quad_index[self.raster.cells(xy)].astype(np.int64)
        seg = np.where(under >= 0, under, hint)
        inside = self.quads.contains(xy, seg)
        if not inside.all():
            count = len(self.seg_len_m)
            missed = np.flatnonzero(~inside)
            for offset in (-1, 1, -2, 2):
                candidate = (seg[missed] + offset) % count
                found = self.quads.contains(xy[missed], candidate)
                seg[missed[found]] = candidate[found]
                inside[missed[found]] = True
                missed = missed[~found]
                if not len(missed):
                    break
        return seg, inside

    def progress(self, xy: Points, seg: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Arc length s [m] of each point's projection on its segment, and its offset to the left [m]."""
        rel = xy - self.centerline_m[seg]
        direction = self.seg_dir[seg]
        along = np.clip(np.einsum("ij,ij->i", rel, direction), 0.0, self.seg_len_m[seg])
        lateral = direction[:, 0] * rel[:, 1] - direction[:, 1] * rel[:, 0]
        return self.seg_s_m[seg] + along, lateral

    def segment_at(self, s_m: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """The segment containing arc length s (taken modulo the track length)."""
        s = np.mod(s_m, self.length_m)
        return np.searchsorted(self.seg_s_m, s, side="right") - 1

    def pose_at(self, s_m: npt.NDArray[np.float64]) -> tuple[Points, npt.NDArray[np.float64]]:
        """Centreline position [N, 2] and heading [N] (radians, counter-clockwise from +x) at arc length s."""
        s_m = np.asarray(s_m, dtype=np.float64)
        seg = self.segment_at(s_m)
        along = np.mod(s_m, self.length_m) - self.seg_s_m[seg]
        direction = self.seg_dir[seg]
        xy = self.centerline_m[seg] + direction * along[..., None]
        return xy, np.arctan2(direction[..., 1], direction[..., 0])

    def cast_rays(self, xy: Points, angles_rad: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """[N, R] distance from each point along each world angle to the first border [m], capped."""
        return self.raster.cast(xy, angles_rad)


def build_track(spec: TrackSpec) -> Track:
    """Turn a validated spec into track geometry, rejecting tracks whose borders cross."""
    points = spec.control_points_m
    if spec.smooth:
        dense = closed_catmull_rom(points)
        length = closed_length(dense)
        _check_length(length, spec)
        count = int(np.clip(round(length / SAMPLE_SPACING_M), 8, MAX_VERTICES))
        center = resample_closed(dense, count)
    else:
        length = closed_length(points)
        _check_length(length, spec)
        center = subdivide_closed(points, max(SAMPLE_SPACING_M, length / MAX_VERTICES))
    seg_vec = np.roll(center, -1, axis=0) - center
    seg_len = np.hypot(*seg_vec.T)
    seg_dir = seg_vec / seg_len[:, None]
    normal = np.column_stack([-seg_dir[:, 1], seg_dir[:, 0]])
    prev_normal = np.roll(normal, 1, axis=0)
    bend = 1.0 + np.einsum("ij,ij->i", normal, prev_normal)
    if bend.min() < 0.1:
        x, y = center[int(bend.argmin())]
        raise TrackError(
            f"{spec.source}: centerline_m: expected no hairpin sharper than 150 degrees "
            f"at one point, got one near ({x:.1f}, {y:.1f}) m"
        )
    # Miter joins keep the border exactly half a width from every straight piece.
    miter = (normal + prev_normal) / bend[:, None]
    half = spec.width_m / 2
    quads = Quads(left=center + half * miter, right=center - half * miter)
    _check_borders(quads, spec)
    seg_s = np.concatenate([[0.0], np.cumsum(seg_len)[:-1]])
    total = float(seg_len.sum())
    return Track(
        name=spec.name,
        description=spec.description,
        source=spec.source,
        width_m=spec.width_m,
        centerline_m=center,
        seg_dir=seg_dir,
        seg_len_m=seg_len,
        seg_s_m=seg_s,
        length_m=total,
        start_s_m=spec.start_fraction * total,
        time_limit_s=spec.time_limit_s or total / DEFAULT_TIME_LIMIT_SPEED_MPS,
        quads=quads,
        raster=build_raster(quads),
    )


def _check_length(length_m: float, spec: TrackSpec) -> None:
    low, high = LENGTH_RANGE_M
    if not low <= length_m <= high:
        raise TrackError(
            f"{spec.source}: centerline_m: expected a loop {low:g} to {high:g} m long, "
            f"got {length_m:.1f} m"
        )


def _check_borders(quads: Quads, spec: TrackSpec) -> None:
    """The two borders must not touch or cross themselves or each other."""
    count = len(quads.left)
    nxt = np.roll(np.arange(count), -1)
    starts = np.vstack([quads.left, quads.right])
    ends = np.vstack([quads.left[nxt], quads.right[nxt]])
    chain_id = np.repeat([0, 1], count)
    chain_pos = np.tile(np.arange(count), 2)
    crossing = find_crossing(starts, ends, chain_id, chain_pos)
    if crossing is not None:
        x, y = (starts[crossing[0]] + ends[crossing[0]]) / 2
        raise TrackError(
            f"{spec.source}: centerline_m: expected borders that never cross, got a crossing "
            f"near ({x:.1f}, {y:.1f}) m (the track overlaps itself, or a curve is tighter "
            f"than half the width_m)"
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
