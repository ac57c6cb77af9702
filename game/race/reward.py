"""The race reward as named terms: the one table the simulation, the env's info and the HUD read.

Adding a term means adding its name to REWARD_TERMS and its value to `race_reward`'s result,
in the same place in both; the step output, `info["reward_components"]` and the HUD follow.
"""

from __future__ import annotations

from numba import njit

PROGRESS_PER_LAP = 100.0
"""Reward for driving one full lap's length forward (backwards earns it negatively)."""
LAP_BONUS = 10.0
"""Extra reward on completing a lap."""
OFF_TRACK_PENALTY = -10.0
"""Reward on leaving the track (which also ends the episode)."""

REWARD_TERMS = ("progress", "lap_bonus", "off_track")
"""Names of the terms, in the order `race_reward` returns them; the reward is their sum."""


def progress_rate(track_length_m: float, progress_per_m: float | None = None) -> float:
    """The progress reward per metre on a track: PROGRESS_PER_LAP over its length, or the same
    `progress_per_m` on every track (a reward that does not depend on which track is driven)."""
    return PROGRESS_PER_LAP / track_length_m if progress_per_m is None else progress_per_m


@njit(cache=True)
def race_reward(
    progress_m: float, per_m: float, new_lap: bool, on_track: bool
) -> tuple[float, float, float]:
    """One car's reward terms for one step, in REWARD_TERMS order (`per_m`: progress_rate)."""
    return (
        progress_m * per_m,
        LAP_BONUS if new_lap else 0.0,
        0.0 if on_track else OFF_TRACK_PENALTY,
    )
