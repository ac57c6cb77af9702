"""N cars racing on one track: state as arrays, advanced by one compiled kernel per step.

The single env is a batch of one, so one car behaves identically alone or among a thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from game.race.car import CarParams, advance
from game.race.reward import race_reward
from game.race.sensors import OBS_SIZE, observe_car
from game.race.track import Track, TrackArrays, locate, project

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


class RaceState(NamedTuple):
    """Every car's state; each field is an [N] array, updated in place."""

    x_m: npt.NDArray[np.float64]
    y_m: npt.NDArray[np.float64]
    heading_rad: npt.NDArray[np.float64]
    """Counter-clockwise from +x."""
    speed_mps: npt.NDArray[np.float64]
    steer_rad: npt.NDArray[np.float64]
    """Positive steers left."""
    seg: npt.NDArray[np.int64]
    """The quad each car is in (where it was last, once it has left the track)."""
    s_m: npt.NDArray[np.float64]
    """Arc length of each car's projection on the centreline."""
    lateral_m: npt.NDArray[np.float64]
    """Offset to the left of the centreline."""
    travelled_m: npt.NDArray[np.float64]
    """Signed distance driven along the centreline since the episode began."""
    laps: npt.NDArray[np.int64]
    steps: npt.NDArray[np.int64]
    lap_start_s: npt.NDArray[np.float64]
    """Episode time at which the current lap began."""
    last_lap_s: npt.NDArray[np.float64]
    """NaN until a lap is done."""
    best_lap_s: npt.NDArray[np.float64]
    """NaN until a lap is done."""
    crashed: npt.NDArray[np.bool_]

    @classmethod
    def zeros(cls, count: int) -> RaceState:
        """State arrays for `count` cars (to be set by a reset)."""
        kinds = {"seg": np.int64, "laps": np.int64, "steps": np.int64, "crashed": np.bool_}
        return cls(*(np.zeros(count, dtype=kinds.get(name, np.float64)) for name in cls._fields))


class StepOutput(NamedTuple):
    """What one step produced for every car; [N] arrays except obs [N, OBS_SIZE]."""

    obs: npt.NDArray[np.float32]
    reward: npt.NDArray[np.float64]
    terminated: npt.NDArray[np.bool_]
    truncated: npt.NDArray[np.bool_]
    progress: npt.NDArray[np.float64]
    """Reward component: progress along the centreline."""
    lap_bonus: npt.NDArray[np.float64]
    """Reward component: completing a lap."""
    off_track: npt.NDArray[np.float64]
    """Reward component: leaving the track."""
    new_laps: npt.NDArray[np.int64]
    """Laps completed during this step (0 or 1)."""

    @classmethod
    def empty(cls, count: int) -> StepOutput:
        """Output buffers for `count` cars."""
        return cls(
            obs=np.zeros((count, OBS_SIZE), dtype=np.float32),
            reward=np.zeros(count),
            terminated=np.zeros(count, dtype=np.bool_),
            truncated=np.zeros(count, dtype=np.bool_),
            progress=np.zeros(count),
            lap_bonus=np.zeros(count),
            off_track=np.zeros(count),
            new_laps=np.zeros(count, dtype=np.int64),
        )


