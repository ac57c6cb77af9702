"""N cars racing on one track: state as arrays, advanced by one compiled kernel per step.

The single env is a batch of one, so one car behaves identically alone or among a thousand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from game.race.car import CarParams, advance
from game.race.reward import race_reward
from game.race.sensors import OBS_SIZE, observe_car
from game.race.track import CX, CY, DX, DY, S, Track, locate, project

ACTION_NAMES = (
    "coast", "left", "right",
    "gas", "gas+left", "gas+right",
    "brake", "brake+left", "brake+right",
)  # fmt: skip
"""The discrete actions: every pairing of (coast, gas, brake) with (straight, left, right)."""
ACTION_THROTTLE = np.array([0, 0, 0, 1, 1, 1, -1, -1, -1], dtype=np.int64)
ACTION_STEER = np.array([0, 1, -1, 0, 1, -1, 0, 1, -1], dtype=np.int64)

Index = slice | npt.NDArray[np.intp]


@dataclass(frozen=True)
class RaceConfig:
    """How episodes run."""

    dt_s: float = 0.05
    """Simulated time per step (20 steps per second)."""
    random_start: bool = False
    """Start each episode anywhere along the track instead of on the start line."""
    start_offset_m: float = 1.0
    """Cars start up to this far left or right of the centreline (uniformly at random)."""
    start_heading_rad: float = 0.05
    """Cars start up to this far off the track's direction (uniformly at random)."""


# Compiled code is called far faster with a few packed arrays than with many small ones, so
# the cars' state and a step's output live in 2-D arrays, one row per car, read and written
# through the named column views below.
X, Y, HEADING, SPEED, STEER, S_ALONG, LATERAL, TRAVELLED, LAP_START, LAST_LAP, BEST_LAP = range(11)
"""Columns of RaceState.floats."""
SEG, LAPS, STEPS, CRASHED = range(4)
"""Columns of RaceState.ints."""
REWARD, PROGRESS, LAP_BONUS, OFF_TRACK = range(4)
"""Columns of StepOutput.values."""
TERMINATED, TRUNCATED, NEW_LAP = range(3)
"""Columns of StepOutput.flags."""


class Column:
    """A named view of one column of a packed array attribute: `obj.<name>` is `obj.<array>[:, index]`."""

    def __init__(self, array: str, index: int, doc: str = ""):
        self.array, self.index, self.__doc__ = array, index, doc

    def __get__(self, obj: Any, owner: type | None = None) -> npt.NDArray[Any]:
        return getattr(obj, self.array)[:, self.index]


class RaceState:
    """Every car's state, one row per car; the named views below read and write it in place."""

    x_m = Column("floats", X)
    y_m = Column("floats", Y)
    heading_rad = Column("floats", HEADING, "Counter-clockwise from +x.")
    speed_mps = Column("floats", SPEED)
    steer_rad = Column("floats", STEER, "Positive steers left.")
    s_m = Column("floats", S_ALONG, "Arc length of the car's projection on the centreline.")
    lateral_m = Column("floats", LATERAL, "Offset to the left of the centreline.")
    travelled_m = Column("floats", TRAVELLED, "Signed distance driven along the centreline this episode.")
    lap_start_s = Column("floats", LAP_START, "Episode time at which the current lap began.")
    last_lap_s = Column("floats", LAST_LAP, "NaN until a lap is done.")
    best_lap_s = Column("floats", BEST_LAP, "NaN until a lap is done.")
    seg = Column("ints", SEG, "The quad the car is in (where it was last, once off the track).")
    laps = Column("ints", LAPS)
    steps = Column("ints", STEPS)
    crashed = Column("ints", CRASHED, "1 once the car has left the track.")

    def __init__(self, count: int):
        self.floats = np.zeros((count, 11))
        self.ints = np.zeros((count, 4), dtype=np.int64)


