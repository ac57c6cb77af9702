"""The one env loop: step a vector env, book its episodes, report what happened.

Training, watching and playing all step their envs through an `EpisodeStepper`; episodes are
counted by Gymnasium's `RecordEpisodeStatistics` (which handles SAME_STEP autoreset), and
`finished_episodes` reads what it recorded together with each episode's final info.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from gymnasium.vector import VectorEnv
from gymnasium.wrappers.vector import RecordEpisodeStatistics

from agent.policy import PolicyOutput


class FinishedEpisode(NamedTuple):
    """An episode that ended on this step."""

    env_index: int
    episode_return: float
    length: int
    terminated: bool
    """It ended in a terminal state (crashed, landed, pole fell...); else it was truncated."""
    info: dict[str, Any]
    """The episode's final info (e.g. is_success, laps)."""


class EnvStepReport(NamedTuple):
    """One vector-env step: what was done, what came of it, and the episodes it ended."""

    obs: npt.NDArray[np.float32]
    """[num_envs, obs_dim] raw observations after the step (new episodes' first where reset)."""
    actions: npt.NDArray[np.int64]
    policy: PolicyOutput | None
    """The policy's decision that chose `actions` (probabilities and values for the HUD), if any."""
    rewards: npt.NDArray[np.float32]
    terminated: npt.NDArray[np.bool_]
    truncated: npt.NDArray[np.bool_]
    infos: dict[str, Any]
    """The vector env's info dict of the step."""
    episode_returns: npt.NDArray[np.float64]
    """[num_envs] returns so far of the episodes running after the step."""
    episode_lengths: npt.NDArray[np.int64]
    """[num_envs] lengths so far of the episodes running after the step."""
    finished: list[FinishedEpisode]


def env_info(vector_info: dict[str, Any], index: int) -> dict[str, Any]:
    """One env's entries of a Gymnasium vector info dict (masks dropped, nested dicts kept)."""
    info: dict[str, Any] = {}
    for key, value in vector_info.items():
        mask = vector_info.get(f"_{key}")
        if key.startswith("_") or (mask is not None and not mask[index]):
            continue
        if isinstance(value, dict):
            info[key] = env_info(value, index)
        else:
            item = value[index]
            info[key] = item.item() if isinstance(item, np.generic) else item
    return info


def finished_episodes(
    infos: dict[str, Any], terminated: npt.NDArray[np.bool_]
) -> list[FinishedEpisode]:
    """The episodes RecordEpisodeStatistics recorded as ending in this step's `infos`."""
    if "_episode" not in infos:
        return []
    stats, final = infos["episode"], infos.get("final_info", {})
    return [
        FinishedEpisode(
            int(i),
            float(stats["r"][i]),
            int(stats["l"][i]),
            bool(terminated[i]),
            env_info(final, int(i)),
        )
        for i in np.flatnonzero(infos["_episode"])
    ]


class EpisodeStepper:
    """A vector env (SAME_STEP autoreset) stepped with given actions, its episodes booked."""

    def __init__(self, envs: VectorEnv):
        self.envs = RecordEpisodeStatistics(envs)
        self.num_envs = envs.num_envs

    def reset(self, seed: int | None = None) -> npt.NDArray[np.float32]:
        """Start every env's episode afresh; return the first observations."""
        obs, _ = self.envs.reset(seed=seed)
        return obs

    @property
    def episode_returns(self) -> npt.NDArray[np.float64]:
        """[num_envs] returns so far of the running episodes."""
        return self.envs.episode_returns

    @property
    def episode_lengths(self) -> npt.NDArray[np.int64]:
        """[num_envs] lengths so far of the running episodes."""
        return self.envs.episode_lengths

    def step(
        self, actions: npt.NDArray[np.int64], policy: PolicyOutput | None = None
    ) -> EnvStepReport:
        """Step every env with `actions` (chosen by `policy`, if given) and report it."""
        obs, rewards, terminated, truncated, infos = self.envs.step(actions)
        return EnvStepReport(
            obs,
            actions,
            policy,
            rewards,
            terminated,
            truncated,
            infos,
            self.envs.episode_returns.copy(),
            self.envs.episode_lengths.copy(),
            finished_episodes(infos, terminated),
        )

    def close(self) -> None:
        """Close the envs."""
        self.envs.close()
