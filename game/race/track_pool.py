"""Which track each car of a batched race drives next: fixed tracks, the held-out tracks in turn,
or a pool of generated training tracks that a swarm draws from and that is slowly renewed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from game.race.generate import EVALUATION_SEEDS
from game.race.track import Track
from game.race.track_choice import build_generated, draw_training_seeds, held_out_tracks

POOL_PER_CAR = 4
"""Generated tracks in a swarm's pool per car (with POOL_MIN and POOL_MAX)..."""
POOL_MIN = 16
POOL_MAX = 1_024
"""...so a car's next track is rarely the one it just drove, and most tracks are free to be
replaced at any moment (with 4 per car, 78% of them: (1 - 1/P)^N for N cars on P tracks)."""
RENEW_EVERY_STEPS = 250
"""The pool replaces one track no car is driving every this many steps (a generated track costs
a median 1.5 ms to make, 52 ms at worst; bench/RESULTS.md, "Generated tracks")."""
CRASH_EMA = 0.25
"""How far one episode moves its pool track's crash score, the moving average of "the episode
ended by leaving the track" (0.25: mostly its last 4 episodes count; not tuned)."""
TRACK_STREAM = 0x7AC5
"""Mixed into a car's seed for the generator choosing its tracks, so the generator drawing its
start (the one a single env seeded alike uses) is unchanged."""


class CarTracks:
    """Fixed tracks: car i drives track i modulo their number, every episode."""

    def __init__(self, tracks: Sequence[Track], num_cars: int):
        self.tracks = list(tracks)
        """The simulation's tracks (car track indices point into this list)."""
        self.num_cars = num_cars

    def first(self) -> npt.NDArray[np.int64]:
        """[N] each car's track before the first reset."""
        return np.arange(self.num_cars) % len(self.tracks)

    def seed(self, seeds: Sequence[int | None]) -> bool:
        """Seed the choices (one seed per car, as reset got them); True if `tracks` changed."""
        return False

    def next_tracks(self, cars: npt.NDArray[np.intp], current: npt.NDArray[np.int64]) -> bool:
        """Write into current[cars] the tracks these cars drive next; True if `tracks` changed."""
        return False

    def after_step(self, current: npt.NDArray[np.int64]) -> bool:
        """Called after every step; True if `tracks` changed (no car's track is ever removed)."""
        return False

    def episodes_ended(self, tracks: npt.NDArray[np.int64], crashed: npt.NDArray[np.bool_]) -> None:
        """Episodes just ended on `tracks`, those with `crashed` by leaving the track."""


class HeldOutTracks(CarTracks):
    """All held-out tracks; a car reset with seed s drives EVALUATION_SEEDS[s % 100], and on
    each unseeded reset the next one (exactly as a single RaceEnv("random:heldout"))."""

    def __init__(self, num_cars: int):
        super().__init__(held_out_tracks(), num_cars)
        self._seeded: list[int | None] = [None] * num_cars

    def first(self) -> npt.NDArray[np.int64]:
        return np.full(self.num_cars, len(self.tracks) - 1)  # so the first unseeded one is 0

    def seed(self, seeds: Sequence[int | None]) -> bool:
        self._seeded = list(seeds)
        return False

    def next_tracks(self, cars: npt.NDArray[np.intp], current: npt.NDArray[np.int64]) -> bool:
        for car in cars:
            seed, self._seeded[car] = self._seeded[car], None
            current[car] = (current[car] + 1 if seed is None else seed) % len(EVALUATION_SEEDS)
        return False


class TrackPool(CarTracks):
    """A pool of generated training tracks: each car draws its next episode's track from it
    uniformly, with its own generator; every RENEW_EVERY_STEPS steps one track no car is driving
    is replaced by a new one from a stream of training seeds.

    With `keep_crashes` p > 0 each pool track keeps a crash score (CRASH_EMA), and that share
    of the renewals replaces the free track with the lowest score (ties at random) instead of
    any free one: tracks the cars now drive safely make room, the ones they still leave stay.
    0 here; 1 in the `--track random` training defaults (agent/defaults.py): with it the generalist
    lapped 95% / 99% / 98% of the held-out tracks (seeds 0-2, against 94% / 90% / 88%), and
    96% / 100% / 99% with 0.1 per metre and the centreline seen 60 m ahead; bench/RESULTS.md,
    "The generalist".

    The pool and the stream come from the first seed reset gives (a random one if none); cars
    stand on the default track until then.
    """

    def __init__(self, num_cars: int, size: int | None = None, keep_crashes: float = 0.0):
        super().__init__([], num_cars)
        self.size = size or min(max(POOL_PER_CAR * num_cars, POOL_MIN), POOL_MAX)
        self.keep_crashes = keep_crashes
        self.seeds: list[int] = []
        """The training seed of each pool track."""
        self.crash_score = np.zeros(self.size)
        """Each pool track's moving average of its episodes ending off the track (a new track
        starts at the pool's mean)."""
        self._stream = np.random.default_rng()
        self._rngs = [np.random.default_rng() for _ in range(num_cars)]
        self._steps = 0

    def first(self) -> npt.NDArray[np.int64]:
        from game.race.track import load_track  # the placeholder until the first reset

        self.tracks = [load_track()]
        return np.zeros(self.num_cars, dtype=np.int64)

    def seed(self, seeds: Sequence[int | None]) -> bool:
        if seeds[0] is None and self.seeds:
            return False  # an unseeded reset keeps the pool
        self._stream = np.random.default_rng(seeds[0])
        self._rngs = [
            np.random.default_rng(None if s is None else (s, TRACK_STREAM)) for s in seeds
        ]
        self.seeds = draw_training_seeds(self._stream, self.size)
        self.tracks = [build_generated(seed) for seed in self.seeds]
        self.crash_score[:] = 0.0
        return True

    def next_tracks(self, cars: npt.NDArray[np.intp], current: npt.NDArray[np.int64]) -> bool:
        for car in cars:
            current[car] = self._rngs[car].integers(self.size)
        return False

    def episodes_ended(self, tracks: npt.NDArray[np.int64], crashed: npt.NDArray[np.bool_]) -> None:
        if self.keep_crashes <= 0:
            return  # no renewal reads the scores: keep the env's step free of the loop
        for track, crash in zip(tracks, crashed, strict=True):
            self.crash_score[track] += CRASH_EMA * (float(crash) - self.crash_score[track])

    def after_step(self, current: npt.NDArray[np.int64]) -> bool:
        self._steps += 1
        if self._steps % RENEW_EVERY_STEPS:
            return False
        free = np.setdiff1d(np.arange(self.size), current)
        if not len(free):
            return False
        if self._keep_crashes_now():
            scores = self.crash_score[free]
            free = free[scores == scores.min()]
        slot = int(self._stream.choice(free))
        (self.seeds[slot],) = draw_training_seeds(self._stream, 1)
        self.tracks[slot] = build_generated(self.seeds[slot])
        self.crash_score[slot] = self.crash_score.mean()
        return True

    def _keep_crashes_now(self) -> bool:
        """Whether this renewal replaces the safest free track (a draw only when 0 < p < 1)."""
        if 0 < self.keep_crashes < 1:
            return bool(self._stream.random() < self.keep_crashes)
        return self.keep_crashes == 1
