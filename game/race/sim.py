"""N cars racing on one track, stepped as arrays: driving, progress, laps, rewards and observations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from game.race.car import CarParams, Cars
from game.race.reward import reward_components
from game.race.sensors import observe
from game.race.track import Track

ACTION_NAMES = (
    "coast", "left", "right",
    "gas", "gas+left", "gas+right",
    "brake", "brake+left", "brake+right",
)  # fmt: skip
"""The discrete actions: every pairing of (coast, gas, brake) with (straight, left, right)."""
ACTION_THROTTLE = np.array([0, 0, 0, 1, 1, 1, -1, -1, -1], dtype=np.int8)
ACTION_STEER = np.array([0, 1, -1, 0, 1, -1, 0, 1, -1], dtype=np.int8)

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


@dataclass(frozen=True)
class StepResult:
    """What one step did to every car; arrays are [N]."""

    reward: npt.NDArray[np.float64]
    terminated: npt.NDArray[np.bool_]
    truncated: npt.NDArray[np.bool_]
    components: dict[str, npt.NDArray[np.float64]]
    new_laps: npt.NDArray[np.int64]
    """Laps completed during this step (0 or 1)."""


class RaceSim:
    """N cars on one track; every method works on all of them (or a chosen subset) at once."""

    def __init__(self, track: Track, num_cars: int, config: RaceConfig | None = None,
                 car: CarParams | None = None):  # fmt: skip
        self.track = track
        self.config = config or RaceConfig()
        self.cars = Cars.parked(num_cars, car)
        self.max_steps = int(np.ceil(track.time_limit_s / self.config.dt_s))
        self.seg = np.zeros(num_cars, dtype=np.int64)
        """Segment (quad) each car is on."""
        self.s_m = np.zeros(num_cars)
        """Arc length of each car's projection on the centreline."""
        self.lateral_m = np.zeros(num_cars)
        """Offset of each car to the left of the centreline."""
        self.travelled_m = np.zeros(num_cars)
        """Signed distance driven along the centreline since the episode began."""
        self.laps = np.zeros(num_cars, dtype=np.int64)
        self.steps = np.zeros(num_cars, dtype=np.int64)
        self.lap_start_s = np.zeros(num_cars)
        """Episode time at which the current lap began."""
        self.last_lap_s = np.full(num_cars, np.nan)
        self.best_lap_s = np.full(num_cars, np.nan)
        self.crashed = np.zeros(num_cars, dtype=bool)

    @property
    def num_cars(self) -> int:
        """How many cars are simulated."""
        return len(self.seg)

    @property
    def time_s(self) -> npt.NDArray[np.float64]:
        """[N] time since each car's episode began."""
        return self.steps * self.config.dt_s

    def reset(self, rng: np.random.Generator, index: Index = slice(None)) -> None:
        """Put the chosen cars back at the start (or anywhere, with random_start), standing still."""
        count = len(self.seg[index])
        cfg, track = self.config, self.track
        s = rng.uniform(0.0, track.length_m, count) if cfg.random_start else np.full(count, track.start_s_m)
        xy, heading = track.pose_at(s)
        offset = rng.uniform(-cfg.start_offset_m, cfg.start_offset_m, count)
        xy = xy + offset[:, None] * np.column_stack([-np.sin(heading), np.cos(heading)])
        cars = self.cars
        cars.x_m[index], cars.y_m[index] = xy[:, 0], xy[:, 1]
        cars.heading_rad[index] = heading + rng.uniform(-cfg.start_heading_rad, cfg.start_heading_rad, count)
        cars.speed_mps[index] = 0.0
        cars.steer_rad[index] = 0.0
        seg, _ = track.locate(xy, track.segment_at(s))
        self.seg[index] = seg
        self.s_m[index], self.lateral_m[index] = track.progress(xy, seg)
        for array, value in ((self.travelled_m, 0.0), (self.laps, 0), (self.steps, 0),
                             (self.lap_start_s, 0.0), (self.last_lap_s, np.nan),
                             (self.best_lap_s, np.nan), (self.crashed, False)):  # fmt: skip
            array[index] = value

    def step(self, actions: npt.NDArray[np.integer]) -> StepResult:
        """Drive every car one step with its action (an index into ACTION_NAMES)."""
        track, dt_s = self.track, self.config.dt_s
        self.cars.step(ACTION_THROTTLE[actions], ACTION_STEER[actions], dt_s)
        xy = self.cars.xy_m
        seg, on_track = track.locate(xy, self.seg)
        s_m, lateral_m = track.progress(xy, seg)
        length = track.length_m
        progress_m = np.mod(s_m - self.s_m + 0.5 * length, length) - 0.5 * length
        before_m = self.travelled_m
        self.travelled_m = before_m + progress_m
        # A lap counts only when the net distance driven forward passes a new multiple of the
        # track length: reversing over the line, wiggling across it or crossing it backwards
        # never adds one, and cutting the infield ends the episode first.
        new_laps = np.maximum(np.floor(self.travelled_m / length).astype(np.int64) - self.laps, 0)
        if new_laps.any():
            self._time_laps(new_laps > 0, before_m, progress_m)
        self.laps += new_laps
        self.seg, self.s_m, self.lateral_m = seg, s_m, lateral_m
        self.steps += 1
        self.crashed = ~on_track
        components = reward_components(progress_m, length, new_laps, self.crashed)
        reward = components["progress"] + components["lap_bonus"] + components["off_track"]
        truncated = (self.steps >= self.max_steps) & on_track
        return StepResult(reward, self.crashed.copy(), truncated, components, new_laps)

    def _time_laps(self, done: npt.NDArray[np.bool_], before_m: npt.NDArray[np.float64],
                   progress_m: npt.NDArray[np.float64]) -> None:  # fmt: skip
        """Record lap times, placing the line crossing at its fraction of the step."""
        line_m = (self.laps[done] + 1) * self.track.length_m
        fraction = (line_m - before_m[done]) / progress_m[done]
        crossed_s = (self.steps[done] + fraction) * self.config.dt_s
        lap_s = crossed_s - self.lap_start_s[done]
        self.last_lap_s[done] = lap_s
        self.best_lap_s[done] = np.fmin(self.best_lap_s[done], lap_s)
        self.lap_start_s[done] = crossed_s

    def observe(self, index: Index = slice(None)) -> npt.NDArray[np.float32]:
        """[n, 14] observations of the chosen cars."""
        return observe(self.track, self.cars.select(index), self.seg[index], self.lateral_m[index])
