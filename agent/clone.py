"""Behaviour cloning: the policy learns to act as the demonstrator did, before and during RL.

Before RL, `Cloner.pretrain` fits the policy head to the demonstrated actions (cross-entropy)
and, when the learner has a value network, the value head to the demonstrations' discounted
returns-to-go (in the learner's own value parameterisation), for `bc_epochs` passes. During RL,
the demonstrations and the steps a person drives while it learns (`keep`) are cloned again after
every learner update (`rl_update`), each weighted down as it ages, so the agent starts from the
demonstrator's driving and its own experience then takes over.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import torch

from agent.config import CloneConfig
from agent.demos import Demonstrations
from agent.optim import Adam
from agent.policy import Policy
from agent.returns import reward_to_go


class CloneResult(NamedTuple):
    """What cloning the demonstrations did (recorded in the checkpoint's metadata)."""

    demos: str | None
    """The demonstrations file."""
    steps: int
    """Demonstrated steps cloned."""
    episodes: int
    epochs: int
    accuracy: float
    """Share of demonstrated steps whose action is the clone's most probable one."""
    policy_loss: float
    """Cross-entropy of the demonstrated actions after the last epoch."""
    value_loss: float | None


class CloneReport(NamedTuple):
    """Progress of cloning, one report per gradient step; `result` on the last one."""

    phase: str
    """"cloning" (before RL) or "during RL" (the cloning term after an update)."""
    gradient_step: int
    planned_steps: int
    accuracy: float | None
    """Agreement with the demonstrator after the last full epoch (None before one)."""
    result: CloneResult | None = None


def cross_entropy(
    logits: torch.Tensor,
    actions: torch.Tensor,
    class_weights: torch.Tensor,
    sample_weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """-log pi(demonstrated action | obs), averaged with each action's class weight; optional
    per-sample weights (in [0, 1]) scale the terms without renormalising, so they weigh the
    whole loss down."""
    log_probs = torch.log_softmax(logits, dim=-1).gather(1, actions.unsqueeze(1)).squeeze(1)
    weights = class_weights[actions]
    scaled = weights if sample_weights is None else weights * sample_weights
    return -(log_probs * scaled).sum() / weights.sum()


def class_weights(actions: torch.Tensor, n_actions: int, power: float) -> torch.Tensor:
    """[n_actions] (N / (n_actions * count))^power: 0 weighs every step alike, 1 every action
    alike (the rare ones, braking into a hairpin, as much as the common ones)."""
    counts = torch.bincount(actions, minlength=n_actions).double()
    weights = (counts.sum() / (n_actions * counts.clamp(min=1))) ** power
    return weights.float()


class Cloner:
    """Clones demonstrations into a learner's policy with its own Adam and random generator."""

    def __init__(
        self,
        policy: Policy,
        config: CloneConfig,
        gamma: float,
        value_target: Callable[[torch.Tensor], torch.Tensor],
        max_grad_norm: float,
        seed: int,
    ):
        self.policy = policy
        self.config = config
        self.gamma = gamma
        self.value_target = value_target
        """Maps returns to what the learner's value head predicts (PPO: returns itself)."""
        self.max_grad_norm = max_grad_norm
        self.optimizer = Adam(policy.model.flat_parameters, config.learning_rate)
        self.rng = np.random.default_rng(seed)
        self._class_weights = torch.ones(policy.n_actions)
        """Each action's weight in the cross-entropy (set from the steps being cloned)."""
        self._kept_obs: list[npt.NDArray[np.float32]] = []
        self._kept_actions: list[npt.NDArray[np.int64]] = []
        self._kept_at: list[npt.NDArray[np.int64]] = []

    def pretrain(self, demos: Demonstrations, source: str | None) -> Iterator[CloneReport]:
        """`bc_epochs` shuffled passes over `demos`; the last report carries the CloneResult."""
        cfg, model = self.config, self.policy.model
        if self.policy.obs_rms is not None:
            self.policy.obs_rms.update(demos.obs)  # the clone sees inputs as RL will
        obs = torch.from_numpy(self.policy.normalize(demos.obs))
        actions = torch.from_numpy(demos.actions)
        returns, has_return = self._returns(demos)
        self._class_weights = class_weights(actions, self.policy.n_actions, cfg.balance_actions)
        if model.critic is not None and has_return.any():
            # start the value head at the mean target: Adam moves a bias ~lr per step, too
            # slowly to reach LunarLander's returns (~100) within a few hundred steps
            with torch.no_grad():
                model.critic[-1].bias.fill_(float(self.value_target(returns[has_return]).mean()))
        n, batch = demos.steps, min(cfg.batch_size, demos.steps)
        per_epoch = math.ceil(n / batch)
        planned, step, accuracy = cfg.bc_epochs * per_epoch, 0, None
        for _ in range(cfg.bc_epochs):
            order = torch.from_numpy(self.rng.permutation(n))
            for start in range(0, n, batch):
                rows = order[start : start + batch]
                self._step(obs[rows], actions[rows], returns[rows], has_return[rows])
                step += 1
                if step < planned:
                    yield CloneReport("cloning", step, planned, accuracy)
            accuracy = self.accuracy(obs, actions)
        with torch.no_grad():
            policy_loss, value_loss = self._losses(obs, actions, returns, has_return)
        result = CloneResult(
            source,
            n,
            len(demos.episodes),
            cfg.bc_epochs,
            self.accuracy(obs, actions),
            float(policy_loss),
            None if value_loss is None else float(value_loss),
        )
        yield CloneReport("cloning", planned, planned, result.accuracy, result)

    def _returns(self, demos: Demonstrations) -> tuple[torch.Tensor, torch.Tensor]:
        """Discounted returns-to-go per step, and where they are complete (finished episodes)."""
        returns = reward_to_go(demos.rewards, demos.episode_ends, self.gamma)
        return torch.from_numpy(returns), torch.from_numpy(demos.finished)

    def _losses(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        returns: torch.Tensor,
        has_return: torch.Tensor,
        weights: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Cross-entropy of the actions; MSE of the value head where returns are complete."""
        model = self.policy.model
        policy_loss = cross_entropy(model.actor(obs), actions, self._class_weights, weights)
        if model.critic is None or not has_return.any():
            return policy_loss, None
        predicted = model.value(obs[has_return])
        return policy_loss, (self.value_target(returns[has_return]) - predicted).pow(2).mean()

    def _step(self, *batch: torch.Tensor, weights: torch.Tensor | None = None) -> None:
        """One clipped Adam step on the cloning loss of a minibatch."""
        flat = self.policy.model.flat_parameters
        policy_loss, value_loss = self._losses(*batch, weights=weights)
        loss = policy_loss if value_loss is None else policy_loss + self.config.vf_coef * value_loss
        flat.grad.zero_()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(flat, self.max_grad_norm)
        self.optimizer.step()

    def accuracy(self, obs: torch.Tensor, actions: torch.Tensor) -> float:
        """Share of `actions` that are the policy's most probable at (normalised) `obs`."""
        with torch.no_grad():
            return float((self.policy.model.actor(obs).argmax(dim=1) == actions).float().mean())

    @property
    def kept_steps(self) -> int:
        """Demonstrated steps cloned during RL."""
        return sum(len(actions) for actions in self._kept_actions)

    def keep(self, obs: npt.NDArray[np.float32], actions: npt.NDArray[np.int64], at: int) -> None:
        """Clone these demonstrated steps (raw observations) during RL, from vector step `at`."""
        self._kept_obs.append(np.asarray(obs, dtype=np.float32).reshape(len(actions), -1))
        self._kept_actions.append(np.asarray(actions, dtype=np.int64))
        self._kept_at.append(np.full(len(actions), at))

    def rl_update(self, now_step: int) -> Iterator[CloneReport]:
        """Clone the kept steps, each weighted by rl_coef x 0.5^(age / half-life)."""
        cfg = self.config
        if not self._kept_actions or cfg.rl_coef == 0 or cfg.rl_gradient_steps == 0:
            return
        ages = now_step - np.concatenate(self._kept_at)
        weights = cfg.rl_coef * 0.5 ** (ages / cfg.rl_half_life_steps)
        obs = torch.from_numpy(self.policy.normalize(np.concatenate(self._kept_obs)))
        actions = torch.from_numpy(np.concatenate(self._kept_actions))
        self._class_weights = class_weights(actions, self.policy.n_actions, cfg.balance_actions)
        weights_t = torch.from_numpy(weights.astype(np.float32))
        returns = torch.zeros(len(actions))  # no value targets: RL learns the values now
        no_return = torch.zeros(len(actions), dtype=torch.bool)
        planned = cfg.rl_gradient_steps
        for step in range(1, planned + 1):
            rows = torch.from_numpy(
                self.rng.choice(len(actions), min(cfg.batch_size, len(actions)), replace=False)
            )
            batch = (obs[rows], actions[rows], returns[rows], no_return[rows])
            self._step(*batch, weights=weights_t[rows])
            accuracy = self.accuracy(obs, actions) if step == planned else None
            yield CloneReport("during RL", step, planned, accuracy)
