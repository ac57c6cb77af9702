"""What is under the mouse: a point, a segment of the loop, or nothing (all in screen pixels)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

POINT_RADIUS_PX = 10.0
"""A click this close to a point grabs it."""
SEGMENT_RADIUS_PX = 8.0
"""A click this close to a segment (and not on a point) inserts a point there."""


def nearest_point(
    points_px: npt.ArrayLike, xy_px: tuple[float, float], radius_px: float = POINT_RADIUS_PX
) -> int | None:
    """The index of the point nearest `xy_px`, if it is within `radius_px`."""
    points = np.asarray(points_px, dtype=np.float64).reshape(-1, 2)
    if len(points) == 0:
        return None
    distance = np.hypot(*(points - xy_px).T)
    index = int(distance.argmin())
    return index if distance[index] <= radius_px else None


def nearest_segment(
    points_px: npt.ArrayLike, xy_px: tuple[float, float], radius_px: float = SEGMENT_RADIUS_PX
) -> int | None:
    """The segment (from point i to point i + 1, the last one closing the loop) nearest `xy_px`,
    if it is within `radius_px`; its index i."""
    points = np.asarray(points_px, dtype=np.float64).reshape(-1, 2)
    if len(points) < 2:
        return None
    distance = distance_to_segments(
        points, np.roll(points, -1, axis=0), np.asarray(xy_px, dtype=np.float64)
    )
    if len(points) == 2:
        distance = distance[:1]  # two points are one segment, not a loop yet
    index = int(distance.argmin())
    return index if distance[index] <= radius_px else None


def distance_to_segments(
    starts: npt.NDArray[np.float64], ends: npt.NDArray[np.float64], xy: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """[S] distance from `xy` to each segment from starts[i] to ends[i]."""
    along = ends - starts
    length_sq = np.einsum("ij,ij->i", along, along)
    t = np.clip(np.einsum("ij,ij->i", xy - starts, along) / np.maximum(length_sq, 1e-12), 0.0, 1.0)
    nearest = starts + t[:, None] * along
    return np.hypot(*(nearest - xy).T)
