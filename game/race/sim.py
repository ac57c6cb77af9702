"""N cars racing on one track: state as arrays, advanced by one compiled kernel per step.

The single env is a batch of one, so one car behaves identically alone or among a thousand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from game.race.car import CarParams, advance
from game.race.car_state import ACTION_STEER, ACTION_THROTTLE, RaceState, StepOutput
from game.race.reward import progress_rate, race_reward
from game.race.observed_line import observed_line
from game.race.sensors import OBS_SIZE, observe_car
from game.race.quads import CX, CY, DX, DY, S, locate, project
from game.race.track import Track

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
    time_limit_s: float | None = None
    """An episode's time limit; None: the track's (a race of several laps needs longer)."""
    progress_per_m: float | None = None
    """Progress reward per metre on every track; None: PROGRESS_PER_LAP per lap of the track
    (game/race/reward.py)."""
    spread_start: bool = False
    """Start car i of N at i/N of the way round from the start line (evenly spread: watching
    many cars), instead of all on the line."""
    side_by_side: bool = False
    """Start side by side, as a race's front row: even-numbered cars half of the half width left
    of the centreline, odd ones right (instead of the random offset)."""


@dataclass(frozen=True, eq=False)
class TrackSet:
    """Tracks packed for the compiled step: every track's geometry rows one after another."""

    tracks: tuple[Track, ...]
    geometry: npt.NDArray[np.float64]
    """[rows, GEOMETRY_COLUMNS] the tracks' geometry tables, stacked."""
    first_row: npt.NDArray[np.int64]
    """[T + 1] track t's rows are geometry[first_row[t] : first_row[t + 1]]."""
    half_width_m: npt.NDArray[np.float64]
    length_m: npt.NDArray[np.float64]
    max_steps: npt.NDArray[np.int64]
    """[T] each track's episode length in steps (its time limit)."""
    progress_per_m: npt.NDArray[np.float64]
    """[T] each track's progress reward per metre."""
    lines: npt.NDArray[np.float64]
    """[rows, 4] the tracks' racing lines (observed_line), stacked."""
    first_line_row: npt.NDArray[np.int64]
    """[T + 1] track t's racing line is lines[first_line_row[t] : first_line_row[t + 1]]."""
    line_index: npt.NDArray[np.int64]
    """[rows, 2] the tracks' line indexes (observed_line), stacked."""
    first_index_row: npt.NDArray[np.int64]
    """[T + 1] track t's line index is line_index[first_index_row[t] : first_index_row[t + 1]]."""


def pack_tracks(tracks: Sequence[Track], config: RaceConfig, car: CarParams) -> TrackSet:
    """Pack `tracks` into one TrackSet for `config`'s steps and `car`'s racing lines, with their
    own time limits and progress rewards or the ones `config` sets for all."""
    rows = np.cumsum([0, *(len(t.geometry) for t in tracks)])
    lines, indexes = zip(*(observed_line(t, car) for t in tracks), strict=True)
    line_rows = np.cumsum([0, *(len(line) for line in lines)])
    index_rows = np.cumsum([0, *(len(index) for index in indexes)])
    return TrackSet(
        tuple(tracks),
        np.concatenate([t.geometry for t in tracks]),
        rows.astype(np.int64),
        np.array([t.half_width_m for t in tracks]),
        np.array([t.length_m for t in tracks]),
        np.array(
            [int(np.ceil((config.time_limit_s or t.time_limit_s) / config.dt_s)) for t in tracks],
            dtype=np.int64,
        ),
        np.array([progress_rate(t.length_m, config.progress_per_m) for t in tracks]),
        np.concatenate(lines),
        line_rows.astype(np.int64),
        np.concatenate(indexes),
        index_rows.astype(np.int64),
    )


