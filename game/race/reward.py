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


@njit(cache=True)
def race_reward(
    progress_m: float, track_length_m: float, new_lap: bool, on_track: bool
) -> tuple[float, float, float]:
    """One car's reward terms for one step, in REWARD_TERMS order."""
    return (
        progress_m * (PROGRESS_PER_LAP / track_length_m),
        LAP_BONUS if new_lap else 0.0,
        0.0 if on_track else OFF_TRACK_PENALTY,
    )
