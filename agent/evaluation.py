"""Evaluation: run a policy (or uniformly random actions) for N seeded episodes and score it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
import torch
from gymnasium.wrappers import RecordEpisodeStatistics

from agent.recording import DemoRecorder, outcome
from agent.episodes import FinishedEpisode
from agent.policy import Policy


class EvalResult(NamedTuple):
    """Scores over evaluation episodes (success from `info["is_success"]` at episode end)."""

    episodes: int
    mean_return: float
    std_return: float
    success_rate: float
    """Fraction of episodes in [0, 1]."""
    mean_length: float
    wall_s: float
    returns: tuple[float, ...]
    """Each episode's return, in episode (seed) order."""
    mean_laps: float | None = None
    """Race only: laps completed per episode."""
    best_lap_s: float | None = None
    """Race only: the fastest lap of any episode, when one was completed."""
    mean_lap_s: float | None = None
    """Race only: the mean, over the episodes that completed a lap, of each one's fastest lap."""

    @classmethod
    def of(cls, episodes: Sequence[FinishedEpisode], wall_s: float) -> EvalResult:
        """The scores of these finished episodes (success and laps from their final infos)."""
        returns = np.array([e.episode_return for e in episodes])
        laps = [float(e.info["laps"]) for e in episodes if "laps" in e.info]
        lap_times = [float(e.info["best_lap_s"]) for e in episodes if "best_lap_s" in e.info]
        return cls(
            episodes=len(episodes),
            mean_return=float(returns.mean()),
            std_return=float(returns.std()),
            success_rate=float(np.mean([bool(e.info.get("is_success", False)) for e in episodes])),
            mean_length=float(np.mean([e.length for e in episodes])),
            wall_s=wall_s,
            returns=tuple(returns.tolist()),
            mean_laps=float(np.mean(laps)) if laps else None,
            best_lap_s=min(lap_times) if lap_times else None,
            mean_lap_s=float(np.mean(lap_times)) if lap_times else None,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The scores as one JSON-able dict (per-episode returns left out)."""
        scores = self._asdict()
        del scores["returns"]
        return {key: value for key, value in scores.items() if value is not None}

    def summary(self) -> str:
        """The classic one-line printout."""
        return (
            f"Reward average {self.mean_return:.2f}, std {self.std_return:.2f} / "
            f"Success rate = {self.success_rate:.0%}"
        )


class EvalReport(NamedTuple):
    """Progress of an evaluation; `result` is set on its last report."""

    episodes_done: int
    episodes: int
    result: EvalResult | None


def run_evaluation(
    policy: Policy | None,
    envs: Sequence[gym.Env],
    episodes: int,
    seed: int,
    deterministic: bool = True,
    recorder: DemoRecorder | None = None,
) -> Iterator[EvalReport]:
    """Play `episodes` episodes on `envs` side by side, one report per batched step.

    Episode i is reset with seed `seed + i`, so with a deterministic policy each episode's
    outcome does not depend on how many envs share the work. `policy` None = random actions.
    A `recorder` gets every step, episode i as its car i (demonstrations by this policy).
    """
    start_s = time.perf_counter()
    rng = np.random.default_rng(seed)
    envs = [RecordEpisodeStatistics(env) for env in envs]  # books each episode's return and length
    finished: list[FinishedEpisode | None] = [None] * episodes
    slots = [-1] * len(envs)
    """The episode each env is playing (-1 = idle)."""
    obs: list[Any] = [None] * len(envs)
    started = done = 0

    def start(env_index: int) -> None:
        nonlocal started
        if started < episodes:
            obs[env_index], _ = envs[env_index].reset(seed=seed + started)
            slots[env_index], started = started, started + 1
        else:
            slots[env_index] = -1

    for j in range(len(envs)):
        start(j)
    while done < episodes:
        active = [j for j in range(len(envs)) if slots[j] >= 0]
        if policy is None:
            actions = rng.integers(envs[0].action_space.n, size=len(active))
        else:
            actions = policy.act(np.stack([obs[j] for j in active]), deterministic).action
        for j, action in zip(active, actions, strict=True):
            before = obs[j]
            obs[j], reward, terminated, truncated, info = envs[j].step(action)
            if recorder is not None:
                recorder.add(slots[j], before, int(action), float(reward))
                if terminated or truncated:
                    recorder.end(slots[j], **outcome(info, info.get("ending") or "ended"))
            if terminated or truncated:
                stats = info["episode"]
                finished[slots[j]] = FinishedEpisode(
                    slots[j], float(stats["r"]), int(stats["l"]), terminated, info
                )
                done += 1
                start(j)
        if done < episodes:
            yield EvalReport(done, episodes, None)
    yield EvalReport(episodes, episodes, EvalResult.of(finished, time.perf_counter() - start_s))


def evaluate(
    policy: Policy | None,
    make_env: Callable[[], gym.Env],
    episodes: int = 100,
    seed: int = 0,
    deterministic: bool = True,
    num_envs: int = 10,
    recorder: DemoRecorder | None = None,
) -> EvalResult:
    """Evaluate `policy` (None = uniformly random actions) over `episodes` seeded episodes.

    Up to `num_envs` envs from `make_env` run side by side (one network call per step);
    `recorder` records them as demonstrations.
    """
    torch.set_num_threads(1)
    envs = [make_env() for _ in range(min(num_envs, episodes))]
    try:
        for report in run_evaluation(policy, envs, episodes, seed, deterministic, recorder):
            result = report.result
    finally:
        for env in envs:
            env.close()
    assert result is not None
    return result
