"""RaceVectorEnv: N cars stepped as arrays in one call (a native Gymnasium vector env), on one
track, several, or generated ones."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from game.race.reward import REWARD_TERMS
from game.race.sensors import OBS_HIGH, OBS_LOW, OBS_NAMES
from game.race.car_state import ACTION_NAMES, ENDINGS
from game.race.sim import RaceConfig, RaceSim
from game.race.track import Track
from game.race.track_choice import HELD_OUT, TrackArg, fixed_tracks, parse_track_choice
from game.race.track_file import DEFAULT_TRACK
from game.race.track_pool import CarTracks, HeldOutTracks, TrackPool


class RaceVectorEnv(VectorEnv):
    """`num_envs` independent cars; car i behaves exactly like RaceEnv seeded with seed + i.

    `track` is one track for every car (any choice RaceEnv takes), or a sequence of fixed ones
    (names, files, Tracks, "random:N"): car i then drives on track i modulo their number.
    "random:heldout": car i reset with seed s drives held-out track s % 100, then the next one
    each episode, exactly as a single env. "random": a pool of generated training tracks, 4 per
    car (16 to 1,024), drawn from the stream of training seeds the first seeded reset starts;
    at each of its episodes a car draws the pool track it drives uniformly, with its own
    generator, and every 250 steps one pool track that no car is driving is replaced by the
    stream's next one (game/race/track_pool.py). Autoreset is SAME_STEP,
    as the trainer expects: when a car's episode ends, `step` returns the first observation of
    its next episode, and the last one in `info["final_obs"]` (with `info["final_info"]`),
    masked by `info["_final_obs"]`. Cars do not collide with each other.
    Per-car info (arrays, Gymnasium's vector convention): `laps`, `lap_time_s`, `progress`,
    `speed_mps`, `crashed`, `is_success`, `reward_components`; `last_lap_s` and `best_lap_s`
    masked until a car has completed a lap; `ending` masked to the cars whose episode ended.
    Cars start on the line, anywhere along the track with `random_start`, or evenly spaced round
    it with `spread_start`; `side_by_side` starts them in two lanes, as a race's front row.
    `time_limit_s` replaces the track's time limit, `progress_per_m` the progress reward (as in
    RaceEnv). `pool_keep_crashes` (0 to 1): the share of the pool's renewals that replace the
    free track cars now leave least often instead of any free one (TrackPool).
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": ["rgb_array"],
        "render_fps": 20,
        "autoreset_mode": AutoresetMode.SAME_STEP,
    }
    obs_names = OBS_NAMES
    """What each observation value is (recorded in checkpoints)."""

    def __init__(
        self,
        num_envs: int = 1,
        track: TrackArg | Sequence[TrackArg] = DEFAULT_TRACK,
        render_mode: str | None = None,
        random_start: bool = False,
        spread_start: bool = False,
        side_by_side: bool = False,
        time_limit_s: float | None = None,
        progress_per_m: float | None = None,
        pool_keep_crashes: float = 0.0,
    ):
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode: expected None or 'rgb_array', got {render_mode!r}")
        if not 0 <= pool_keep_crashes <= 1:
            raise ValueError(
                f"pool_keep_crashes: expected a share in [0, 1], got {pool_keep_crashes!r}"
            )
        self.num_envs = num_envs
        self.car_tracks = car_tracks(track, num_envs, pool_keep_crashes)
        config = RaceConfig(
            random_start=random_start,
            spread_start=spread_start,
            side_by_side=side_by_side,
            time_limit_s=time_limit_s,
            progress_per_m=progress_per_m,
        )
        first = self.car_tracks.first()
        self.sim = RaceSim(self.car_tracks.tracks, num_envs, config)
        self.sim.set_tracks(self.car_tracks.tracks, first)
        self.render_mode = render_mode
        self.single_observation_space = spaces.Box(OBS_LOW, OBS_HIGH, dtype=np.float32)
        self.single_action_space = spaces.Discrete(len(ACTION_NAMES))
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._rngs = [seeding.np_random(None)[0] for _ in range(num_envs)]

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[npt.NDArray[np.float32], dict[str, Any]]:
        """Reset every car; an int seed gives car i the seed seed + i (as SyncVectorEnv does)."""
        if isinstance(seed, int):
            seed = [seed + i for i in range(self.num_envs)]
        if seed is not None:
            if len(seed) != self.num_envs:
                raise ValueError(f"seed: expected {self.num_envs} seeds, got {len(seed)}")
            self._rngs = [seeding.np_random(s)[0] for s in seed]
        if self.car_tracks.seed(seed or [None] * self.num_envs):
            self._use_tracks()
        self._reset_cars(np.arange(self.num_envs))
        zero = np.zeros(self.num_envs)
        return self.sim.observe(), self._info(dict.fromkeys(REWARD_TERMS, zero))

    def _reset_cars(self, cars: npt.NDArray[np.intp]) -> None:
        """Start the chosen cars' next episodes, each on the track it drives next."""
        current = self.sim.state.cars["track"]
        if self.car_tracks.next_tracks(cars, current):
            self._use_tracks()
        self.sim.reset([self._rngs[car] for car in cars], cars)

    def _use_tracks(self) -> None:
        """Hand the simulation the current tracks (the cars keep their track indices)."""
        self.sim.set_tracks(self.car_tracks.tracks, self.sim.state.cars["track"])

    def step(
        self, actions: npt.ArrayLike
    ) -> tuple[
        npt.NDArray[np.float32],
        npt.NDArray[np.float64],
        npt.NDArray[np.bool_],
        npt.NDArray[np.bool_],
        dict[str, Any],
    ]:
        """Drive every car one step; cars whose episode ended start the next one at once."""
        actions = np.asarray(actions)
        if (
            actions.shape != (self.num_envs,)
            or actions.dtype.kind not in "iu"
            or actions.min() < 0
            or actions.max() >= len(ACTION_NAMES)
        ):
            raise ValueError(
                f"actions: expected {self.num_envs} integers in [0, {len(ACTION_NAMES)}), "
                f"got {actions!r}"
            )
        out = self.sim.step(actions)
        obs = out.obs.copy()
        terminated, truncated = out.terminated.copy(), out.truncated.copy()
        info = self._info({name: values.copy() for name, values in out.terms().items()})
        done = np.flatnonzero(terminated | truncated)
        if len(done):
            mask = np.zeros(self.num_envs, dtype=np.bool_)
            mask[done] = True
            final_obs = np.empty(self.num_envs, dtype=object)
            final_obs[done] = list(obs[done])
            info["final_obs"], info["_final_obs"] = final_obs, mask
            info["ending"], info["_ending"] = np.array(ENDINGS)[terminated.astype(np.intp)], mask
            info["final_info"], info["_final_info"] = info.copy(), mask
            self.car_tracks.episodes_ended(self.sim.state.cars["track"][done], terminated[done])
            self._reset_cars(done)
            obs[done] = self.sim.observe(done)
        if self.car_tracks.after_step(self.sim.state.cars["track"]):
            self._use_tracks()
        return obs, out.reward.copy(), terminated, truncated, info

    def _info(self, components: dict[str, npt.NDArray[np.float64]]) -> dict[str, Any]:
        """Per-car info as arrays, each with its `_name` mask (Gymnasium's vector convention)."""
        st, everyone = self.sim.state, np.ones(self.num_envs, dtype=np.bool_)
        info: dict[str, Any] = {
            "laps": st.laps.copy(),
            "lap_time_s": st.steps * self.sim.config.dt_s - st.lap_start_s,
            "progress": st.travelled_m / self.sim.tracks.length_m[st.track],
            "speed_mps": st.speed_mps.copy(),
            "crashed": st.crashed.astype(bool),
            "is_success": st.laps >= 1,
            "reward_components": components,
        }
        for key in list(info):
            info[f"_{key}"] = everyone
        lapped = st.laps >= 1
        info["last_lap_s"], info["_last_lap_s"] = st.last_lap_s.copy(), lapped
        info["best_lap_s"], info["_best_lap_s"] = st.best_lap_s.copy(), lapped
        return info

    def render(self) -> npt.NDArray[np.uint8] | None:
        """All cars on the track as one RGB image (render_mode="rgb_array")."""
        if self.render_mode is None:
            return None
        from game.race.render import render_frame  # pygame is imported only to draw

        return render_frame(self.sim)


def car_tracks(
    track: TrackArg | Sequence[TrackArg], num_cars: int, keep_crashes: float = 0.0
) -> CarTracks:
    """Who chooses each car's track, for a `track` argument (a bad one is one TrackError);
    `keep_crashes` is a generated pool's (TrackPool)."""
    if isinstance(track, str | Path | Track) or not isinstance(track, Sequence):
        choice = parse_track_choice(track)
        if choice == HELD_OUT:
            return HeldOutTracks(num_cars)
        if isinstance(choice, str):
            return TrackPool(num_cars, keep_crashes=keep_crashes)
        return CarTracks([choice], num_cars)
    return CarTracks(fixed_tracks(track), num_cars)