class StepOutput:
    """What one step produced, one row per car; reused every step (copy what must outlive it)."""

    reward = Column("values", REWARD)
    progress = Column("values", PROGRESS, "Reward component: progress along the centreline.")
    lap_bonus = Column("values", LAP_BONUS, "Reward component: completing a lap.")
    off_track = Column("values", OFF_TRACK, "Reward component: leaving the track.")
    terminated = Column("flags", TERMINATED)
    truncated = Column("flags", TRUNCATED)
    new_laps = Column("flags", NEW_LAP, "Whether the car completed a lap during the step.")

    def __init__(self, count: int):
        self.obs = np.zeros((count, OBS_SIZE), dtype=np.float32)
        self.values = np.zeros((count, 4))
        self.flags = np.zeros((count, 3), dtype=np.bool_)


class RaceSim:
    """N cars on one track; `step` advances them all, `reset` restarts any subset."""

    def __init__(self, track: Track, num_cars: int, config: RaceConfig | None = None,
                 car: CarParams | None = None):  # fmt: skip
        self.track = track
        self.config = config or RaceConfig()
        self.car = car or CarParams()
        self.max_steps = int(np.ceil(track.time_limit_s / self.config.dt_s))
        self.state = RaceState(num_cars)
        self.output = StepOutput(num_cars)
        """Reused every step: copy what must outlive the next step."""

    @property
    def num_cars(self) -> int:
        """How many cars are simulated."""
        return len(self.state.ints)

    def reset(self, rngs: Sequence[np.random.Generator], index: Index = slice(None)) -> None:
        """Put the chosen cars back at the start (or anywhere, with random_start), standing still.

        Each car draws its start from its own generator (rngs[i] for the i-th chosen car), so
        where a car starts never depends on which other cars are reset with it.
        """
        rows = np.arange(self.num_cars)[index]
        if len(rngs) != len(rows):
            raise ValueError(f"rngs: expected one generator per car ({len(rows)}), got {len(rngs)}")
        draws = np.array([self._draw_start(rng) for rng in rngs], dtype=np.float64).reshape(len(rows), 3)
        _place_cars(rows, draws, self.state.floats, self.state.ints, self.track.geometry, self.track.length_m)

    def _draw_start(self, rng: np.random.Generator) -> tuple[float, float, float]:
        """One car's random start: arc length, offset from the centreline, heading jitter."""
        cfg = self.config
        s = rng.uniform(0.0, self.track.length_m) if cfg.random_start else self.track.start_s_m
        return s, rng.uniform(-cfg.start_offset_m, cfg.start_offset_m), rng.uniform(-cfg.start_heading_rad, cfg.start_heading_rad)

    def step(self, actions: npt.NDArray[np.integer]) -> StepOutput:
        """Drive every car one step with its action (an index into ACTION_NAMES)."""
        out, track = self.output, self.track
        _step_cars(np.asarray(actions, dtype=np.int64), self.state.floats, self.state.ints, out.obs, out.values,
                   out.flags, track.geometry, track.half_width_m, track.length_m, self.car, self.config.dt_s,
                   self.max_steps)  # fmt: skip
        return out

    def observe(self, index: Index = slice(None)) -> npt.NDArray[np.float32]:
        """[n, OBS_SIZE] fresh observations of the chosen cars."""
        rows = np.arange(self.num_cars)[index]
        obs = np.empty((len(rows), OBS_SIZE), dtype=np.float32)
        track = self.track
        _observe_cars(rows, self.state.floats, self.state.ints, track.geometry, track.half_width_m, self.car, obs)
        return obs


@njit(cache=True)
def _observe_cars(rows: npt.NDArray[np.int64], floats: npt.NDArray[np.float64], ints: npt.NDArray[np.int64],
                  g: npt.NDArray[np.float64], half_width_m: float, p: CarParams,
                  out: npt.NDArray[np.float32]) -> None:  # fmt: skip
    for n in range(len(rows)):
        c = floats[rows[n]]
        observe_car(g, half_width_m, p, c[X], c[Y], c[HEADING], c[SPEED], c[STEER], ints[rows[n], SEG],
                    c[LATERAL], out[n])  # fmt: skip


