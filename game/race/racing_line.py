"""The racing line: the smoothest path between a track's borders, and the speed to drive it at.

The line cuts corners and swings wide before them (out, in, out), which is what lets a car
round a sharp polygon corner or the tightest curve the validator allows: the room it has is
the whole width, not the centreline's radius. It is the minimum-curvature path (sum of squared
second differences, as in Heilmeier et al. 2019) through cross-sections of the track, solved
by accelerated projected gradient; the speed comes from its curvature (grip) and braking for
what lies ahead. That path spreads a corner's turn unevenly, tightest at the apex: at a sharp
90 degree corner 10-20 m wide its tightest radius is 1.75-2 times w - 2 MARGIN_M, where one
circular arc could have 3.4 times, so the planned corner speed is about 0.75 of the most the
width allows (measured; tests/test_driver.py checks the bounds).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from game.race.car import CarParams
from game.race.geometry import Points, cross
from game.race.quads import LEN, S
from game.race.track import Track

Array = npt.NDArray[np.float64]

SPACING_M = 3.0
"""Cross-sections at most this far apart along the centreline."""
MARGIN_M = 1.2
"""The line keeps this far from the borders: room for the car's tracking error. Over 300
generated tracks (4 cars, 2 laps each) 0.6 m lost 33 tracks, 1.2 m and 1.8 m none; the mean
flying lap was no faster at 0.6 m (22.30 against 22.29 m/s; 22.17 at 1.8 m)."""
COARSE_EVERY = 4
"""The line is solved on every this-many-th cross-section first..."""
ITERATIONS = 200
"""...then on all of them, each time with this many steps of the solver."""
TURN_RADIUS_FACTOR = 1.2
"""Where the track allows, the line curves no tighter than this times the car's tightest
turning circle (5.4 m), leaving the steering a little slack to correct with."""
GRIP_MARGIN = 0.7
"""Corner at this fraction of the car's grip limit."""
BRAKE_MARGIN = 0.6
"""Plan braking at this fraction of the car's brakes."""
CURVATURE_WINDOW_M = 6.0
"""The speed plan reads the line's curvature after averaging it (twice) over this much of its
length. Where cross-sections fan out (a one-sided bump in a straight) the solved points kink by
10-14 degrees from one to the next; read point by point, the chicanes' bumps, which the line
takes nearly straight, were planned at 8-10 m/s. Planned laps of the chicanes 30.75 -> 25.47 s;
oval, hairpins and speedway within 0.7% (the average shrinks a 6.5 m radius by ~3%)."""


@dataclass(frozen=True, eq=False)
class RacingLine:
    """A closed path through the track: points, their arc length and the speed to hold there.

    Each array has one more row than the line has points: the last repeats the first, at arc
    length `length_m`, so lookups interpolate across the start without wrapping.
    """

    xy: Points
    """[P + 1, 2] points of the line [m]."""
    s_m: Array
    """[P + 1] arc length along the line at each point, from 0 to its length [m]."""
    speed_mps: Array
    """[P + 1] the speed to hold at each point [m/s]."""
    first_point: npt.NDArray[np.int64]
    """[M + 1] the line's points in quad k are first_point[k] up to first_point[k + 1]."""
    centreline_s_m: Array
    """[P + 1] arc length along the centreline of each point's cross-section, from 0 to the
    track's length: where the line is when the car is a given distance along the track."""

    @property
    def length_m(self) -> float:
        """Length of the line [m]."""
        return float(self.s_m[-1])

    def at(self, s_m: npt.ArrayLike) -> Points:
        """Points [..., 2] at arc lengths s along the line (taken modulo its length)."""
        s = np.mod(s_m, self.length_m)
        return np.stack([np.interp(s, self.s_m, self.xy[:, k]) for k in (0, 1)], axis=-1)

    def speed_at(self, s_m: npt.ArrayLike) -> Array:
        """The speed to hold at arc lengths s along the line (taken modulo its length)."""
        return np.interp(np.mod(s_m, self.length_m), self.s_m, self.speed_mps)


@functools.lru_cache(maxsize=256)  # enough for the 100 held-out tracks and a swarm's pool
def racing_line(track: Track, params: CarParams) -> RacingLine:
    """The track's racing line for the car `params` (cached: tracks are immutable)."""
    mid, half, first, along = _cross_sections(track)
    limit = max(1.0 - MARGIN_M / track.half_width_m, 0.0)
    low, high = _turning_limits(mid, half, limit, TURN_RADIUS_FACTOR * turning_radius_m(params))
    offset = _min_curvature_offsets(mid, half, low, high)
    xy = mid + offset[:, None] * half
    step = np.hypot(*(np.roll(xy, -1, axis=0) - xy).T)
    speed = _speed_profile(xy, step, params)
    closed = np.vstack([xy, xy[:1]])
    s_m = np.concatenate([[0.0], np.cumsum(step)])
    return RacingLine(closed, s_m, np.append(speed, speed[0]), first, along)


