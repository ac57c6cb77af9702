"""What passes between the trainer and a learner: transitions in, update progress out."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt
import torch
from agent.optim import Adam
from agent.policy import Policy, PolicyOutput


class Transition(NamedTuple):
    """One vector-env step as a learner stores it (observations already normalised)."""

    obs: npt.NDArray[np.float32]
    """[num_envs, obs_dim] the observations the actions were chosen from."""
    output: PolicyOutput
    """The policy's decision at `obs`."""
    reward: npt.NDArray[np.float32]
    """[num_envs] rewards of the step."""
    terminated: npt.NDArray[np.bool_]
    """[num_envs] the episode ended in a terminal state (no bootstrap)."""
    truncated: npt.NDArray[np.bool_]
    """[num_envs] the episode was cut short, e.g. by a time limit (bootstrap)."""
    final_obs: npt.NDArray[np.float32]
    """[num_envs, obs_dim] the last observation of episodes that ended (rows elsewhere unused)."""
    next_obs: npt.NDArray[np.float32]
    """[num_envs, obs_dim] the observations after the step (new episodes' first where reset)."""


class UpdateStats(NamedTuple):
    """What one update did (None where a learner has no such quantity)."""

    policy_loss: float
    value_loss: float | None
    entropy: float
    approx_kl: float | None
    clip_fraction: float | None
    explained_variance: float | None
    learning_rate: float
    gradient_steps: int
    samples: int
    """Transitions the update learned from."""


class UpdateReport(NamedTuple):
    """Progress of a running update: after each gradient step, with the stats at the end."""

    gradient_step: int
    """Gradient steps done so far (1-based)."""
    planned_steps: int
    """Gradient steps planned (an early stop can end the update sooner)."""
    stats: UpdateStats | None
    """Set on the update's last report only."""


class Learner(Protocol):
    """A learning algorithm as the trainer drives it."""

    policy: Policy
    """The policy trained and acting in the training envs."""
    evaluated_policy: Policy
    """The policy evaluated, watched and scored (the trained one unless the learner averages
    its weights)."""
    optimizer: Adam
    value_optimizer: Adam | None
    """The value network's own optimiser, when it has one (REINFORCE's fitted baseline)."""
    value_history: deque[tuple[torch.Tensor, torch.Tensor]] | None
    """The recent batches (observations, value targets) that optimiser fits (REINFORCE); None
    for a learner without one."""

    def observe(self, step: Transition) -> None:
        """Store one vector-env step."""

    def value_target(self, returns: torch.Tensor) -> torch.Tensor:
        """What the value network predicts for these returns (behaviour cloning fits it)."""

    def ready(self) -> bool:
        """True when enough has been collected to update."""

    def update(self, progress_remaining: float) -> Iterator[UpdateReport]:
        """Learn from what was collected, one gradient step per report; then forget it."""


def explained_variance(
    predicted: npt.NDArray[np.float32], target: npt.NDArray[np.float32]
) -> float:
    """1 - Var(target - predicted) / Var(target): 1 is perfect, 0 no better than a constant."""
    target_var = float(np.var(target))
    return float("nan") if target_var == 0 else 1.0 - float(np.var(target - predicted)) / target_var