class RaceSim:
    """N cars on one track; `step` advances them all, `reset` restarts any subset."""

    def __init__(self, track: Track, num_cars: int, config: RaceConfig | None = None,
                 car: CarParams | None = None):  # fmt: skip
        self.track = track
        self.config = config or RaceConfig()
        self.car = car or CarParams()
        self.max_steps = int(np.ceil(track.time_limit_s / self.config.dt_s))
        self.state = RaceState.zeros(num_cars)
        self.output = StepOutput.empty(num_cars)
        """Reused every step: copy what must outlive the next step."""

    @property
    def num_cars(self) -> int:
        """How many cars are simulated."""
        return len(self.state.seg)

    def reset(self, rngs: Sequence[np.random.Generator], index: Index = slice(None)) -> None:
        """Put the chosen cars back at the start (or anywhere, with random_start), standing still.

        Each car draws its start from its own generator (rngs[i] for the i-th chosen car), so
        where a car starts never depends on which other cars are reset with it.
        """
        st, cfg, track = self.state, self.config, self.track
        rows = np.arange(self.num_cars)[index]
        if len(rngs) != len(rows):
            raise ValueError(f"rngs: expected one generator per car ({len(rows)}), got {len(rngs)}")
        draws = np.array([self._draw_start(rng) for rng in rngs]).reshape(len(rows), 3)
        s, offset, jitter = draws.T
        xy, heading = track.pose_at(s)
        xy = xy + offset[:, None] * np.column_stack([-np.sin(heading), np.cos(heading)])
        seg, _ = track.locate(xy, track.segment_at(s))
        s_m, lateral_m = track.progress(xy, seg)
        values = {
            "x_m": xy[:, 0], "y_m": xy[:, 1], "heading_rad": heading + jitter, "speed_mps": 0.0,
            "steer_rad": 0.0, "seg": seg, "s_m": s_m, "lateral_m": lateral_m, "travelled_m": 0.0,
            "laps": 0, "steps": 0, "lap_start_s": 0.0, "last_lap_s": np.nan, "best_lap_s": np.nan,
            "crashed": False,
        }  # fmt: skip
        for name, value in values.items():
            getattr(st, name)[rows] = value

    def _draw_start(self, rng: np.random.Generator) -> tuple[float, float, float]:
        """One car's random start: arc length, offset from the centreline, heading jitter."""
        cfg = self.config
        s = rng.uniform(0.0, self.track.length_m) if cfg.random_start else self.track.start_s_m
        return s, rng.uniform(-cfg.start_offset_m, cfg.start_offset_m), rng.uniform(-cfg.start_heading_rad, cfg.start_heading_rad)

    def step(self, actions: npt.NDArray[np.integer]) -> StepOutput:
        """Drive every car one step with its action (an index into ACTION_NAMES)."""
        actions = np.asarray(actions, dtype=np.int64)
        _step_cars(actions, self.state, self.output, self.track.arrays, self.car,
                   self.config.dt_s, self.max_steps)  # fmt: skip
        return self.output

    def observe(self, index: Index = slice(None)) -> npt.NDArray[np.float32]:
        """[n, OBS_SIZE] fresh observations of the chosen cars."""
        rows = np.arange(self.num_cars)[index]
        obs = np.empty((len(rows), OBS_SIZE), dtype=np.float32)
        _observe_cars(rows, self.state, self.track.arrays, self.car, obs)
        return obs


@njit(cache=True)
def _observe_cars(rows: npt.NDArray[np.int64], st: RaceState, t: TrackArrays, p: CarParams,
                  out: npt.NDArray[np.float32]) -> None:  # fmt: skip
    for n in range(len(rows)):
        i = rows[n]
        observe_car(t, p, st.x_m[i], st.y_m[i], st.heading_rad[i], st.speed_mps[i],
                    st.steer_rad[i], st.seg[i], st.lateral_m[i], out[n])  # fmt: skip


@njit(cache=True)
def _step_cars(actions: npt.NDArray[np.int64], st: RaceState, out: StepOutput, t: TrackArrays,
               p: CarParams, dt_s: float, max_steps: int) -> None:  # fmt: skip
    """Advance every car: drive, find it on the track, count progress and laps, reward, observe."""
    length = t.length_m
    for i in range(len(actions)):
        a = actions[i]
        x, y, heading, speed, steer = advance(
            st.x_m[i], st.y_m[i], st.heading_rad[i], st.speed_mps[i], st.steer_rad[i],
            ACTION_THROTTLE[a], ACTION_STEER[a], p, dt_s,
        )  # fmt: skip
        st.x_m[i], st.y_m[i], st.heading_rad[i], st.speed_mps[i], st.steer_rad[i] = x, y, heading, speed, steer
        seg, on_track = locate(t, x, y, st.seg[i])
        s_m, lateral_m = project(t, seg, x, y)
        progress_m = (s_m - st.s_m[i] + 0.5 * length) % length - 0.5 * length
        before_m = st.travelled_m[i]
        travelled_m = before_m + progress_m
        # A lap counts only when the net distance driven forward passes a new multiple of the
        # track length: reversing over the line, wiggling across it or crossing it backwards
        # never adds one, and cutting the infield leaves the track, which ends the episode.
        new_lap = travelled_m >= (st.laps[i] + 1) * length
        if new_lap:
            line_m = (st.laps[i] + 1) * length
            crossed_s = (st.steps[i] + (line_m - before_m) / progress_m) * dt_s
            lap_s = crossed_s - st.lap_start_s[i]
            st.last_lap_s[i] = lap_s
            if not lap_s >= st.best_lap_s[i]:  # also true while best is NaN
                st.best_lap_s[i] = lap_s
            st.lap_start_s[i] = crossed_s
            st.laps[i] += 1
        st.seg[i], st.s_m[i], st.lateral_m[i], st.travelled_m[i] = seg, s_m, lateral_m, travelled_m
        st.steps[i] += 1
        st.crashed[i] = not on_track
        progress, lap_bonus, off_track = race_reward(progress_m, length, new_lap, on_track)
        out.progress[i], out.lap_bonus[i], out.off_track[i] = progress, lap_bonus, off_track
        out.reward[i] = progress + lap_bonus + off_track
        out.new_laps[i] = 1 if new_lap else 0
        out.terminated[i] = not on_track
        out.truncated[i] = on_track and st.steps[i] >= max_steps
        observe_car(t, p, x, y, heading, speed, steer, seg, lateral_m, out.obs[i])