def turning_radius_m(params: CarParams) -> float:
    """The car's tightest turning circle (full lock, low speed) [m]."""
    return params.wheelbase_m / math.tan(params.max_steer_rad)


def _cross_sections(track: Track) -> tuple[Points, Points, npt.NDArray[np.int64], Array]:
    """Cross-sections: their middles [P, 2], half-spans [P, 2] (middle to left), first_point,
    and their arc lengths along the centreline [P + 1] (closed by the track's length).

    Quad k gets ceil(length / SPACING_M) cross-sections, interpolated between its back and
    front edges: they sweep the quad without crossing, so any point on one is on the track.
    """
    g = track.geometry
    count = np.maximum(np.ceil(track.seg_len_m / SPACING_M).astype(np.int64), 1)
    first = np.concatenate([[0], np.cumsum(count)])
    quad = np.repeat(np.arange(len(g)), count)
    t = (np.arange(first[-1]) - first[quad]) / count[quad]
    nxt = (quad + 1) % len(g)
    left = track.left_m[quad] + t[:, None] * (track.left_m[nxt] - track.left_m[quad])
    right = track.right_m[quad] + t[:, None] * (track.right_m[nxt] - track.right_m[quad])
    along = np.append(g[quad, S] + t * g[quad, LEN], track.length_m)
    return (left + right) / 2, (left - right) / 2, first, along


def _turning_limits(
    mid: Points, half: Points, limit: float, radius_m: float
) -> tuple[Array, Array]:
    """The range [low, high] of each offset: within `limit`, and never closer than `radius_m` to
    where the cross-sections fan out from.

    Inside a curve the cross-sections fan out from its centre, so points there crowd together
    and their second differences shrink with their spacing: the energy would let the line bend
    for free, tighter than the car can turn. Two neighbours at offset u are |gap + u fan| apart
    and their cross-sections differ by an angle phi, so the line there curves round the fan's
    centre at radius |gap + u fan| / phi; keeping that >= radius_m bounds u on the inner side.
    Where even the outer limit is closer, the offset is pinned there.
    """
    after = np.roll(half, -1, axis=0)
    gap = np.roll(mid, -1, axis=0) - mid
    fan = after - half
    phi = np.abs(np.arctan2(cross(half, after), np.einsum("ij,ij->i", half, after)))
    # |gap + u fan| < radius_m * phi between the roots of a u^2 + 2 b u + c.
    a = np.maximum(np.einsum("ij,ij->i", fan, fan), 1e-12)
    b = np.einsum("ij,ij->i", gap, fan)
    c = np.einsum("ij,ij->i", gap, gap) - (radius_m * phi) ** 2
    root = np.sqrt(np.maximum(b * b - a * c, 0.0))
    fanned = b * b - a * c > 0
    low_pair = np.where(fanned & (b > 0), (-b + root) / a, -np.inf)  # spacing grows with u
    high_pair = np.where(fanned & (b < 0), (-b - root) / a, np.inf)
    low = np.clip(np.maximum(low_pair, np.roll(low_pair, 1)), -limit, limit)
    high = np.clip(np.minimum(high_pair, np.roll(high_pair, 1)), -limit, limit)
    return np.minimum(low, high), np.maximum(low, high)


def _min_curvature_offsets(mid: Points, half: Points, low: Array, high: Array) -> Array:
    """Offsets u in [low, high] minimising the sum of |second difference|^2 of mid + u * half.

    Solved on every COARSE_EVERY-th cross-section first, then on all of them from there: the
    solver needs about (wavelength in points)^2 steps to settle a bend, so the coarse pass does
    the long sweeps cheaply. Planned lap times over the 4 shipped and 8 generated tracks: 412 s
    this way (200 + 200 steps, 12 ms a track in numpy), 410 s after 3000 steps on the fine
    points alone (110 ms), 421 s after 400 (24 ms).
    """
    coarse = np.arange(0, len(mid), COARSE_EVERY)
    first = _fista(np.zeros(len(coarse)), mid[coarse], half[coarse], low[coarse], high[coarse])
    start = np.interp(np.arange(len(mid)), np.append(coarse, len(mid)), np.append(first, first[0]))
    return _fista(start, mid, half, low, high)


