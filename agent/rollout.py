"""Preallocated storage for what the learners collect: PPO's rollout, REINFORCE's episodes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from agent.learner import Transition
from agent.returns import compute_gae


class RolloutBuffer:
    """A fixed-size rollout of n_steps x num_envs transitions (PPO's batch)."""

    def __init__(self, n_steps: int, num_envs: int, obs_shape: tuple[int, ...]):
        shape = (n_steps, num_envs)
        self.obs = np.zeros(shape + obs_shape, dtype=np.float32)  # [n_steps, num_envs, *obs]
        self.actions = np.zeros(shape, dtype=np.int64)
        self.log_probs = np.zeros(shape, dtype=np.float32)
        self.values = np.zeros(shape, dtype=np.float32)
        self.rewards = np.zeros(shape, dtype=np.float32)
        self.terminated = np.zeros(shape, dtype=np.bool_)
        self.truncated = np.zeros(shape, dtype=np.bool_)
        self.final_values = np.zeros(shape, dtype=np.float32)
        """V(final_obs) where step t truncated an episode (its bootstrap)."""
        self.pos = 0

    @property
    def full(self) -> bool:
        """True once n_steps steps are stored."""
        return self.pos == len(self.obs)

    def add(self, step: Transition, final_values: npt.NDArray[np.float32]) -> None:
        """Store one vector step; `final_values` [num_envs] = V(final_obs) where truncated."""
        assert step.output.value is not None, "PPO needs the value of every observation"
        t = self.pos
        self.obs[t] = step.obs
        self.actions[t] = step.output.action
        self.log_probs[t] = step.output.log_prob
        self.values[t] = step.output.value
        self.rewards[t] = step.reward
        self.terminated[t] = step.terminated
        self.truncated[t] = step.truncated
        self.final_values[t] = final_values
        self.pos += 1

    def advantages(
        self, last_values: npt.NDArray[np.float32], gamma: float, gae_lambda: float
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """GAE advantages and returns [n_steps, num_envs]; `last_values`: V(the last next obs)."""
        following = np.concatenate([self.values[1:], last_values[None]])
        ended = self.terminated | self.truncated
        next_values = np.where(ended, self.final_values, following)
        return compute_gae(
            self.rewards,
            self.values,
            next_values,
            self.terminated,
            self.truncated,
            gamma,
            gae_lambda,
        )

    def reset(self) -> None:
        """Start a new rollout (the arrays are reused)."""
        self.pos = 0


class Episode(NamedTuple):
    """One complete episode of one env."""

    obs: npt.NDArray[np.float32]
    """[length, obs_dim] normalised observations."""
    actions: npt.NDArray[np.int64]
    """[length]"""
    rewards: npt.NDArray[np.float32]
    """[length]"""


class EpisodeBuffer:
    """Per-env trajectories of a vector env, cut into complete episodes (REINFORCE's batch).

    Steps are stored as rows of growable [capacity, num_envs] arrays, so adding a step never
    loops over envs; only envs whose episode just ended are sliced out.
    """

    def __init__(self, num_envs: int, obs_shape: tuple[int, ...], capacity: int = 1024):
        self.obs = np.zeros((capacity, num_envs, *obs_shape), dtype=np.float32)
        self.actions = np.zeros((capacity, num_envs), dtype=np.int64)
        self.rewards = np.zeros((capacity, num_envs), dtype=np.float32)
        self.starts = np.zeros(num_envs, dtype=np.int64)
        """Row where each env's running episode began."""
        self.pos = 0
        self.completed: list[Episode] = []

    def add(self, step: Transition) -> None:
        """Store one vector step and cut out the episodes it ended."""
        if self.pos == len(self.obs):
            self._make_room()
        t = self.pos
        self.obs[t] = step.obs
        self.actions[t] = step.output.action
        self.rewards[t] = step.reward
        self.pos += 1
        for env in np.flatnonzero(step.terminated | step.truncated):
            rows = slice(self.starts[env], self.pos)
            self.completed.append(
                Episode(
                    self.obs[rows, env].copy(),
                    self.actions[rows, env].copy(),
                    self.rewards[rows, env].copy(),
                )
            )
            self.starts[env] = self.pos

    def take(self) -> list[Episode]:
        """The complete episodes so far (they are removed; running episodes stay)."""
        completed, self.completed = self.completed, []
        return completed

    def _make_room(self) -> None:
        """Drop rows no running episode needs; double the arrays if still full."""
        first = int(self.starts.min())
        kept = self.pos - first
        if kept == len(self.obs):
            grow = len(self.obs)
            self.obs = np.concatenate([self.obs, np.zeros_like(self.obs[:grow])])
            self.actions = np.concatenate([self.actions, np.zeros_like(self.actions[:grow])])
            self.rewards = np.concatenate([self.rewards, np.zeros_like(self.rewards[:grow])])
        else:
            for array in (self.obs, self.actions, self.rewards):
                array[:kept] = array[first : self.pos]
        self.starts -= first
        self.pos = kept
