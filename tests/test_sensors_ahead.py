"""What the car reads of the track ahead, against references computed in plain Python: its
heading error and offset from the racing line, the line's turn ahead, and its points in the
car's frame."""

import itertools
import math

import numpy as np

from game.race.car import CarParams
from game.race.driver import drive
from game.race.env import RaceEnv
from game.race.quads import S
from game.race.racing_line import racing_line
from game.race.observed_line import observed_line
from game.race.sensors import (
    LINE_INDEX_M,
    LOOKAHEAD_M,
    OBS_NAMES,
    POINTS_AHEAD_M,
    POINTS_SCALE_M,
    centreline_segment,
    line_at,
)

HEADING = OBS_NAMES.index("sin heading error from the racing line")
OFFSET = OBS_NAMES.index("offset from the racing line")
TURNS = OBS_NAMES.index("racing line turn 10 m ahead")
POINTS = OBS_NAMES.index("racing line 5 m ahead, forward")


def walk_centreline(track, s_m: float) -> tuple[int, float]:
    """The centreline's segment at arc length s_m (laps wrap) and how far into it, walked vertex
    by vertex."""
    points = np.asarray(track.centerline_m)
    lengths = np.hypot(*np.diff(np.vstack([points, points[:1]]), axis=0).T)
    s_m %= lengths.sum()
    k = 0
    while s_m >= lengths[k]:
        s_m -= lengths[k]
        k += 1
    return k, s_m / lengths[k]


def along_centreline(track, s_m: float) -> tuple[float, float, float]:
    """The centreline's point and direction at arc length s_m."""
    points = np.asarray(track.centerline_m)
    k, fraction = walk_centreline(track, s_m)
    a, b = points[k], points[(k + 1) % len(points)]
    x, y = a + fraction * (b - a)
    return x, y, math.atan2(*(b - a)[::-1])


def line_piece_at(line, s_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The racing line's piece (its two ends) that crosses the track at centreline arc length
    s_m (laps wrap), found by walking the line point by point."""
    along = line.centreline_s_m
    s_m %= along[-1]
    k = 0
    while along[k + 1] <= s_m:
        k += 1
    return line.xy[k], line.xy[k + 1]


def direction(a, b) -> float:
    """The direction [rad] from a to b."""
    return math.atan2(b[1] - a[1], b[0] - a[0])


def distance_to_segment(point, a, b) -> float:
    """How far `point` is from the segment a-b."""
    ab = b - a
    t = min(max(np.dot(point - a, ab) / np.dot(ab, ab), 0.0), 1.0)
    return float(np.hypot(*(point - a - t * ab)))


def across_track(track, s_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The track's cross edge at centreline arc length s_m: its right and left border points,
    each moved the same fraction along its own border as the centreline along its segment."""
    k, fraction = walk_centreline(track, s_m)
    after = (k + 1) % len(track.left_m)
    left = track.left_m[k] + fraction * (track.left_m[after] - track.left_m[k])
    right = track.right_m[k] + fraction * (track.right_m[after] - track.right_m[k])
    return right, left


def test_the_points_and_turns_ahead_match_a_reference_on_a_held_out_track():
    env = RaceEnv("random:heldout")
    obs, _ = env.reset(seed=7)
    track, sim = env.track, env.sim
    solved = racing_line(track, CarParams())
    line = solved.xy
    checked = turns = 0
    offsets = []
    for step in range(400):
        car = sim.state.cars[0]
        if step % 40 == 0:
            x, y, heading, s = (float(car[f]) for f in ("x_m", "y_m", "heading_rad", "s_m"))
            for j, ahead in enumerate(POINTS_AHEAD_M):
                # The observed point, back in the world: on the racing line where it crosses
                # the track s + ahead metres along the centreline (to within a few cm: between
                # the line's points, 3 m apart, the observation follows its straight pieces).
                forward, left = obs[POINTS + 2 * j : POINTS + 2 * j + 2] * POINTS_SCALE_M
                assert abs(forward) < POINTS_SCALE_M and abs(left) < POINTS_SCALE_M  # unclipped
                point = np.array([x, y]) + forward * np.array(
                    [math.cos(heading), math.sin(heading)]
                )
                point += left * np.array([-math.sin(heading), math.cos(heading)])
                assert distance_to_segment(point, *across_track(track, s + ahead)) < 0.05
                assert (
                    min(distance_to_segment(point, a, b) for a, b in itertools.pairwise(line))
                    < 1e-3
                )
                off_centre = np.hypot(*(point - along_centreline(track, s + ahead)[:2]))
                offsets.append(off_centre)
            a, b = line_piece_at(solved, s)
            here = direction(a, b)
            assert abs(obs[HEADING] - math.sin(heading - here)) < 1e-5
            (dx, dy), (px, py) = b - a, np.array([x, y]) - a
            left_of_line = (dx * py - dy * px) / math.hypot(dx, dy)
            assert abs(obs[OFFSET] * track.half_width_m - left_of_line) < 1e-4
            for j, ahead in enumerate(LOOKAHEAD_M):
                there = direction(*line_piece_at(solved, s + ahead))
                turn = (there - here + math.pi) % (2 * math.pi) - math.pi
                if abs(obs[TURNS + j]) < 0.9:  # within a half turn, the wrapped turn is its own
                    assert abs(obs[TURNS + j] * math.pi - turn) < 1e-4
                    turns += abs(turn) > 0.1
            checked += 1
        obs, _, terminated, truncated, _ = env.step(int(drive(sim)[0]))
        assert not (terminated or truncated)
    assert checked == 10 and turns >= 10  # corners were read, not only straights
    assert max(offsets) > 1.0  # the racing line, not the centreline


def test_the_line_indexed_every_2_m_gives_the_interpolated_line_anywhere_on_any_lap():
    track = RaceEnv("chicanes").track  # points from 1.5 to 3 m apart, and a lap of 555 m
    line, index = observed_line(track, CarParams())
    length = line[-1, 0]
    rng = np.random.default_rng(0)
    at_rows = line[:-1, 0]
    at_marks = np.arange(len(index)) * LINE_INDEX_M
    anywhere = rng.uniform(0, 3 * length, 2_000)  # up to three laps on
    for s in np.concatenate([at_rows, at_marks, anywhere, at_rows + length]):
        x, y = line_at(line, index, s)
        along = s % length
        expected = (
            np.interp(along, line[:, 0], line[:, 1]),
            np.interp(along, line[:, 0], line[:, 2]),
        )
        np.testing.assert_allclose((x, y), expected, rtol=0, atol=1e-9)


def test_the_centreline_indexed_every_2_m_gives_the_segment_a_binary_search_gives():
    track = RaceEnv("chicanes").track
    g = track.geometry
    _, index = observed_line(track, CarParams())
    starts = g[:, S]
    rng = np.random.default_rng(1)
    within_lap = rng.uniform(0, track.length_m, 2_000)
    for along in np.concatenate([starts, np.nextafter(starts[1:], 0), within_lap]):
        expected = np.searchsorted(starts, along, side="right") - 1
        assert centreline_segment(g, index, along) == expected
