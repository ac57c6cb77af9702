"""RaceEnv: one car learning to lap a track (a batch of one on the array simulation)."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import numpy.typing as npt
from gymnasium import spaces

from game.race.reward import REWARD_TERMS
from game.race.car_state import ACTION_NAMES, ENDINGS, CarRecord
from game.race.sim import RaceConfig, RaceSim
from game.race.sensors import OBS_HIGH, OBS_LOW, OBS_NAMES
from game.race.track_choice import (
    HELD_OUT,
    TrackArg,
    draw_training_seeds,
    build_generated,
    held_out_track,
    parse_track_choice,
)
from game.race.track_file import DEFAULT_TRACK


class RaceEnv(gym.Env[npt.NDArray[np.float32], np.int64]):
    """A top-down car that must learn to drive laps of a closed track.

    ## Description
    The car is a kinematic bicycle (wheelbase 2.6 m, steering lock 0.45 rad, top speed 40 m/s,
    grip limit 12 m/s^2 sideways) on a track loaded from `tracks/`. Every step simulates 0.05 s.
    It sees the track through 9 rays cast against the borders, never through pixels.

    ## Action Space
    `Discrete(9)`: each action pairs a pedal with a steering command.

    | Num | Action      | Num | Action     | Num | Action      |
    |-----|-------------|-----|------------|-----|-------------|
    | 0   | coast       | 3   | gas        | 6   | brake       |
    | 1   | left        | 4   | gas+left   | 7   | brake+left  |
    | 2   | right       | 5   | gas+right  | 8   | brake+right |

    Steering commands turn the wheels towards full lock (or back to centre) at 3 rad/s.

    ## Observation Space
    `Box(27,)` float32 (names in `game.race.sensors.OBS_NAMES`):

    | Index | Observation                                            | Min | Max | Unit         |
    |-------|--------------------------------------------------------|-----|-----|--------------|
    | 0-8   | border distance, rays at 0, ±10, ±25, ±50, ±90 deg     | 0   | 1   | x 50 m       |
    | 9     | speed                                                  | 0   | 1   | x 40 m/s     |
    | 10    | steering angle (positive = left)                       | -1  | 1   | x 0.45 rad   |
    | 11    | sin of heading error (car heading - line direction)    | -1  | 1   |              |
    | 12    | cos of heading error (negative = driving backwards)    | -1  | 1   |              |
    | 13    | offset left of the racing line                         | -1  | 1   | x half width |
    | 14-18 | how far the racing line turns 10, 20, 40, 70, 100 m on | -1  | 1   | x pi rad     |
    | 19-26 | the racing line 5, 10, 20, 60 m ahead: forward, left   | -1  | 1   | x 60 m       |

    Rays are cast exactly against the border polylines (walking the ray through the track's
    quads), never read from pixels; the first is to the car's right (-90 deg). Everything else
    is read against the racing line (the scripted driver's: the smoothest path between the
    borders, 1.2 m inside them), where it crosses the track at the car's distance along the
    centreline: the heading error is from its direction there, the offset from it. Its turn
    ahead is its direction where it crosses the track that far further along the centreline,
    minus its direction there (positive = left, clipped at a half turn): what a driver reads
    from the next corners, on any track, and a bend the line takes nearly straight reads nearly
    straight. Its points ahead are where it crosses the track that far along, in the car's
    frame (metres ahead of the car, then to its left, clipped at 60 m), in pairs: where to
    steer, and how soon a sharp corner closes in.

    ## Rewards
    Named components, reported in `info["reward_components"]`:
    - `progress`: 100 per lap length driven forward along the centreline; negative backwards.
    - `lap_bonus`: +10 on completing a lap.
    - `off_track`: -10 on leaving the track.

    ## Starting State
    On the start line (`start_fraction` of the track file), up to 1 m left or right of the
    centreline, within 0.05 rad of the track direction, standing still. With
    `random_start=True`, anywhere along the track.

    ## Episode End
    - Termination: the car's centre leaves the track.
    - Truncation: the track's time limit (`time_limit_s`, by default one lap at 4 m/s).

    A lap counts only when the net distance driven forward passes another full track length:
    reversing over the line, wiggling across it and crossing it backwards never count.

    ## Info
    `laps`, `lap_time_s` (current lap), `lap_times_s`, `last_lap_s` and `best_lap_s` (once a
    lap is done),
    `progress` (laps driven, as a float), `speed_mps`, `crashed`, `is_success` (a lap
    completed), `reward_components`; at an episode's end, `ending` ("left the track" or
    "time limit").

    ## Arguments
    - `track` (default "oval"): a shipped track's name, a path to a track file, a `Track`,
      "random:N" (generated track N, game/race/generate.py), "random" (a new generated
      training track every episode: reset draws its seed from TRAINING_SEEDS with the env's
      generator) or "random:heldout" (the 100 held-out tracks, EVALUATION_SEEDS, which
      training never draws: reset with seed s drives held-out track s % 100, each unseeded
      reset the next one; 100 episodes seeded 0-99 drive each once). `self.track` is the
      track of the current episode.
    - `render_mode`: None or "rgb_array" (the game's engine draws the track natively; only
      the engine opens windows).
    - `random_start`: start anywhere along the track (helps learning a long track).
    - `time_limit_s`: an episode's time limit instead of the track's (short episodes from
      random starts: training across tracks).
    - `progress_per_m`: the progress reward per metre on every track, instead of 100 per lap
      (a reward that does not depend on the track's length: training across tracks).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 20}
    obs_names = OBS_NAMES
    """What each observation value is (recorded in checkpoints)."""

    def __init__(
        self,
        track: TrackArg = DEFAULT_TRACK,
        render_mode: str | None = None,
        random_start: bool = False,
        time_limit_s: float | None = None,
        progress_per_m: float | None = None,
    ):
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode: expected None or 'rgb_array', got {render_mode!r}")
        choice = parse_track_choice(track)
        self._generated = choice if isinstance(choice, str) else None
        """RANDOM or HELD_OUT when the track changes every episode, else None."""
        self._held_out = -1
        """The held-out track (an index into EVALUATION_SEEDS) of the current episode."""
        self.track = held_out_track(0) if isinstance(choice, str) else choice
        config = RaceConfig(
            random_start=random_start, time_limit_s=time_limit_s, progress_per_m=progress_per_m
        )
        self.sim = RaceSim(self.track, 1, config)
        self.observation_space = spaces.Box(OBS_LOW, OBS_HIGH, dtype=np.float32)
        self.action_space = spaces.Discrete(len(ACTION_NAMES))
        self.render_mode = render_mode
        self._lap_times_s: list[float] = []
        self._action = np.zeros(1, dtype=np.int64)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[npt.NDArray[np.float32], dict[str, Any]]:
        """Start a new episode on the start line (seeded for reproducibility)."""
        super().reset(seed=seed)
        if self._generated is not None:
            self._next_track(seed)
        self.sim.reset([self.np_random])
        self._lap_times_s = []
        return self.sim.observe()[0], self._info(dict.fromkeys(REWARD_TERMS, 0.0))

    def _next_track(self, seed: int | None) -> None:
        """Drive the episode's generated track: a new training one, or the next held-out one."""
        if self._generated == HELD_OUT:
            self._held_out = self._held_out + 1 if seed is None else seed
            track = held_out_track(self._held_out)
        else:
            (training_seed,) = draw_training_seeds(self.np_random, 1)
            track = build_generated(training_seed)
        if track is not self.track:
            self.track = track
            self.sim.set_tracks([track])

    def step(
        self, action: int | np.integer
    ) -> tuple[npt.NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        """Drive one step of 0.05 s with `action`."""
        if not 0 <= action < len(ACTION_NAMES):
            raise ValueError(
                f"action: expected an integer in [0, {len(ACTION_NAMES)}), got {action!r}"
            )
        self._action[0] = action
        out = self.sim.step(self._action)
        # One car: read its rows once as Python numbers (cheaper than a view per field).
        reward, *terms = out.values[0].tolist()
        terminated, truncated, new_lap = out.flags[0].item()
        if new_lap:
            self._lap_times_s.append(float(self.sim.state.cars[0]["last_lap_s"]))
        info = self._info(dict(zip(REWARD_TERMS, terms, strict=True)))
        if terminated or truncated:
            info["ending"] = ENDINGS[terminated]
        return out.obs[0].copy(), reward, terminated, truncated, info

    def _info(self, terms: dict[str, float]) -> dict[str, Any]:
        car = CarRecord._make(self.sim.state.cars[0].item())
        info: dict[str, Any] = {
            "laps": car.laps,
            "lap_time_s": car.steps * self.sim.config.dt_s - car.lap_start_s,
            "lap_times_s": list(self._lap_times_s),
            "progress": car.travelled_m / self.track.length_m,
            "speed_mps": car.speed_mps,
            "crashed": bool(car.crashed),
            "is_success": car.laps >= 1,
            "reward_components": terms,
        }
        if self._lap_times_s:
            info["last_lap_s"] = self._lap_times_s[-1]
            info["best_lap_s"] = min(self._lap_times_s)
        return info

    def render(self) -> npt.NDArray[np.uint8] | None:
        """The track and the car as an RGB array [height, width, 3] (render_mode="rgb_array")."""
        if self.render_mode is None:
            gym.logger.warn(
                "RaceEnv.render() called without a render_mode; pass render_mode='rgb_array'."
            )
            return None
        from game.race.render import render_frame  # pygame is imported only to draw

        return render_frame(self.sim)
