"""The race's scripted driver as a baseline: watched and evaluated exactly like an agent."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from agent.recording import DemoRecorder, outcome
from agent.episodes import EpisodeStepper, FinishedEpisode
from agent.evaluation import EvalResult
from agent.policy import PolicyOutput
from game.race.driver import drive
from game.race.car_state import ACTION_NAMES
from game.race.sim import RaceSim
from game.race.vector_env import RaceVectorEnv


class ScriptedDriver:
    """The scripted driver behind a policy's `act()`: certain of its choice (one-hot
    probabilities)."""

    def __init__(self, sim: RaceSim):
        self.sim = sim

    def act(self, obs: npt.NDArray[np.float32], deterministic: bool = False) -> PolicyOutput:
        """The driver's action for every car (it reads the simulation, not `obs`)."""
        actions = drive(self.sim).astype(np.int64)
        probs = np.eye(len(ACTION_NAMES), dtype=np.float32)[actions]
        return PolicyOutput(actions, probs, np.zeros(len(actions), dtype=np.float32), None)


def evaluate_driver(
    options: dict[str, Any],
    episodes: int = 100,
    seed: int = 0,
    recorder: DemoRecorder | None = None,
) -> EvalResult:
    """The driver's scores over `episodes` episodes seeded seed + i, as agent/evaluation.py
    reports an agent's; `recorder` records them as demonstrations (episode i as its car i).

    All episodes run at once, one car each, on the batched env (car i there is exactly a single
    env seeded seed + i); each car's first episode is the one that counts.
    """
    start = time.perf_counter()
    envs = RaceVectorEnv(episodes, **options)
    stepper = EpisodeStepper(envs)
    obs = stepper.reset(seed=seed)
    first: dict[int, FinishedEpisode] = {}
    while len(first) < episodes:
        actions = drive(envs.sim)
        report = stepper.step(actions)
        if recorder is not None:
            for car in range(episodes):
                if car not in first:
                    recorder.add(car, obs[car], int(actions[car]), float(report.rewards[car]))
            for episode in report.finished:
                if episode.env_index not in first:
                    recorder.end(episode.env_index, **outcome(episode.info, episode.info["ending"]))
        obs = report.obs
        for episode in report.finished:
            first.setdefault(episode.env_index, episode)
    stepper.close()
    return EvalResult.of([first[car] for car in range(episodes)], time.perf_counter() - start)
