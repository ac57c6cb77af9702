"""The race's scripted driver as a baseline: watched and evaluated exactly like an agent."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from agent.evaluate import EvalResult
from agent.policy import PolicyOutput
from game.race.driver import drive
from game.race.sim import ACTION_NAMES, RaceSim
from game.race.vector_env import RaceVectorEnv


class ScriptedDriver:
    """The scripted driver behind a policy's `act()`: certain of its choice (one-hot probabilities)."""

    def __init__(self, sim: RaceSim):
        self.sim = sim

    def act(self, obs: npt.NDArray[np.float32], deterministic: bool = False) -> PolicyOutput:
        """The driver's action for every car (it reads the simulation, not `obs`)."""
        actions = drive(self.sim).astype(np.int64)
        probs = np.eye(len(ACTION_NAMES), dtype=np.float32)[actions]
        return PolicyOutput(actions, probs, np.zeros(len(actions), dtype=np.float32), None)


def evaluate_driver(options: dict[str, Any], episodes: int = 100, seed: int = 0) -> EvalResult:
    """The driver's scores over `episodes` episodes seeded seed + i, as `agent.evaluate` reports an agent's.

    All episodes run at once, one car each, on the batched env (car i there is exactly a single
    env seeded seed + i); each car's first episode is the one that counts.
    """
    start = time.perf_counter()
    envs = RaceVectorEnv(episodes, **options)
    envs.reset(seed=seed)
    returns, lengths = np.zeros(episodes), np.zeros(episodes, dtype=np.int64)
    running = np.ones(episodes, dtype=bool)
    laps, best_lap = np.zeros(episodes, dtype=np.int64), np.full(episodes, np.nan)
    while running.any():
        _, rewards, terminated, truncated, info = envs.step(drive(envs.sim))
        returns += rewards * running
        lengths += running
        for car in np.flatnonzero(running & (terminated | truncated)):
            final = info["final_info"]
            laps[car], best_lap[car] = final["laps"][car], final["best_lap_s"][car]
            running[car] = False
    envs.close()
    return EvalResult(
        episodes=episodes,
        mean_return=float(returns.mean()),
        std_return=float(returns.std()),
        success_rate=float((laps >= 1).mean()),
        mean_length=float(lengths.mean()),
        wall_s=time.perf_counter() - start,
        returns=tuple(returns.tolist()),
        mean_laps=float(laps.mean()),
        best_lap_s=float(np.nanmin(best_lap)) if np.isfinite(best_lap).any() else None,
    )
