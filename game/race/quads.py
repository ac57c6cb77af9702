"""The track as a ring of quads, in compiled code: which quad a point is in, where it projects
on the centreline, and exact ray casts to the borders.

Quad k spans centreline vertices k and k+1 and is bounded by the left and right border edges
from vertex k to k+1 and the two cross edges right->left at vertex k (its back) and at vertex
k+1 (its front). Every kernel reads a track's packed `geometry` table, one row per vertex.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

# Columns of Track.geometry, the packed per-vertex table the compiled kernels read.
CX, CY = 0, 1  # centreline vertex k [m]
DX, DY = 2, 3  # unit direction of centreline segment k (vertex k to k+1)
LEN = 4  # length of segment k [m]
S = 5  # arc length at vertex k [m]
LX, LY = 6, 7  # left border vertex k (left when driving forward) [m]
RX, RY = 8, 9  # right border vertex k [m]
H = 10  # heading of segment k [rad], unwrapped: H[k + 1] - H[k] is the turn at vertex k + 1
GEOMETRY_COLUMNS = 11


SEARCH_QUADS = 8
"""A car is looked for this many quads either side of where it was (it moves at most 2 m a step)."""
MAX_RANGE_M = 50.0
"""Rays longer than this read as this [m]."""


@njit(cache=True)
def _cross(ax: float, ay: float, bx: float, by: float) -> float:
    return ax * by - ay * bx


@njit(cache=True)
def in_quad(g: npt.NDArray[np.float64], k: int, x: float, y: float) -> bool:
    """Whether (x, y) lies in quad k of geometry `g` (half-open at its front edge, so quads never
    overlap)."""
    k1 = k + 1 if k + 1 < len(g) else 0
    lx0, ly0, lx1, ly1 = g[k, LX], g[k, LY], g[k1, LX], g[k1, LY]
    rx0, ry0, rx1, ry1 = g[k, RX], g[k, RY], g[k1, RX], g[k1, RY]
    return (
        _cross(rx1 - rx0, ry1 - ry0, x - rx0, y - ry0) >= 0
        and _cross(lx1 - lx0, ly1 - ly0, x - lx0, y - ly0) <= 0
        and _cross(lx0 - rx0, ly0 - ry0, x - rx0, y - ry0) <= 0
        and _cross(lx1 - rx1, ly1 - ry1, x - rx1, y - ry1) > 0
    )


@njit(cache=True)
def locate(g: npt.NDArray[np.float64], x: float, y: float, hint: int) -> tuple[int, bool]:
    """The quad containing (x, y), searched outwards from `hint`; (hint, False) off the track."""
    count = len(g)
    for step in range(2 * SEARCH_QUADS + 1):
        offset = (step + 1) // 2 if step % 2 else -(step // 2)
        k = (hint + offset) % count
        if in_quad(g, k, x, y):
            return k, True
    return hint, False


@njit(cache=True)
def project(g: npt.NDArray[np.float64], k: int, x: float, y: float) -> tuple[float, float]:
    """Arc length [m] of (x, y) projected on centreline segment k, and its offset to the left
    [m]."""
    dx, dy = g[k, DX], g[k, DY]
    rx, ry = x - g[k, CX], y - g[k, CY]
    along = min(max(rx * dx + ry * dy, 0.0), g[k, LEN])
    return g[k, S] + along, dx * ry - dy * rx


@njit(cache=True, inline="always")
def _left_of(
    g: npt.NDArray[np.float64], k: int, px: int, x: float, y: float, dx: float, dy: float
) -> bool:
    """Whether the point in columns (px, px + 1) of row k lies left of (or on) the ray line."""
    return dx * (g[k, px + 1] - y) - dy * (g[k, px] - x) >= 0.0


@njit(cache=True, inline="always")
def _hit(
    g: npt.NDArray[np.float64],
    a: int,
    pa: int,
    b: int,
    pb: int,
    x: float,
    y: float,
    dx: float,
    dy: float,
) -> float:
    """Distance along the ray to the line through point (row a, columns pa) and (row b, columns
    pb)."""
    ax, ay = g[a, pa], g[a, pa + 1]
    ex, ey = g[b, pb] - ax, g[b, pb + 1] - ay
    denominator = dx * ey - dy * ex
    return ((ax - x) * ey - (ay - y) * ex) / denominator if denominator != 0.0 else np.inf


FirstQuad = tuple[
    float, float, float, float, float, float, float, float, float, float, float, float
]
"""A quad's corners relative to a point in it, and its edges' crossing numerators (see
`first_quad`)."""


@njit(cache=True, inline="always")
def first_quad(g: npt.NDArray[np.float64], k: int, x: float, y: float) -> FirstQuad:
    """What every ray from (x, y) shares about quad k: its corners relative to (x, y) and, for each
    edge a->b, cross(a, b - a), the numerator of the distance to where a ray crosses it.

    Returns (left k, left k+1, right k, right k+1 as x, y pairs; then the numerators of the
    left, right, front and back edges).
    """
    k1 = k + 1 if k + 1 < len(g) else 0
    lx0, ly0, lx1, ly1 = g[k, LX] - x, g[k, LY] - y, g[k1, LX] - x, g[k1, LY] - y
    rx0, ry0, rx1, ry1 = g[k, RX] - x, g[k, RY] - y, g[k1, RX] - x, g[k1, RY] - y
    return (
        lx0,
        ly0,
        lx1,
        ly1,
        rx0,
        ry0,
        rx1,
        ry1,
        _cross(lx0, ly0, lx1 - lx0, ly1 - ly0),
        _cross(rx0, ry0, rx1 - rx0, ry1 - ry0),
        _cross(rx1, ry1, lx1 - rx1, ly1 - ry1),
        _cross(rx0, ry0, lx0 - rx0, ly0 - ry0),
    )


@njit(cache=True)
def cast_ray(
    g: npt.NDArray[np.float64], half_width_m: float, k: int, x: float, y: float, angle_rad: float
) -> float:
    """Exact distance [m] from (x, y) along angle_rad to the first border, capped at MAX_RANGE_M; 0
    unless in quad k."""
    if not in_quad(g, k, x, y):
        return 0.0
    quad = first_quad(g, k, x, y)
    return cast_ray_along(g, half_width_m, k, x, y, math.cos(angle_rad), math.sin(angle_rad), quad)


@njit(cache=True)
def cast_ray_along(
    g: npt.NDArray[np.float64],
    half_width_m: float,
    k: int,
    x: float,
    y: float,
    dx: float,
    dy: float,
    quad: FirstQuad,
) -> float:
    """Exact distance [m] from (x, y), which must lie in quad k, along the unit vector (dx, dy) to
    the first border.

    `quad` is `first_quad(g, k, x, y)`, shared by all the rays of one car. Walks the ray
    through the ring of quads. Each vertex is classified by the side of the ray line it lies
    on; the ray leaves a (convex) quad through an edge whose ends lie on opposite sides. A
    border edge is the hit; a cross edge leads into the neighbouring quad, which shares that
    edge's two vertices (and their sides), so each further quad costs two side tests.
    """
    lx0, ly0, lx1, ly1, rx0, ry0, rx1, ry1, n_left, n_right, n_front, n_back = quad
    left0, right0 = dx * ly0 - dy * lx0 >= 0.0, dx * ry0 - dy * rx0 >= 0.0
    left1, right1 = dx * ly1 - dy * lx1 >= 0.0, dx * ry1 - dy * rx1 >= 0.0
    # The ray's line crosses two edges of the first quad: the ray leaves through the one ahead,
    # the farther crossing (the nearer one is behind, or at 0 when the point is on an edge).
    exit_t, exit_edge = -np.inf, -1
    if left0 != left1:
        exit_t, exit_edge = n_left / _cross(dx, dy, lx1 - lx0, ly1 - ly0), 0
    if right0 != right1:
        along = n_right / _cross(dx, dy, rx1 - rx0, ry1 - ry0)
        if along > exit_t:
            exit_t, exit_edge = along, 1
    if left1 != right1:
        along = n_front / _cross(dx, dy, lx1 - rx1, ly1 - ry1)
        if along > exit_t:
            exit_t, exit_edge = along, 2
    if left0 != right0:
        along = n_back / _cross(dx, dy, lx0 - rx0, ly0 - ry0)
        if along > exit_t:
            exit_t, exit_edge = along, 3
    if exit_edge < 0:
        return 0.0  # numerically lost (never seen): report a wall rather than open road
    if exit_edge <= 1:
        return min(max(exit_t, 0.0), MAX_RANGE_M)  # below 0 only by rounding, on an edge
    # Then on from quad to quad, forwards (+1) or backwards (-1): `near` is the vertex of the
    # cross edge the ray came in by, `far` the vertex of the quad's other cross edge.
    count = len(g)
    step = 1 if exit_edge == 2 else -1
    if step == 1:
        near, near_left, near_right = (k + 1 if k + 1 < count else 0), left1, right1
    else:
        near, near_left, near_right = k, left0, right0
    far_sq = (MAX_RANGE_M + 2.0 * half_width_m) ** 2
    for _ in range(count):
        far = near + step
        far = 0 if far == count else (count - 1 if far < 0 else far)
        far_left, far_right = _left_of(g, far, LX, x, y, dx, dy), _left_of(g, far, RX, x, y, dx, dy)
        if near_left != far_left:
            return min(max(_hit(g, near, LX, far, LX, x, y, dx, dy), 0.0), MAX_RANGE_M)
        if near_right != far_right:
            return min(max(_hit(g, near, RX, far, RX, x, y, dx, dy), 0.0), MAX_RANGE_M)
        # Out through the far cross edge: once its midpoint (a centreline vertex) is that far
        # away, every point of it is beyond range.
        mid_x, mid_y = g[far, CX] - x, g[far, CY] - y
        if mid_x * mid_x + mid_y * mid_y > far_sq:
            return MAX_RANGE_M
        near, near_left, near_right = far, far_left, far_right
    return MAX_RANGE_M
