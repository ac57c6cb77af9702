"""What the car reads of the track ahead, against a reference computed from the centreline's
points in plain Python: the turn, and the centreline's points in the car's frame."""

import math

import numpy as np

from game.race.driver import drive
from game.race.env import RaceEnv
from game.race.sensors import LOOKAHEAD_M, OBS_NAMES, POINTS_AHEAD_M, POINTS_SCALE_M

TURNS = OBS_NAMES.index("track turn 10 m ahead")
POINTS = OBS_NAMES.index("centreline 5 m ahead, forward")


def along_centreline(track, s_m: float) -> tuple[float, float, float]:
    """The centreline's point and direction at arc length s_m (laps wrap), walked vertex by
    vertex; the direction unwrapped from the first segment's by the turns passed."""
    points = np.asarray(track.centerline_m)
    lengths = np.hypot(*np.diff(np.vstack([points, points[:1]]), axis=0).T)
    s_m %= lengths.sum()
    k = 0
    while s_m >= lengths[k]:
        s_m -= lengths[k]
        k += 1
    a, b = points[k], points[(k + 1) % len(points)]
    direction = (b - a) / lengths[k]
    x, y = a + direction * s_m
    return x, y, math.atan2(direction[1], direction[0])


def test_the_points_and_turns_ahead_match_a_reference_on_a_held_out_track():
    env = RaceEnv("random:heldout")
    obs, _ = env.reset(seed=7)
    track, sim = env.track, env.sim
    checked = turns = 0
    for step in range(400):
        car = sim.state.cars[0]
        if step % 40 == 0:
            x, y, heading, s = (float(car[f]) for f in ("x_m", "y_m", "heading_rad", "s_m"))
            for j, ahead in enumerate(POINTS_AHEAD_M):
                px, py, _ = along_centreline(track, s + ahead)
                forward = (px - x) * math.cos(heading) + (py - y) * math.sin(heading)
                left = (py - y) * math.cos(heading) - (px - x) * math.sin(heading)
                expected = np.clip([forward, left], -POINTS_SCALE_M, POINTS_SCALE_M)
                np.testing.assert_allclose(
                    obs[POINTS + 2 * j : POINTS + 2 * j + 2] * POINTS_SCALE_M, expected, atol=1e-4
                )
            here = math.atan2(*track.seg_dir[int(car["seg"])][::-1])  # the car's segment
            for j, ahead in enumerate(LOOKAHEAD_M):
                _, _, there = along_centreline(track, s + ahead)
                turn = (there - here + math.pi) % (2 * math.pi) - math.pi
                if abs(obs[TURNS + j]) < 0.9:  # within a half turn, the wrapped turn is its own
                    assert abs(obs[TURNS + j] * math.pi - turn) < 1e-4
                    turns += abs(turn) > 0.1
            checked += 1
        obs, _, terminated, truncated, _ = env.step(int(drive(sim)[0]))
        assert not (terminated or truncated)
    assert checked == 10 and turns >= 10  # corners were read, not only straights
