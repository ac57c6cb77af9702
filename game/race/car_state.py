"""The cars as records: the actions, each car's state (declared once, field by field) and what a
step produces per car; game/race/sim.py advances them."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import numpy.typing as npt

from game.race.reward import REWARD_TERMS
from game.race.sensors import OBS_SIZE

ACTION_NAMES = (
    "coast",
    "left",
    "right",
    "gas",
    "gas+left",
    "gas+right",
    "brake",
    "brake+left",
    "brake+right",
)
"""The discrete actions: every pairing of (coast, gas, brake) with (straight, left, right)."""
ACTION_THROTTLE = np.array([0, 0, 0, 1, 1, 1, -1, -1, -1], dtype=np.int64)
ACTION_STEER = np.array([0, 1, -1, 0, 1, -1, 0, 1, -1], dtype=np.int64)


CAR_FIELDS = (
    ("x_m", np.float64, "Position [m]."),
    ("y_m", np.float64, "Position [m]."),
    ("heading_rad", np.float64, "Counter-clockwise from +x."),
    ("speed_mps", np.float64, "Speed [m/s] (never negative: no reverse gear)."),
    ("steer_rad", np.float64, "Wheel angle; positive steers left."),
    ("s_m", np.float64, "Arc length of the car's projection on the centreline."),
    ("lateral_m", np.float64, "Offset to the left of the centreline."),
    ("travelled_m", np.float64, "Signed distance driven along the centreline this episode."),
    ("lap_start_s", np.float64, "Episode time at which the current lap began."),
    ("last_lap_s", np.float64, "The last lap's time; NaN until a lap is done."),
    ("best_lap_s", np.float64, "The episode's best lap time; NaN until a lap is done."),
    ("seg", np.int64, "The quad the car is in (where it was last, once off the track)."),
    ("laps", np.int64, "Laps completed this episode."),
    ("steps", np.int64, "Steps driven this episode."),
    ("crashed", np.int64, "1 once the car has left the track."),
    ("track", np.int64, "Which of the simulation's tracks the car drives on (an index)."),
)
"""A car's state: (name, type, meaning) of each field, declared once. Compiled code reads and
writes a car's record by field name (`car.x_m`); Python reads every car's field as `state.x_m`."""
CAR_STATE = np.dtype([(name, kind) for name, kind, _ in CAR_FIELDS], align=True)

CarRecord = namedtuple("CarRecord", CAR_STATE.names)  # type: ignore[misc]
"""One car's state as plain Python numbers, by field name: `CarRecord._make(state.cars[i].item())`.
"""

ENDINGS = ("time limit", "left the track")
"""How an episode ends: ENDINGS[terminated] (a car is only ever truncated on the track)."""

STEP_FLAGS = np.dtype([("terminated", np.bool_), ("truncated", np.bool_), ("new_lap", np.bool_)])
"""Per car and step: the episode ended in a terminal state / was cut by the time limit / a lap
was completed during the step."""
STEP_VALUES = ("reward", *REWARD_TERMS)
"""Columns of StepOutput.values: the reward, then its terms (in REWARD_TERMS order)."""


class RaceState:
    """Every car's state, one CAR_STATE record per car; `state.<field>` views one field of every
    car."""

    def __init__(self, count: int):
        self.cars = np.zeros(count, dtype=CAR_STATE)


for _name, _, _doc in CAR_FIELDS:
    setattr(RaceState, _name, property(lambda self, name=_name: self.cars[name], doc=_doc))


class StepOutput:
    """What one step produced, one row per car; reused every step (copy what must outlive it)."""

    def __init__(self, count: int):
        self.obs = np.zeros((count, OBS_SIZE), dtype=np.float32)
        self.values = np.zeros((count, len(STEP_VALUES)))
        """[N, STEP_VALUES]: the reward and its terms."""
        self.flags = np.zeros(count, dtype=STEP_FLAGS)

    @property
    def reward(self) -> npt.NDArray[np.float64]:
        """[N] each car's reward."""
        return self.values[:, 0]

    def terms(self) -> dict[str, npt.NDArray[np.float64]]:
        """Each reward term's [N] values, by name."""
        return {name: self.values[:, 1 + j] for j, name in enumerate(REWARD_TERMS)}

    @property
    def terminated(self) -> npt.NDArray[np.bool_]:
        """[N] whether each car's episode ended in a terminal state (it left the track)."""
        return self.flags["terminated"]

    @property
    def truncated(self) -> npt.NDArray[np.bool_]:
        """[N] whether each car's episode was cut by the time limit."""
        return self.flags["truncated"]

    @property
    def new_laps(self) -> npt.NDArray[np.bool_]:
        """[N] whether each car completed a lap during the step."""
        return self.flags["new_lap"]
