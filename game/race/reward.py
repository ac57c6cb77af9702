"""The race reward, as named components so the HUD, the logs and the tests read the same numbers."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

PROGRESS_PER_LAP = 100.0
"""Reward for driving one full lap's length forward (backwards earns it negatively)."""
LAP_BONUS = 10.0
"""Extra reward on completing a lap."""
OFF_TRACK_PENALTY = -10.0
"""Reward on leaving the track (which also ends the episode)."""

COMPONENTS = ("progress", "lap_bonus", "off_track")


def reward_components(
    progress_m: npt.NDArray[np.float64],
    track_length_m: float,
    new_laps: npt.NDArray[np.int64],
    crashed: npt.NDArray[np.bool_],
) -> dict[str, npt.NDArray[np.float64]]:
    """Each component per car; the reward is their sum."""
    return {
        "progress": progress_m * (PROGRESS_PER_LAP / track_length_m),
        "lap_bonus": new_laps * LAP_BONUS,
        "off_track": crashed * OFF_TRACK_PENALTY,
    }