def _fista(offset: Array, mid: Points, half: Points, low: Array, high: Array) -> Array:
    """ITERATIONS steps of FISTA (Beck and Teboulle 2009) from `offset`, projected on [low, high].

    The step is diagonal: a second difference's square has eigenvalues up to 16, so the
    Hessian is at most 32 |half_i|^2 on the diagonal and each offset steps by its own bound.
    """
    step = 1.0 / (32.0 * np.einsum("ij,ij->i", half, half))
    return _fista_steps(np.clip(offset, low, high), mid, half, low, high, step, ITERATIONS)


@njit(cache=True)
def _fista_steps(
    offset: Array, mid: Points, half: Points, low: Array, high: Array, step: Array, steps: int
) -> Array:
    """_fista's iterations, compiled: the same arithmetic in the same order as numpy's rolled
    arrays, point by point (identical lines; 17 ms a generated track in numpy, mostly np.roll's
    overhead, against ~1 ms; a track is solved for every one a swarm's pool draws)."""
    count = len(offset)
    previous = offset.copy()
    xy = np.empty((count, 2))
    second = np.empty((count, 2))
    for k in range(steps):
        guess = offset + (k / (k + 3)) * (offset - previous)
        for i in range(count):
            for j in range(2):
                xy[i, j] = mid[i, j] + guess[i] * half[i, j]
        for i in range(count):
            for j in range(2):
                second[i, j] = xy[i - 1, j] - 2 * xy[i, j] + xy[(i + 1) % count, j]
        previous = offset
        offset = np.empty(count)
        for i in range(count):
            before, after = i - 1, (i + 1) % count
            f0 = second[before, 0] - 2 * second[i, 0] + second[after, 0]
            f1 = second[before, 1] - 2 * second[i, 1] + second[after, 1]
            gradient = 2 * (half[i, 0] * f0 + half[i, 1] * f1)
            offset[i] = min(max(guess[i] - step[i] * gradient, low[i]), high[i])
    return offset


def _speed_profile(xy: Points, step: Array, params: CarParams) -> Array:
    """[P] the fastest speed at each point within grip that still brakes in time for later ones."""
    curvature = _curvature(_averaged(xy, step))
    curvature = np.max([np.roll(curvature, k) for k in range(-2, 3)], axis=0)
    grip = GRIP_MARGIN * params.max_lateral_mps2
    cap = np.minimum(params.max_speed_mps, np.sqrt(grip / np.maximum(curvature, 1e-9)))
    # Braking at b from v reaches u after (v^2 - u^2) / 2b: so v^2 <= min over later points j
    # of cap_j^2 + 2b (s_j - s), a running minimum from the end over two laps (for the wrap).
    brake = BRAKE_MARGIN * params.brake_mps2
    s = np.concatenate([[0.0], np.cumsum(step)])[:-1]
    s2 = np.concatenate([s, s + step.sum()])
    budget = np.tile(cap**2, 2) + 2 * brake * s2
    reachable = np.minimum.accumulate(budget[::-1])[::-1][: len(xy)]
    return np.sqrt(reachable - 2 * brake * s)


def _averaged(xy: Points, step: Array) -> Points:
    """The closed line's points averaged twice over CURVATURE_WINDOW_M of its length (resampled
    every 0.5 m, then read back at its own arc lengths)."""
    s = np.concatenate([[0.0], np.cumsum(step)])
    spacing = 0.5
    even = np.arange(0.0, s[-1], spacing)
    closed = np.vstack([xy, xy[:1]])
    points = np.column_stack([np.interp(even, s, closed[:, k]) for k in (0, 1)])
    half = max(round(CURVATURE_WINDOW_M / 2 / spacing), 1)
    kernel = np.ones(2 * half + 1) / (2 * half + 1)
    for _ in range(2):
        wrapped = np.vstack([points[-half:], points, points[:half]])
        points = np.column_stack([np.convolve(wrapped[:, k], kernel, "valid") for k in (0, 1)])
    again = np.vstack([points, points[:1]])
    even = np.append(even, s[-1])
    return np.column_stack([np.interp(s[:-1], even, again[:, k]) for k in (0, 1)])


def _curvature(xy: Points) -> Array:
    """[P] |curvature| [1/m] at each point of a closed polyline: its turn over the mean of the two
    edges either side."""
    ahead = np.roll(xy, -1, axis=0) - xy
    behind = np.roll(ahead, 1, axis=0)
    turn = np.arctan2(cross(behind, ahead), np.einsum("ij,ij->i", behind, ahead))
    step = np.hypot(*ahead.T)
    return np.abs(turn) / np.maximum(0.5 * (step + np.roll(step, 1)), 1e-9)
