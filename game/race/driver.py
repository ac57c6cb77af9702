"""A scripted driver that laps any valid track: for tests, as a baseline, and as a demo.

Steering is pure pursuit of a point a little ahead on the track's racing line; speed follows
the line's profile (grip in its corners, braking in time for them), and never more than grip
allows on the arc being steered. It reads the simulation's state, not the observation (like
LunarLander's `heuristic`), and drives all cars at once.

"Any" within what the car can do: at 8 m wide (the narrowest generated width) it laps the
tightest curve the validator allows and its sharpest corner (tests/test_driver.py); on valid
tracks under about 7 m wide, a curve of half the width leaves no room for the car's 5.4 m
turning circle, and it fails there.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from game.race.car import CarParams
from game.race.racing_line import GRIP_MARGIN, RacingLine, racing_line
from game.race.car_state import ACTION_STEER, ACTION_THROTTLE, RaceState
from game.race.sim import RaceSim
from game.race.track import Track

LOOKAHEAD_S = 0.5
"""Pure pursuit aims this many seconds ahead along the racing line..."""
MIN_LOOKAHEAD_M = 5.0
"""...but never closer than this."""
SPEED_BAND_MPS = 0.5
"""Coast while within this much of the target speed."""
SEARCH_POINTS = 12
"""A car is looked for on the line this many points either side of its guess (36 m)."""

_ACTION_OF = {
    (int(t), int(s)): a for a, (t, s) in enumerate(zip(ACTION_THROTTLE, ACTION_STEER, strict=True))
}
ACTION_TABLE = np.array([[_ACTION_OF[(t, s)] for s in (-1, 0, 1)] for t in (-1, 0, 1)])
"""ACTION_TABLE[throttle + 1, steer + 1] is the action with that pedal and steering command."""


def drive(sim: RaceSim, dt_s: float | None = None) -> npt.NDArray[np.intp]:
    """[N] actions that keep every car of `sim` on the racing line at a safe speed."""
    dt_s = sim.config.dt_s if dt_s is None else dt_s
    tracks = sim.tracks.tracks
    if len(tracks) == 1:
        return drive_on(tracks[0], sim.state, sim.car, dt_s)
    on = sim.state.track
    actions = np.empty(sim.num_cars, dtype=np.intp)
    for t in np.unique(on):  # the cars on each track together
        cars = np.flatnonzero(on == t)
        group = RaceState(0)
        group.cars = sim.state.cars[cars]
        actions[cars] = drive_on(tracks[t], group, sim.car, dt_s)
    return actions


def drive_on(track: Track, st: RaceState, params: CarParams, dt_s: float) -> npt.NDArray[np.intp]:
    """[N] the actions for cars `st`, all on `track`."""
    line = racing_line(track, params)
    along_m = line_position(line, track, st)
    lookahead_m = np.maximum(MIN_LOOKAHEAD_M, st.speed_mps * LOOKAHEAD_S)
    target_xy = line.at(along_m + lookahead_m)
    to_target = target_xy - np.column_stack((st.x_m, st.y_m))
    bearing = np.arctan2(to_target[:, 1], to_target[:, 0]) - st.heading_rad
    # The curvature of the arc from the car through the target.
    wanted = 2.0 * np.sin(bearing) / np.maximum(np.hypot(*to_target.T), 1e-9)
    # The wheels move at the steering rate and grip caps the curvature they give:
    # pick the command whose resulting curvature lands nearest the wanted one.
    commands = np.array([-1.0, 0.0, 1.0])
    limit = params.steer_rate_radps * dt_s
    turn = commands * params.max_steer_rad - st.steer_rad[:, None]
    reach = st.steer_rad[:, None] + np.minimum(np.maximum(turn, -limit), limit)
    grip_cap = params.max_lateral_mps2 / np.maximum(st.speed_mps**2, 1e-9)
    curvature = np.tan(reach) / params.wheelbase_m
    curvature = np.minimum(np.maximum(curvature, -grip_cap[:, None]), grip_cap[:, None])
    # Past the grip cap several commands give the same curvature: then prefer the wheel angle
    # nearest the wanted one, so the wheels never stay stuck at full lock.
    wanted_steer = np.arctan(wanted * params.wheelbase_m)
    cost = np.abs(curvature - wanted[:, None]) + 1e-3 * np.abs(reach - wanted_steer[:, None])
    steer = np.argmin(cost, axis=1) - 1
    # Never faster than grip allows on the arc being steered for (it matters off the line).
    arc_speed = np.sqrt(GRIP_MARGIN * params.max_lateral_mps2 / np.maximum(np.abs(wanted), 1e-9))
    target_speed = np.minimum(line.speed_at(along_m), arc_speed)
    throttle = np.where(
        st.speed_mps < target_speed - SPEED_BAND_MPS,
        1,
        np.where(st.speed_mps > target_speed + SPEED_BAND_MPS, -1, 0),
    )
    return ACTION_TABLE[throttle + 1, steer + 1]


def line_position(line: RacingLine, track: Track, st: RaceState) -> npt.NDArray[np.float64]:
    """[N] arc length along the line of each car's nearest point on it.

    Searched among the line's points near where the car's quad puts it: inside a sharp corner
    a car can be some way past the point its projection on the centreline suggests.
    """
    seg = st.seg
    fraction = (st.s_m - track.seg_s_m[seg]) / track.seg_len_m[seg]  # in [0, 1]: see project()
    per_quad = line.first_point[seg + 1] - line.first_point[seg]
    guess = line.first_point[seg] + np.minimum((fraction * per_quad).astype(np.int64), per_quad - 1)
    window = np.arange(-SEARCH_POINTS, SEARCH_POINTS + 1)
    start = (guess[:, None] + window) % (len(line.xy) - 1)  # [N, W]
    a = line.xy[start]
    edge = line.xy[start + 1] - a
    to_car = np.column_stack((st.x_m, st.y_m))[:, None] - a
    edge_sq = np.maximum(np.einsum("nwi,nwi->nw", edge, edge), 1e-12)
    along = np.minimum(np.maximum(np.einsum("nwi,nwi->nw", to_car, edge) / edge_sq, 0.0), 1.0)
    miss = to_car - along[..., None] * edge
    best = np.argmin(np.einsum("nwi,nwi->nw", miss, miss), axis=1)
    cars = np.arange(len(seg))
    nearest = start[cars, best]
    return line.s_m[nearest] + along[cars, best] * np.sqrt(edge_sq[cars, best])
