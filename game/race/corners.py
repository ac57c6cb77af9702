"""Where the vertices of a smooth centreline go when some of its corners are sharp."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from game.race.geometry import Points, cross, miter_borders

PLACEMENT_TRIES = 16
"""Times a corner's nearest vertex is moved further out before the fold is left to the validator."""
CHECKED_SEGMENTS = 2
"""Border segments checked for folds on each side of a corner."""


def corner_vertices(
    points: Points,
    sharp: npt.NDArray[np.bool_],
    dense: Points,
    starts: npt.NDArray[np.int64],
    width_m: float,
    spacing_m: float,
) -> Points:
    """[M, 2] centreline vertices: every sharp corner and the first point, the curve evenly between.

    Args:
        points: [K, 2] the control points; sharp: [K] which of them are sharp corners.
        dense: the curve through them sampled finely (`closed_spline_with_corners`), and
            starts: [K] the sample each point's piece starts at.
        spacing_m: the vertex spacing wanted along the curve.

    Two neighbouring sharp corners are joined by one straight quad. Next to a sharp corner the
    nearest vertex is kept at least half_width * tan(turn / 2) (plus a spacing) away: that is
    how far past the corner the inner border's miter point reaches, and a vertex nearer than
    that folds the inner border back on itself, as splitting a straight edge would. On a piece
    that curves towards the inside the inner border is shorter than the centreline, and the
    long first segment meets the curve at an angle, so the keep-out grows half a spacing at a
    time until neither border folds beside any corner (or PLACEMENT_TRIES run out, and the
    validator refuses the track). At most MAX_VERTICES plus one per corner.
    """
    incoming = points - np.roll(points, 1, axis=0)
    outgoing = np.roll(points, -1, axis=0) - points
    turn = np.arctan2(np.abs(cross(incoming, outgoing)), np.einsum("ij,ij->i", incoming, outgoing))
    first_guess = np.where(sharp, width_m / 2 * np.tan(turn / 2) + spacing_m, 0.0)
    keep_after, keep_before = first_guess.copy(), first_guess.copy()
    breaks = np.flatnonzero(sharp | (np.arange(len(points)) == 0))
    loop = np.vstack([dense, dense[:1]])
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(loop, axis=0).T))])
    arc_at = arc[starts[breaks]]
    for _ in range(PLACEMENT_TRIES):
        where, rows = _positions(arc_at, arc[-1], breaks, sharp, keep_after, keep_before, spacing_m)
        center = np.column_stack([np.interp(where, arc, loop[:, i]) for i in (0, 1)])
        center[rows] = points[breaks]
        after, before = _folds(center, rows, width_m)
        after &= sharp[breaks]
        before &= sharp[breaks]
        if not (after.any() or before.any()):
            break
        keep_after[breaks[after]] += spacing_m / 2
        keep_before[breaks[before]] += spacing_m / 2
    return center


def _positions(
    arc_at: npt.NDArray[np.float64],
    total_m: float,
    breaks: npt.NDArray[np.int64],
    sharp: npt.NDArray[np.bool_],
    keep_after: npt.NDArray[np.float64],
    keep_before: npt.NDArray[np.float64],
    spacing_m: float,
) -> tuple[npt.NDArray[np.float64], list[int]]:
    """Arc positions of the vertices along the dense loop, and the rows that are break points."""
    positions: list[float] = []
    rows: list[int] = []
    for j, (a, b) in enumerate(zip(breaks, np.roll(breaks, -1), strict=True)):
        s_a = arc_at[j]
        s_b = arc_at[(j + 1) % len(breaks)] + (total_m if b <= a else 0.0)
        rows.append(len(positions))
        positions.append(s_a)
        if sharp[a] and sharp[b] and (b - a) % len(sharp) == 1:
            continue  # one straight quad
        low, high = s_a + keep_after[a], s_b - keep_before[b]
        if high <= low:
            positions.append((s_a + s_b) / 2)  # no room: the borders fold, and are refused
            continue
        pieces = max(1, round((high - low) / spacing_m))
        inner = low + (high - low) * np.arange(pieces + 1) / pieces
        positions.extend(inner[int(keep_after[a] == 0) : pieces + int(keep_before[b] > 0)])
    return np.mod(np.asarray(positions), total_m), rows


def _folds(center: Points, rows: list[int], width_m: float) -> tuple[npt.NDArray[np.bool_], ...]:
    """Whether a border runs backwards on the first segments after, and before, each row."""
    borders = miter_borders(center, width_m)
    count = len(center)
    nxt = np.roll(np.arange(count), -1)
    backwards = np.zeros(count, dtype=bool)  # [M] a border runs backwards on segment k
    for side in (borders.left_m, borders.right_m):
        backwards |= np.einsum("ij,ij->i", side[nxt] - side, borders.seg_dir) <= 0
    row, steps = np.asarray(rows)[:, None], np.arange(CHECKED_SEGMENTS)
    after = backwards[(row + steps) % count].any(axis=1)
    before = backwards[(row - 1 - steps) % count].any(axis=1)
    return after, before
