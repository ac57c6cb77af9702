"""The race reward, as named components so the HUD, the logs and the tests read the same numbers."""

from __future__ import annotations

from numba import njit

PROGRESS_PER_LAP = 100.0
"""Reward for driving one full lap's length forward (backwards earns it negatively)."""
LAP_BONUS = 10.0
"""Extra reward on completing a lap."""
OFF_TRACK_PENALTY = -10.0
"""Reward on leaving the track (which also ends the episode)."""

COMPONENTS = ("progress", "lap_bonus", "off_track")
"""Names of the components, in the order `race_reward` returns them; the reward is their sum."""


@njit(cache=True)
def race_reward(progress_m: float, track_length_m: float, new_lap: bool, on_track: bool) -> tuple[float, float, float]:
    """One car's reward components for one step: (progress, lap_bonus, off_track)."""
    return (
        progress_m * (PROGRESS_PER_LAP / track_length_m),
        LAP_BONUS if new_lap else 0.0,
        0.0 if on_track else OFF_TRACK_PENALTY,
    )
