"""The fields of a track file: their limits, and one check per kind of field that returns the
value or raises the TrackError its `fail` builds (the format is in tracks/README.md)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from game.errors import TrackError

MAX_POINTS = 1_000
MAX_ABS_COORD_M = 10_000.0
MIN_POINT_SPACING_M = 0.1
WIDTH_RANGE_M = (4.0, 60.0)
MAX_TIME_LIMIT_S = 3_600.0
MAX_NAME_CHARS = 60
MAX_DESCRIPTION_CHARS = 500

Fail = Callable[[str, str, str], TrackError]
"""Builds the error for (field, what was expected, what was found)."""


def control_points(value: Any, fail: Fail) -> npt.NDArray[np.float64]:
    """The centreline as distinct [K, 2] points; it must be closed (last point = first point)."""
    field = "centerline_m"
    if not isinstance(value, list):
        raise fail(field, "a list of [x, y] points in metres", describe(value))
    if not 5 <= len(value) <= MAX_POINTS + 1:
        raise fail(
            field,
            f"between 5 and {MAX_POINTS + 1} points (4 distinct + the closing one)",
            f"{len(value)} points",
        )
    for index, point in enumerate(value):
        if (
            not isinstance(point, list)
            or len(point) != 2
            or not all(is_real(c) and abs(c) <= MAX_ABS_COORD_M for c in point)
        ):
            expected = f"[x, y] with finite numbers within ±{MAX_ABS_COORD_M:g} m"
            error = fail(f"{field}[{index}]", expected, describe(point))
            error.point = index
            raise error
    points = np.asarray(value, dtype=np.float64)
    gap_m = float(np.hypot(*(points[-1] - points[0])))
    if gap_m > 1e-6:
        raise fail(
            field, "a closed loop: the last point must repeat the first", f"a gap of {gap_m:.3g} m"
        )
    points = points[:-1]
    spacing = np.hypot(*(np.roll(points, -1, axis=0) - points).T)
    if spacing.min() < MIN_POINT_SPACING_M:
        index = int(spacing.argmin())
        error = fail(
            f"{field}[{index}]",
            f"a point at least {MIN_POINT_SPACING_M} m from the next one",
            f"{spacing[index]:.3g} m",
        )
        error.point, error.at_m = index, (float(points[index, 0]), float(points[index, 1]))
        raise error
    return points


def sharp_corners(value: Any, count: int, smooth: bool, fail: Fail) -> list[int]:
    """The sharp corners of a smooth track: distinct indices of centreline points, ascending."""
    field = "sharp_corners"
    expected = f"a list of distinct point indices from 0 to {count - 1}"
    if not isinstance(value, list) or not all(is_int(i) and 0 <= i < count for i in value):
        raise fail(field, expected, describe(value))
    if len(set(value)) != len(value):
        raise fail(field, expected, f"{describe(value)} (an index repeated)")
    if value and not smooth:
        raise fail(field, 'none with "smooth": false (every corner is sharp)', describe(value))
    return sorted(value)


def number(value: Any, field: str, low: float, high: float, fail: Fail) -> float:
    """A finite real number within [low, high]."""
    if not is_real(value) or not low <= value <= high:
        raise fail(field, f"a number in [{low:g}, {high:g}]", describe(value))
    return float(value)


def boolean(value: Any, field: str, fail: Fail) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise fail(field, "true or false", describe(value))
    return value


def is_text(value: Any, max_chars: int) -> bool:
    """A string that can be shown and printed: no control characters, no lone surrogates."""
    return isinstance(value, str) and len(value) <= max_chars and value.isprintable()


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_real(value: Any) -> bool:
    """An int or float (not a bool) that is finite (math.isfinite overflows on huge ints)."""
    return is_int(value) or (isinstance(value, float) and math.isfinite(value))


def describe(value: Any) -> str:
    """A short description of a value for an error message (never the whole of a huge value)."""
    text = json.dumps(value) if jsonable(value) else repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return False
    return True
