"""A race of a few laps between two cars: the countdown, the standings, the result.

Leaving the track puts a car back on the start line (the env starts a new episode there): the
laps it completed still count, the lap it was on is lost. Race time is game time since "GO".
"""

from __future__ import annotations

import math
import numpy as np

from game.hud_text import fmt_seconds
from game.race.sim import RaceSim

COUNTDOWN_S = 3.0
"""Real seconds from "3" to "GO!" (the cars stand still meanwhile)."""
GO_SHOWN_S = 1.0
"""How long "GO!" stays up once the race is on."""
RACE_LAPS = 3


def ordinal(place: int) -> str:
    """1 -> "1st", 2 -> "2nd"."""
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(place, f"{place}th")


class Duel:
    """Two cars (0 and 1) racing `laps` laps from a standing start on the line."""

    def __init__(self, sim: RaceSim, names: tuple[str, str], laps: int = RACE_LAPS):
        self.sim, self.names, self.laps = sim, names, laps
        self.restart()

    def restart(self) -> None:
        """Back to the countdown (the cars are put on the line by the caller's env reset)."""
        self.countdown_s = COUNTDOWN_S
        self.race_s = 0.0
        """Game time since "GO"."""
        self.banked_laps = np.zeros(2, dtype=np.int64)
        """Laps completed in episodes that have ended (a car that left the track keeps them)."""
        self.episode_start_s = np.zeros(2)
        """Race time at which each car's current episode began."""
        self.finish_s = np.full(2, np.nan)
        """Each car's race time at its last lap's line crossing; NaN until it finishes."""
        self.best_lap_s = np.full(2, np.nan)
        """Each car's best lap of the race (NaN before its first)."""
        self._final: dict[int, tuple[str, ...]] = {}
        """A finished car's standings column, as it was when it crossed the line."""

    @property
    def started(self) -> bool:
        """Whether the countdown is over."""
        return self.countdown_s <= 0.0

    @property
    def over(self) -> bool:
        """Whether both cars have finished."""
        return bool(np.isfinite(self.finish_s).all())

    def count_down(self, real_s: float) -> None:
        """Let `real_s` seconds of the countdown pass."""
        self.countdown_s -= real_s

    def laps_done(self) -> np.ndarray:
        """Laps each car has completed in the race."""
        return self.banked_laps + self.sim.state.laps

    def step(self, ended: dict[int, int]) -> None:
        """One step of game time passed; `ended` maps each car whose episode ended in it (left
        the track, or ran out of time) to the laps of that episode."""
        self.race_s += self.sim.config.dt_s
        for car, laps in ended.items():
            self.banked_laps[car] += laps
            self.episode_start_s[car] = self.race_s
        self.best_lap_s = np.fmin(self.best_lap_s, self.sim.state.best_lap_s)
        done = (self.laps_done() >= self.laps) & np.isnan(self.finish_s)
        # the sim times the line crossing within the step: lap_start_s is that moment
        self.finish_s[done] = self.episode_start_s[done] + self.sim.state.lap_start_s[done]

    def distance_m(self) -> np.ndarray:
        """How far each car is into the race (laps banked plus this episode's distance)."""
        st = self.sim.state
        return self.banked_laps * self.sim.track.length_m + st.travelled_m

    def places(self) -> np.ndarray:
        """Each car's place (1 or 2): finished cars by time, before the rest by distance."""
        finish = np.where(np.isnan(self.finish_s), np.inf, self.finish_s)
        key = [(finish[car], -self.distance_m()[car]) for car in (0, 1)]
        return np.array([1 + (key[1 - car] < key[car]) for car in (0, 1)])

    def table(self) -> tuple[tuple[str, ...], ...]:
        """The standings side by side: place, lap, lap times and race time of both cars."""
        st = self.sim.state
        places, laps = self.places(), self.laps_done()

        def column(car: int) -> tuple[str, ...]:
            if car in self._final:
                return (ordinal(int(places[car])), *self._final[car][1:])
            finished = not math.isnan(self.finish_s[car])
            lap_now = st.steps[car] * self.sim.config.dt_s - st.lap_start_s[car]
            cells = (
                ordinal(int(places[car])) if self.started else "-",
                "finished" if finished else f"{laps[car] + 1} of {self.laps}",
                "-" if finished or not self.started else fmt_seconds(lap_now),
                fmt_seconds(st.last_lap_s[car]),
                fmt_seconds(self.best_lap_s[car]),
                fmt_seconds(self.finish_s[car] if finished else self.race_s),
            )
            if finished:
                self._final[car] = cells
            return cells

        labels = ("place", "lap", "this lap", "last lap", "best lap", "race time")
        rows = zip(labels, column(0), column(1), strict=True)
        return (("", *self.names), *rows)

    def banner(self) -> tuple[str, ...] | None:
        """The countdown, "GO!", or the result (a headline, then smaller lines); None while
        racing."""
        if not self.started:
            return (str(math.ceil(self.countdown_s)), f"{self.laps} laps")
        if self.race_s < GO_SHOWN_S:
            return ("GO!",)
        if not self.over:
            return None
        winner = int(np.argmin(self.finish_s))
        gap = abs(self.finish_s[1] - self.finish_s[0])
        headline = "You win!" if winner == 0 else f"The {self.names[winner]} wins"
        return (
            headline,
            f"by {gap:.2f} s over {self.laps} laps",
            f"{self.names[0]} {fmt_seconds(self.finish_s[0])}, "
            f"{self.names[1]} {fmt_seconds(self.finish_s[1])}",
            "R: race again",
        )