@njit(cache=True)
def _step_cars(actions: npt.NDArray[np.int64], floats: npt.NDArray[np.float64], ints: npt.NDArray[np.int64],
               obs: npt.NDArray[np.float32], values: npt.NDArray[np.float64], flags: npt.NDArray[np.bool_],
               g: npt.NDArray[np.float64], half_width_m: float, length: float, p: CarParams, dt_s: float,
               max_steps: int) -> None:  # fmt: skip
    """Advance every car: drive, find it on the track, count progress and laps, reward, observe."""
    for i in range(len(actions)):
        a = actions[i]
        c, n = floats[i], ints[i]  # this car's rows of the state
        x, y, heading, speed, steer = advance(c[X], c[Y], c[HEADING], c[SPEED], c[STEER],
                                              ACTION_THROTTLE[a], ACTION_STEER[a], p, dt_s)  # fmt: skip
        c[X], c[Y], c[HEADING], c[SPEED], c[STEER] = x, y, heading, speed, steer
        seg, on_track = locate(g, x, y, n[SEG])
        s_m, lateral_m = project(g, seg, x, y)
        progress_m = (s_m - c[S_ALONG] + 0.5 * length) % length - 0.5 * length
        before_m = c[TRAVELLED]
        travelled_m = before_m + progress_m
        # A lap counts only when the net distance driven forward passes a new multiple of the
        # track length: reversing over the line, wiggling across it or crossing it backwards
        # never adds one, and cutting the infield leaves the track, which ends the episode.
        new_lap = travelled_m >= (n[LAPS] + 1) * length
        if new_lap:
            line_m = (n[LAPS] + 1) * length
            crossed_s = (n[STEPS] + (line_m - before_m) / progress_m) * dt_s
            lap_s = crossed_s - c[LAP_START]
            c[LAST_LAP] = lap_s
            if not lap_s >= c[BEST_LAP]:  # also true while best is NaN
                c[BEST_LAP] = lap_s
            c[LAP_START] = crossed_s
            n[LAPS] += 1
        n[SEG] = seg
        c[S_ALONG], c[LATERAL], c[TRAVELLED] = s_m, lateral_m, travelled_m
        n[STEPS] += 1
        n[CRASHED] = 0 if on_track else 1
        progress, lap_bonus, off_track = race_reward(progress_m, length, new_lap, on_track)
        v = values[i]
        v[PROGRESS], v[LAP_BONUS], v[OFF_TRACK] = progress, lap_bonus, off_track
        v[REWARD] = progress + lap_bonus + off_track
        flags[i, NEW_LAP] = new_lap
        flags[i, TERMINATED] = not on_track
        flags[i, TRUNCATED] = on_track and n[STEPS] >= max_steps
        observe_car(g, half_width_m, p, x, y, heading, speed, steer, seg, lateral_m, obs[i])


@njit(cache=True)
def _place_cars(rows: npt.NDArray[np.int64], draws: npt.NDArray[np.float64], floats: npt.NDArray[np.float64],
                ints: npt.NDArray[np.int64], g: npt.NDArray[np.float64], length: float) -> None:  # fmt: skip
    """Start each chosen car standing still at arc length draws[:, 0], draws[:, 1] m left of the
    centreline, turned draws[:, 2] rad from the track's direction; every count back to zero."""
    for n in range(len(rows)):
        s_m, offset_m, jitter_rad = draws[n, 0] % length, draws[n, 1], draws[n, 2]
        k = np.searchsorted(g[:, S], s_m, side="right") - 1
        along = s_m - g[k, S]
        dx, dy = g[k, DX], g[k, DY]
        x, y = g[k, CX] + dx * along - dy * offset_m, g[k, CY] + dy * along + dx * offset_m
        k, _ = locate(g, x, y, k)
        projected_s, lateral_m = project(g, k, x, y)
        c, counts = floats[rows[n]], ints[rows[n]]
        c[X], c[Y], c[HEADING] = x, y, math.atan2(dy, dx) + jitter_rad
        c[SPEED], c[STEER], c[S_ALONG], c[LATERAL], c[TRAVELLED] = 0.0, 0.0, projected_s, lateral_m, 0.0
        c[LAP_START], c[LAST_LAP], c[BEST_LAP] = 0.0, np.nan, np.nan
        counts[SEG], counts[LAPS], counts[STEPS], counts[CRASHED] = k, 0, 0, 0
