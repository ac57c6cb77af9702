"""What a car sees: ray distances to the borders, its speed and steering, and its pose on the
track."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from game.race.car import CarParams
from game.race.quads import H, LEN, MAX_RANGE_M, S, cast_ray_along, first_quad, in_quad

RAY_ANGLES_RAD = np.deg2rad(np.array([-90.0, -50.0, -25.0, -10.0, 0.0, 10.0, 25.0, 50.0, 90.0]))
"""Ray directions relative to the car's heading: 9 rays over the 180 degrees ahead, closest
together straight ahead, where a bend the car can take flat out and one it must brake for look
alike to rays 22.5 degrees apart. Spread that way instead of evenly, PPO across generated tracks
lapped the chicanes in 21.27 s instead of 21.99 s (faster on each of seeds 0-5), with as many
held-out tracks lapped (bench/RESULTS.md, "The generalist")."""
_RAY_COS, _RAY_SIN = np.cos(RAY_ANGLES_RAD), np.sin(RAY_ANGLES_RAD)
LOOKAHEAD_M = np.array([10.0, 20.0, 40.0, 70.0, 100.0])
"""Distances along the centreline at which the car reads how far the racing line has turned:
past the rays' 50 m, as far as braking from top speed for a hairpin takes (~60 m). The line's
turn, not the centreline's, with the heading error and offset read against the line too: a
bump the line takes nearly straight then reads nearly straight, and PPO across generated tracks
lapped the chicanes in 21.99 s instead of 22.57 s (seeds 0-5; bench/RESULTS.md)."""
POINTS_AHEAD_M = np.array([5.0, 10.0, 20.0, 60.0])
"""Distances along the centreline at which the car sees where the racing line is
(game/race/racing_line.py, the scripted driver's line), in its own frame (metres forward and to
the left, over POINTS_SCALE_M): the line to steer along and how soon a sharp corner closes in,
which the turn alone does not say. With the centreline's points, PPO across generated tracks
lapped 91% of the held-out tracks instead of 76% (seed 0, 6M steps); with the racing line's
instead, it laps more of them and every shipped track faster (chicanes 22.67 s against 23.43
s). The farthest is 60 m, not 40: a generalist never drove faster than it could stop for a
hairpin within its farthest point (34.4 m/s for 40 m; the speedway's laps 1.20x a
specialist's, 1.10x with 60 m). bench/RESULTS.md, "The generalist"."""
POINTS_SCALE_M = 60.0
LINE_INDEX_M = 2.0
"""The racing line's index (game/race/observed_line.py) keeps, every this many metres of the
centreline, the line's row and the centreline's segment there: line_piece and
centreline_segment start from it and walk on over a row or two (the line's points are up to 3
m apart). With 1,024 cars each on its own track, a binary search of the line for each point
made its table a cache miss after another: 0.6-0.9M car-steps/s against 1.6M with none
(bench/env_speed.py). Reading the heading, offset and turns against the line as well took
1,130 ns an observation (473 before) and 0.70M car-steps/s; with the centreline's segments
indexed too, each track's lap turn and each piece's direction worked out once, and a lap's
modulo skipped where the distance is already within the lap, 667 ns and 1.20M (the same
values, bit for bit)."""

OBS_NAMES = (
    *(f"ray {deg:+.1f} deg" for deg in np.rad2deg(RAY_ANGLES_RAD)),
    "speed",
    "steer",
    "sin heading error from the racing line",
    "cos heading error from the racing line",
    "offset from the racing line",
    *(f"racing line turn {ahead:.0f} m ahead" for ahead in LOOKAHEAD_M),
    *(
        f"racing line {ahead:.0f} m ahead, {axis}"
        for ahead in POINTS_AHEAD_M
        for axis in ("forward", "left")
    ),
)
"""The observation, value by value: a checkpoint records it and is refused by another."""
OBS_SIZE = len(OBS_NAMES)
OBS_LOW = np.array(
    [0.0] * len(RAY_ANGLES_RAD)
    + [0.0, -1.0, -1.0, -1.0, -1.0]
    + [-1.0] * (len(LOOKAHEAD_M) + 2 * len(POINTS_AHEAD_M)),
    dtype=np.float32,
)
OBS_HIGH = np.ones(OBS_SIZE, dtype=np.float32)


@njit(cache=True)
def observe_car(
    g: npt.NDArray[np.float64],
    line: npt.NDArray[np.float64],
    index: npt.NDArray[np.int64],
    half_width_m: float,
    p: CarParams,
    x_m: float,
    y_m: float,
    heading_rad: float,
    speed_mps: float,
    steer_rad: float,
    seg: int,
    s_m: float,
    out: npt.NDArray[np.float32],
) -> None:
    """Write one car's observations into `out` (OBS_NAMES; the table in RaceEnv's docstring); g is
    the track geometry, line and index its racing line (game/race/observed_line.py), seg the
    car's quad and s_m its arc length along the centreline."""
    rays = RAY_ANGLES_RAD.shape[0]
    cos_h, sin_h = math.cos(heading_rad), math.sin(heading_rad)
    if in_quad(g, seg, x_m, y_m):
        quad = first_quad(g, seg, x_m, y_m)  # shared by all of this car's rays
        for j in range(rays):
            # Each ray's direction is the heading turned by its fixed angle: one sin/cos per car.
            dx = cos_h * _RAY_COS[j] - sin_h * _RAY_SIN[j]
            dy = sin_h * _RAY_COS[j] + cos_h * _RAY_SIN[j]
            out[j] = cast_ray_along(g, half_width_m, seg, x_m, y_m, dx, dy, quad) / MAX_RANGE_M
    else:
        out[:rays] = 0.0  # off the track (the episode has just ended): the car is at a wall
    out[rays] = speed_mps / p.max_speed_mps
    out[rays + 1] = steer_rad / p.max_steer_rad
    # The racing line where it crosses the track here is the car's reference: its direction for
    # the heading error (as sin and cos: no wrap-around jump), its piece for the offset.
    k, _ = line_piece(line, index, s_m)
    piece_dx, piece_dy = line[k + 1, 1] - line[k, 1], line[k + 1, 2] - line[k, 2]
    piece_m = math.hypot(piece_dx, piece_dy)
    line_dx, line_dy = piece_dx / piece_m, piece_dy / piece_m
    out[rays + 2] = sin_h * line_dx - cos_h * line_dy
    out[rays + 3] = cos_h * line_dx + sin_h * line_dy
    offset_m = (piece_dx * (y_m - line[k, 2]) - piece_dy * (x_m - line[k, 1])) / piece_m
    out[rays + 4] = min(max(offset_m / half_width_m, -1.0), 1.0)
    # The line's turn = the centreline's, plus how much more the line is turned off it there.
    # The centreline's direction counts on over laps: each adds the loop's whole turn.
    count = g.shape[0]
    length = g[count - 1, S] + g[count - 1, LEN]
    last_turn = (g[0, H] - g[count - 1, H] + math.pi) % (2 * math.pi) - math.pi
    lap_turn = g[count - 1, H] + last_turn - g[0, H]  # +-2 pi on a simple loop
    here = line_angle(line, k, g[centreline_segment(g, index, wrapped(s_m, length)), H])
    for j in range(LOOKAHEAD_M.shape[0]):
        ahead_m = s_m + LOOKAHEAD_M[j]
        laps = math.floor(ahead_m / length)
        there = g[centreline_segment(g, index, ahead_m - laps * length), H]
        k, _ = line_piece(line, index, ahead_m)
        turn = there + laps * lap_turn - g[seg, H] + line_angle(line, k, there) - here
        out[rays + 5 + j] = min(max(turn / math.pi, -1.0), 1.0)
    points = rays + 5 + LOOKAHEAD_M.shape[0]
    for j in range(POINTS_AHEAD_M.shape[0]):
        px, py = line_at(line, index, s_m + POINTS_AHEAD_M[j])
        px, py = px - x_m, py - y_m
        forward, left = px * cos_h + py * sin_h, -px * sin_h + py * cos_h
        out[points + 2 * j] = min(max(forward / POINTS_SCALE_M, -1.0), 1.0)
        out[points + 2 * j + 1] = min(max(left / POINTS_SCALE_M, -1.0), 1.0)


@njit(cache=True)
def line_piece(
    line: npt.NDArray[np.float64], index: npt.NDArray[np.int64], s_m: float
) -> tuple[int, float]:
    """The racing line's piece (rows k and k + 1) that crosses the track at centreline arc
    length s_m (any number of laps on), and how far along it (0-1); line: [P + 1, 4] rows of
    centreline arc length, x, y and piece direction, the last closing the loop; index: its row
    (column 0) at or before every LINE_INDEX_M metres (game/race/observed_line.py)."""
    last = line.shape[0] - 1
    along = wrapped(s_m, line[last, 0])
    k = index[min(int(along / LINE_INDEX_M), index.shape[0] - 1), 0]
    while k < last - 1 and line[k + 1, 0] <= along:
        k += 1
    return k, (along - line[k, 0]) / (line[k + 1, 0] - line[k, 0])


@njit(cache=True)
def piece_directions(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The direction [rad] of each piece of the polyline xy ([P + 1, 2]) from its row to the next
    (the last row's: 0, no piece starts there)."""
    out = np.zeros(xy.shape[0])
    for k in range(xy.shape[0] - 1):
        out[k] = math.atan2(xy[k + 1, 1] - xy[k, 1], xy[k + 1, 0] - xy[k, 0])
    return out


@njit(cache=True)
def line_at(
    line: npt.NDArray[np.float64], index: npt.NDArray[np.int64], s_m: float
) -> tuple[float, float]:
    """The racing line's point [m] where it crosses the track at centreline arc length s_m."""
    k, f = line_piece(line, index, s_m)
    x = line[k, 1] + f * (line[k + 1, 1] - line[k, 1])
    return x, line[k, 2] + f * (line[k + 1, 2] - line[k, 2])


@njit(cache=True)
def line_angle(line: npt.NDArray[np.float64], k: int, centreline_rad: float) -> float:
    """How far [rad, positive left] the racing line's piece k is turned from the centreline's
    direction centreline_rad (within a half turn)."""
    return wrapped(line[k, 3] - centreline_rad + math.pi, 2 * math.pi) - math.pi


@njit(cache=True)
def wrapped(x: float, period: float) -> float:
    """x % period, skipping the division when x is already in [0, period) (where it is x)."""
    return x if 0.0 <= x < period else x % period


@njit(cache=True)
def centreline_segment(
    g: npt.NDArray[np.float64], index: npt.NDArray[np.int64], along_m: float
) -> int:
    """The centreline's segment at arc length along_m (within a lap; the last one starting at or
    before it), walked on from the index's segment at or before every LINE_INDEX_M metres."""
    last = g.shape[0] - 1
    k = index[min(int(along_m / LINE_INDEX_M), index.shape[0] - 1), 1]
    while k < last and g[k + 1, S] <= along_m:
        k += 1
    return k
