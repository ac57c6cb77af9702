"""A scripted driver that laps any valid track: for tests, as a baseline, and as a demo.

Steering is pure pursuit of a point on the centreline a little ahead; speed follows a profile
precomputed from the track's curvature (grip) and the car's brakes. It reads the simulation's
state, not the observation (like LunarLander's `heuristic`), and drives all cars at once.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from game.race.car import CarParams
from game.race.sim import ACTION_STEER, ACTION_THROTTLE, RaceSim
from game.race.track import Track

LOOKAHEAD_S = 0.5
"""Pure pursuit aims this many seconds ahead along the centreline..."""
MIN_LOOKAHEAD_M = 5.0
"""...but never closer than this."""
GRIP_MARGIN = 0.7
"""Corner at this fraction of the car's grip limit."""
BRAKE_MARGIN = 0.6
"""Plan braking at this fraction of the car's brakes."""
SPEED_BAND_MPS = 0.5
"""Coast while within this much of the target speed."""

_ACTION_OF = {
    (int(t), int(s)): a for a, (t, s) in enumerate(zip(ACTION_THROTTLE, ACTION_STEER, strict=True))
}
ACTION_TABLE = np.array([[_ACTION_OF[(t, s)] for s in (-1, 0, 1)] for t in (-1, 0, 1)])
"""ACTION_TABLE[throttle + 1, steer + 1] is the action with that pedal and steering command."""


def drive(sim: RaceSim, dt_s: float | None = None) -> npt.NDArray[np.intp]:
    """[N] actions that keep every car of `sim` on the centreline at a safe speed."""
    track, st, params = sim.track, sim.state, sim.car
    dt_s = sim.config.dt_s if dt_s is None else dt_s
    lookahead_m = np.maximum(MIN_LOOKAHEAD_M, st.speed_mps * LOOKAHEAD_S)
    target_xy, _ = track.pose_at(st.s_m + lookahead_m)
    to_target = target_xy - np.column_stack([st.x_m, st.y_m])
    bearing = np.arctan2(to_target[:, 1], to_target[:, 0]) - st.heading_rad
    wanted = 2.0 * np.sin(bearing) / lookahead_m
    # The wheels move at the steering rate and grip caps the curvature they give:
    # pick the command whose resulting curvature lands nearest the wanted one.
    commands = np.array([-1.0, 0.0, 1.0])
    limit = params.steer_rate_radps * dt_s
    reach = st.steer_rad[:, None] + np.clip(
        commands * params.max_steer_rad - st.steer_rad[:, None], -limit, limit
    )
    grip_cap = params.max_lateral_mps2 / np.maximum(st.speed_mps**2, 1e-9)
    curvature = np.clip(np.tan(reach) / params.wheelbase_m, -grip_cap[:, None], grip_cap[:, None])
    # Past the grip cap several commands give the same curvature: then prefer the wheel angle
    # nearest the wanted one, so the wheels never stay stuck at full lock.
    wanted_steer = np.arctan(wanted * params.wheelbase_m)
    cost = np.abs(curvature - wanted[:, None]) + 1e-3 * np.abs(reach - wanted_steer[:, None])
    steer = np.argmin(cost, axis=1) - 1
    target_speed = speed_profile(track, params)[st.seg]
    throttle = np.where(
        st.speed_mps < target_speed - SPEED_BAND_MPS,
        1,
        np.where(st.speed_mps > target_speed + SPEED_BAND_MPS, -1, 0),
    )
    return ACTION_TABLE[throttle + 1, steer + 1]


@functools.lru_cache(maxsize=16)
def speed_profile(track: Track, params: CarParams) -> npt.NDArray[np.float64]:
    """[M] the speed to hold on each segment: within grip in its corner, and able to brake for the
    next."""
    turn = np.arctan2(
        np.roll(track.seg_dir, -1, axis=0)[:, 1] * track.seg_dir[:, 0]
        - np.roll(track.seg_dir, -1, axis=0)[:, 0] * track.seg_dir[:, 1],
        np.einsum("ij,ij->i", np.roll(track.seg_dir, -1, axis=0), track.seg_dir),
    )
    curvature = np.abs(turn) / track.seg_len_m
    window = 7
    curvature = np.max([np.roll(curvature, k) for k in range(-window, window + 1)], axis=0)
    grip = GRIP_MARGIN * params.max_lateral_mps2
    speed = np.minimum(params.max_speed_mps, np.sqrt(grip / np.maximum(curvature, 1e-9)))
    brake = BRAKE_MARGIN * params.brake_mps2
    # Braking backwards from every corner, twice round so the loop's wrap is covered.
    for _ in range(2):
        for k in range(len(speed) - 1, -1, -1):
            following = speed[(k + 1) % len(speed)]
            speed[k] = min(speed[k], np.sqrt(following**2 + 2 * brake * track.seg_len_m[k]))
    return speed
