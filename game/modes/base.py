"""What every mode shares: the scene and its view, a notice line, the HUD's curve, and race
helpers."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pygame
from gymnasium.vector import VectorEnv

from agent.episodes import FinishedEpisode
from game.hud import HudState, RaceHud
from game.lander_view import LanderView
from game.race.sim import RaceSim
from game.scenes import SceneSpec
from game.views import FrameView, RaceView, SceneView

CURVE_EPISODES = 300
"""Episodes kept for the HUD's learning curve."""
NOTICE_S = 3.0
"""How long an episode's result stays on the HUD."""
LEAD_MARGIN_M = 10.0
"""The HUD switches to following another car only once it leads by this much."""


class ReturnCurve:
    """The returns of the last finished episodes (the HUD's curve), their best, and their count."""

    def __init__(self) -> None:
        self.returns: deque[float] = deque(maxlen=CURVE_EPISODES)
        self.best: float | None = None
        self.episodes = 0

    def add(self, episode_return: float) -> None:
        """Note one finished episode's return."""
        self.returns.append(episode_return)
        self.best = episode_return if self.best is None else max(self.best, episode_return)
        self.episodes += 1

    def extend(self, returns: Iterable[float]) -> None:
        """Note finished episodes' returns, oldest first (e.g. a resumed run's history)."""
        for episode_return in returns:
            self.add(episode_return)


class LapTally:
    """How many laps each car completed in its last finished episode (for "cars that lapped")."""

    def __init__(self, cars: int):
        self.last_laps = np.full(cars, -1)
        """-1 until a car has finished an episode."""

    def record(self, episode: FinishedEpisode) -> None:
        """Note the laps of an episode that just finished."""
        self.last_laps[episode.env_index] = episode.info.get("laps", 0)

    def cars_lapped(self) -> int | None:
        """Cars whose last episode had a lap (None before any car finished one)."""
        return int((self.last_laps >= 1).sum()) if (self.last_laps >= 0).any() else None


class Mode:
    """Common to every mode: the scene, its view, the HUD's curve and a notice line."""

    name = ""
    algo: str | None = None

    def __init__(
        self, scene: SceneSpec, view: SceneView, steps_per_second: float, num_envs: int = 1
    ):
        self.scene = scene
        self.view = view
        self.steps_per_second = steps_per_second
        """Env steps per second of simulated time: what 1x speed runs at."""
        self.num_envs = num_envs
        """Envs (cars) stepped per step: steps per second on the HUD count them all."""
        self.curve = ReturnCurve()
        self._notice, self._notice_until = "", 0.0

    def advance(self, quota: float, deadline_s: float) -> int:
        """Run up to `quota` env steps (fewer if `deadline_s` on perf_counter passes); return how
        many ran."""
        raise NotImplementedError

    def reset(self) -> None:
        """Restart the current episode."""
        self.notify("restart is not available in this mode")

    def notify(self, text: str) -> None:
        """Show `text` on the HUD for a few seconds."""
        self._notice, self._notice_until = text, time.perf_counter() + NOTICE_S

    def notice(self) -> str:
        """The notice to show now, if any."""
        return self._notice if time.perf_counter() < self._notice_until else ""

    def hud_state(self) -> HudState | None:
        """What the HUD should show now (the engine adds fps, speed and pause); None: no HUD."""
        raise NotImplementedError

    def handle_event(self, event: pygame.event.Event) -> bool:
        """Take a window event before the engine's hotkeys see it; whether it was used."""
        return False

    def close(self) -> None:
        """Release the envs (and, when training, save first)."""


def race_sim(envs: VectorEnv) -> RaceSim | None:
    """The race simulation behind a vector env of the race (None for the other scenes)."""
    return getattr(envs.unwrapped, "sim", None)


def race_hud(sim: RaceSim, car: int = 0, cars_lapped: int | None = None) -> RaceHud:
    """The lap numbers of one car of a race."""
    st = sim.state

    def seconds(value: float) -> float | None:
        return None if math.isnan(value) else float(value)

    return RaceHud(
        laps=int(st.laps[car]),
        lap_time_s=float(st.steps[car] * sim.config.dt_s - st.lap_start_s[car]),
        last_lap_s=seconds(st.last_lap_s[car]),
        best_lap_s=seconds(st.best_lap_s[car]),
        cars=sim.num_cars,
        cars_lapped=cars_lapped,
    )


def episode_message(scene: SceneSpec, episode: FinishedEpisode) -> str:
    """One finished episode in a few words: its return and how it ended."""
    ending = scene.ending(episode.info, episode.terminated)
    return f"episode: return {episode.episode_return:.1f}, {ending}"


def reward_terms(infos: dict[str, Any] | None, index: int) -> tuple[tuple[str, float], ...]:
    """Env `index`'s last reward term by term, from a vector info dict (empty where unnamed)."""
    terms = None if infos is None else infos.get("reward_components")
    return () if terms is None else tuple((name, float(v[index])) for name, v in terms.items())


def scene_view(
    scene: SceneSpec, envs: VectorEnv, focus: Callable[[], int], action: Callable[[], int | None]
) -> SceneView:
    """The race drawn natively from its simulation (every car); LunarLander from env 0's Box2D
    state (`action` is env 0's last action, for the flames); CartPole from env 0's frames."""
    sim = race_sim(envs)
    if sim is not None:
        return RaceView(lambda: sim, focus)
    first = envs.unwrapped.envs[0]
    if scene.drawn_natively:
        return LanderView(lambda: first.unwrapped, action)
    return FrameView(lambda: first)


def leader(sim: RaceSim, focus: int) -> int:
    """The car furthest round the track, switching from `focus` only past a margin (no flicker)."""
    travelled = sim.state.travelled_m
    best = int(np.argmax(travelled))
    return best if travelled[best] > travelled[focus] + LEAD_MARGIN_M else focus