class RaceSim:
    """N cars, each on one of the simulation's tracks; `step` advances them all, `reset`
    restarts any subset. Cars never collide, whether or not they share a track."""

    def __init__(
        self,
        tracks: Track | Sequence[Track],
        num_cars: int,
        config: RaceConfig | None = None,
        car: CarParams | None = None,
    ):
        self.config = config or RaceConfig()
        self.car = car or CarParams()
        self.state = RaceState(num_cars)
        self.output = StepOutput(num_cars)
        """Reused every step: copy what must outlive the next step."""
        self.set_tracks([tracks] if isinstance(tracks, Track) else list(tracks))

    @property
    def num_cars(self) -> int:
        """How many cars are simulated."""
        return len(self.state.cars)

    @property
    def track(self) -> Track:
        """The track every car drives on (for a simulation of one track)."""
        if len(self.tracks.tracks) != 1:
            raise ValueError(
                f"sim.track: expected a simulation of one track, got {len(self.tracks.tracks)} "
                "(use track_of(car))"
            )
        return self.tracks.tracks[0]

    def track_of(self, car: int) -> Track:
        """The track `car` drives on."""
        return self.tracks.tracks[int(self.state.cars["track"][car])]

    def set_tracks(
        self, tracks: Sequence[Track], track_of_car: npt.ArrayLike | None = None
    ) -> None:
        """Use `tracks`; car i drives on track_of_car[i] (default: i modulo the number of tracks).

        Cars keep their place until they are reset: reset the ones whose track changed.
        """
        if not tracks:
            raise ValueError("tracks: expected at least one track, got none")
        self.tracks = pack_tracks(tracks, self.config, self.car)
        cars = np.arange(self.num_cars)
        chosen = cars % len(tracks) if track_of_car is None else np.asarray(track_of_car)
        if chosen.shape != cars.shape or chosen.min() < 0 or chosen.max() >= len(tracks):
            raise ValueError(
                f"track_of_car: expected {self.num_cars} indices in [0, {len(tracks)}), "
                f"got {chosen!r}"
            )
        self.state.cars["track"] = chosen

    def max_steps_of(self, car: int) -> int:
        """`car`'s episode length in steps (its track's time limit)."""
        return int(self.tracks.max_steps[self.state.cars["track"][car]])

    def reset(self, rngs: Sequence[np.random.Generator], index: Index = slice(None)) -> None:
        """Put the chosen cars back at the start (or anywhere, with random_start), standing still.

        Each car draws its start from its own generator (rngs[i] for the i-th chosen car), so
        where a car starts never depends on which other cars are reset with it.
        """
        rows = np.arange(self.num_cars)[index]
        if len(rngs) != len(rows):
            raise ValueError(f"rngs: expected one generator per car ({len(rows)}), got {len(rngs)}")
        tracks = [self.track_of(row) for row in rows]
        draws = np.array(
            [self._draw_start(rng, t) for rng, t in zip(rngs, tracks, strict=True)],
            dtype=np.float64,
        ).reshape(len(rows), 3)
        cfg = self.config
        for n, (row, track) in enumerate(zip(rows, tracks, strict=True)):
            if cfg.spread_start:
                draws[n, 0] = track.start_s_m + row * track.length_m / self.num_cars
            if cfg.side_by_side:
                draws[n, 1] = (0.5 if row % 2 == 0 else -0.5) * track.half_width_m
        ts = self.tracks
        _place_cars(rows, draws, self.state.cars, ts.geometry, ts.first_row, ts.length_m)

    def _draw_start(self, rng: np.random.Generator, track: Track) -> tuple[float, float, float]:
        """One car's random start: arc length, offset from the centreline, heading jitter."""
        cfg = self.config
        s = rng.uniform(0.0, track.length_m) if cfg.random_start else track.start_s_m
        return (
            s,
            rng.uniform(-cfg.start_offset_m, cfg.start_offset_m),
            rng.uniform(-cfg.start_heading_rad, cfg.start_heading_rad),
        )

    def step(self, actions: npt.NDArray[np.integer]) -> StepOutput:
        """Drive every car one step with its action (an index into ACTION_NAMES)."""
        out, ts = self.output, self.tracks
        _step_cars(
            np.asarray(actions, dtype=np.int64), self.state.cars, out.obs, out.values, out.flags,
            ts.geometry, ts.first_row, ts.half_width_m, ts.length_m, ts.max_steps,
            ts.progress_per_m, ts.lines, ts.first_line_row, ts.line_index, ts.first_index_row,
            self.car, self.config.dt_s,
        )  # fmt: skip
        return out

    def observe(self, index: Index = slice(None)) -> npt.NDArray[np.float32]:
        """[n, OBS_SIZE] fresh observations of the chosen cars."""
        rows = np.arange(self.num_cars)[index]
        obs = np.empty((len(rows), OBS_SIZE), dtype=np.float32)
        ts = self.tracks
        cars = self.state.cars
        _observe_cars(
            rows, cars, ts.geometry, ts.first_row, ts.half_width_m, ts.lines, ts.first_line_row,
            ts.line_index, ts.first_index_row, self.car, obs,
        )  # fmt: skip
        return obs


@njit(cache=True)
def _observe_cars(
    rows: npt.NDArray[np.int64],
    cars: npt.NDArray[np.void],
    geometry: npt.NDArray[np.float64],
    first_row: npt.NDArray[np.int64],
    half_width_m: npt.NDArray[np.float64],
    lines: npt.NDArray[np.float64],
    first_line_row: npt.NDArray[np.int64],
    line_index: npt.NDArray[np.int64],
    first_index_row: npt.NDArray[np.int64],
    p: CarParams,
    out: npt.NDArray[np.float32],
) -> None:
    for n in range(len(rows)):
        c = cars[rows[n]]
        g = geometry[first_row[c.track] : first_row[c.track + 1]]
        line = lines[first_line_row[c.track] : first_line_row[c.track + 1]]
        index = line_index[first_index_row[c.track] : first_index_row[c.track + 1]]
        observe_car(
            g, line, index, half_width_m[c.track], p, c.x_m, c.y_m, c.heading_rad,
            c.speed_mps, c.steer_rad, c.seg, c.s_m, out[n],
        )  # fmt: skip


