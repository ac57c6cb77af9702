"""Which track a race drives: one parser for `--track`, RaceEnv and RaceVectorEnv.

A choice is a shipped track's name, a track file's path, a `Track`, "random:N" (generated
track N, the same every time), "random" (a new generated training track every episode) or
"random:heldout" (the held-out generated tracks, which training never draws: an episode reset
with seed s drives EVALUATION_SEEDS[s % 100], and each unseeded reset the next one).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from game.errors import TrackError
from game.race.generate import EVALUATION_SEEDS, TRAINING_SEEDS, generate_track
from game.race.track import Track, build_track, load_track
from game.race.track_file import resolve_track_path, shipped_tracks

RANDOM = "random"
"""A new generated training track (from TRAINING_SEEDS) every episode."""
HELD_OUT = "random:heldout"
"""The held-out generated tracks (EVALUATION_SEEDS), one per episode."""
GENERATED_PREFIX = "random:"
"""random:N is generated track N."""
GENERATED = (RANDOM, HELD_OUT)
"""The choices that change track from episode to episode."""

TrackArg = str | Path | Track
"""What a `track` argument may be."""


def forms() -> str:
    """The accepted forms, for error messages."""
    return (
        f"a shipped track ({', '.join(shipped_tracks())}), a track file, "
        f"{RANDOM}, {GENERATED_PREFIX}N (N >= 0) or {HELD_OUT}"
    )


def parse_track_choice(choice: TrackArg, argument: str = "track") -> Track | str:
    """The Track a fixed choice names, or RANDOM / HELD_OUT; TrackError naming `argument`
    (e.g. "--track") and the accepted forms otherwise (a bad track file: naming the file)."""
    if isinstance(choice, Track):
        return choice
    if not isinstance(choice, str | Path):
        raise TrackError(f"{argument}: expected {forms()}, got {choice!r}")
    text = str(choice)
    if text in GENERATED:
        return text
    if text.startswith(GENERATED_PREFIX):
        number = text.removeprefix(GENERATED_PREFIX)
        if not number.isdecimal():  # digits only: no sign, no spaces
            raise TrackError(f"{argument}: expected {forms()}, got {text!r}")
        return generated_track(int(number))
    try:
        resolve_track_path(text)
    except TrackError:
        raise TrackError(f"{argument}: expected {forms()}, got {text!r}") from None
    return load_track(text)


def build_generated(seed: int) -> Track:
    """Generated track `seed`, built."""
    return build_track(generate_track(seed))


@functools.lru_cache(maxsize=256)
def generated_track(seed: int) -> Track:
    """Generated track `seed`, built once (evaluation meets the same held-out tracks again)."""
    return build_generated(seed)


def held_out_seed(seed: int) -> int:
    """The generator seed of the held-out track an episode reset with `seed` drives."""
    return EVALUATION_SEEDS[seed % len(EVALUATION_SEEDS)]


def held_out_track(seed: int) -> Track:
    """The held-out track an episode reset with `seed` drives."""
    return generated_track(held_out_seed(seed))


def held_out_tracks() -> list[Track]:
    """Every held-out track, in EVALUATION_SEEDS order."""
    return [generated_track(seed) for seed in EVALUATION_SEEDS]


def draw_training_seeds(rng: np.random.Generator, count: int) -> list[int]:
    """`count` seeds drawn uniformly from TRAINING_SEEDS (never a held-out one)."""
    draws = rng.integers(TRAINING_SEEDS.start, TRAINING_SEEDS.stop, size=count)
    return [int(seed) for seed in draws]


def fixed_tracks(choices: Sequence[TrackArg], argument: str = "track") -> list[Track]:
    """Each choice of a list as a Track (a list mixes only fixed choices)."""
    tracks = []
    for choice in choices:
        track = parse_track_choice(choice, argument)
        if isinstance(track, str):
            raise TrackError(
                f"{argument}: expected a list of fixed tracks (names, files, {GENERATED_PREFIX}N), "
                f"got {track!r} in it"
            )
        tracks.append(track)
    return tracks