@njit(cache=True)
def _step_cars(
    actions: npt.NDArray[np.int64],
    cars: npt.NDArray[np.void],
    obs: npt.NDArray[np.float32],
    values: npt.NDArray[np.float64],
    flags: npt.NDArray[np.void],
    geometry: npt.NDArray[np.float64],
    first_row: npt.NDArray[np.int64],
    half_widths_m: npt.NDArray[np.float64],
    lengths_m: npt.NDArray[np.float64],
    max_steps: npt.NDArray[np.int64],
    progress_per_m: npt.NDArray[np.float64],
    lines: npt.NDArray[np.float64],
    first_line_row: npt.NDArray[np.int64],
    line_index: npt.NDArray[np.int64],
    first_index_row: npt.NDArray[np.int64],
    p: CarParams,
    dt_s: float,
) -> None:
    """Advance every car: drive, find it on its track, count progress and laps, reward, observe."""
    for i in range(len(actions)):
        a = actions[i]
        c = cars[i]  # this car's record, written in place
        t = c.track
        g = geometry[first_row[t] : first_row[t + 1]]  # its track's rows (a view)
        length = lengths_m[t]
        x, y, heading, speed, steer = advance(
            c.x_m, c.y_m, c.heading_rad, c.speed_mps, c.steer_rad,
            ACTION_THROTTLE[a], ACTION_STEER[a], p, dt_s,
        )  # fmt: skip
        c.x_m, c.y_m, c.heading_rad, c.speed_mps, c.steer_rad = x, y, heading, speed, steer
        seg, on_track = locate(g, x, y, c.seg)
        s_m, lateral_m = project(g, seg, x, y)
        progress_m = (s_m - c.s_m + 0.5 * length) % length - 0.5 * length
        before_m = c.travelled_m
        travelled_m = before_m + progress_m
        # A lap counts only when the net distance driven forward passes a new multiple of the
        # track length: reversing over the line, wiggling across it or crossing it backwards
        # never adds one, and cutting the infield leaves the track, which ends the episode.
        new_lap = travelled_m >= (c.laps + 1) * length
        if new_lap:
            line_m = (c.laps + 1) * length
            crossed_s = (c.steps + (line_m - before_m) / progress_m) * dt_s
            lap_s = crossed_s - c.lap_start_s
            c.last_lap_s = lap_s
            if not lap_s >= c.best_lap_s:  # also true while best is NaN
                c.best_lap_s = lap_s
            c.lap_start_s = crossed_s
            c.laps += 1
        c.seg = seg
        c.s_m, c.lateral_m, c.travelled_m = s_m, lateral_m, travelled_m
        c.steps += 1
        c.crashed = 0 if on_track else 1
        terms = race_reward(progress_m, progress_per_m[t], new_lap, on_track)
        total = 0.0
        for j in range(len(terms)):
            values[i, 1 + j] = terms[j]
            total += terms[j]
        values[i, 0] = total
        f = flags[i]
        f.new_lap = new_lap
        f.terminated = not on_track
        f.truncated = on_track and c.steps >= max_steps[t]
        line = lines[first_line_row[t] : first_line_row[t + 1]]
        index = line_index[first_index_row[t] : first_index_row[t + 1]]
        observe_car(
            g, line, index, half_widths_m[t], p, x, y, heading, speed, steer, seg, s_m,
            obs[i],
        )  # fmt: skip


@njit(cache=True)
def _place_cars(
    rows: npt.NDArray[np.int64],
    draws: npt.NDArray[np.float64],
    cars: npt.NDArray[np.void],
    geometry: npt.NDArray[np.float64],
    first_row: npt.NDArray[np.int64],
    lengths_m: npt.NDArray[np.float64],
) -> None:
    """Start each chosen car standing still at arc length draws[:, 0] of its track, draws[:, 1] m
    left of the centreline, turned draws[:, 2] rad from the track's direction; counts to zero."""
    for n in range(len(rows)):
        c = cars[rows[n]]
        g = geometry[first_row[c.track] : first_row[c.track + 1]]
        s_m, offset_m, jitter_rad = draws[n, 0] % lengths_m[c.track], draws[n, 1], draws[n, 2]
        k = np.searchsorted(g[:, S], s_m, side="right") - 1
        along = s_m - g[k, S]
        dx, dy = g[k, DX], g[k, DY]
        x, y = g[k, CX] + dx * along - dy * offset_m, g[k, CY] + dy * along + dx * offset_m
        k, _ = locate(g, x, y, k)
        projected_s, lateral_m = project(g, k, x, y)
        c.x_m, c.y_m, c.heading_rad = x, y, math.atan2(dy, dx) + jitter_rad
        c.speed_mps, c.steer_rad, c.s_m, c.lateral_m = 0.0, 0.0, projected_s, lateral_m
        c.travelled_m = 0.0
        c.lap_start_s, c.last_lap_s, c.best_lap_s = 0.0, np.nan, np.nan
        c.seg, c.laps, c.steps, c.crashed = k, 0, 0, 0
