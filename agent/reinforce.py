"""REINFORCE: Monte Carlo policy gradient over complete episodes (Williams 1992)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import torch

from agent.config import ReinforceConfig
from agent.learner import Transition, UpdateReport, UpdateStats, explained_variance
from agent.optim import Adam
from agent.policy import make_policy
from agent.returns import episode_returns, reward_to_go


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


def episode_weights(episodes: list[Episode], config: ReinforceConfig) -> np.ndarray:
    """Each step's policy-gradient weight: its reward-to-go, or its episode's whole return.

    Episodes are concatenated in order; returns never cross from one into the next.
    Both are Monte Carlo returns: an episode cut by a time limit is treated as over.
    Without a baseline, `normalize_returns` standardises them here (over the batch, or
    episode by episode).
    """
    lengths = [len(e.rewards) for e in episodes]
    rewards = np.concatenate([e.rewards for e in episodes])
    ends = np.zeros(len(rewards), dtype=np.bool_)
    ends[np.cumsum(lengths) - 1] = True
    returns = reward_to_go if config.reward_to_go else episode_returns
    weights = returns(rewards, ends, config.gamma)
    if config.normalize_returns and not config.use_baseline:
        weights = standardize(weights, lengths if config.normalize_per_episode else None)
    return weights


def standardize(x: np.ndarray, lengths: list[int] | None = None) -> np.ndarray:
    """Zero mean, unit standard deviation: over all of `x`, or over each of its consecutive
    pieces of `lengths` (episodes) on its own. A constant piece becomes zeros."""
    if lengths is None:
        return (x - x.mean()) / (x.std() + 1e-8)
    pieces = np.split(x, np.cumsum(lengths)[:-1])
    return np.concatenate([standardize(piece) for piece in pieces])


def symlog(x: torch.Tensor) -> torch.Tensor:
    """sign(x) log(1 + |x|): squashes returns of any scale into a few units."""
    return torch.sign(x) * torch.log1p(x.abs())


def symexp(x: torch.Tensor) -> torch.Tensor:
    """The inverse of `symlog`."""
    return torch.sign(x) * torch.expm1(x.abs())


class Reinforce:
    """Collects complete episodes; one gradient step per `episodes_per_update` of them."""

    def __init__(
        self, config: ReinforceConfig, obs_dim: int, n_actions: int, num_envs: int, seed: int
    ):
        self.config = config
        self.policy = make_policy(obs_dim, n_actions, config, seed)
        model = self.policy.model
        self.optimizer = Adam(
            model.flat_parameters, config.learning_rate, betas=(config.adam_beta1, 0.999)
        )
        self.value_optimizer = None
        """The value network's own Adam (value_steps > 0); the policy's then never moves it:
        its part of the gradient stays zero in the policy's step."""
        if model.critic is not None and config.value_steps:
            critic = slice(model.actor_size, None)
            self.value_optimizer = Adam(
                model.flat_parameters.data[critic],
                config.vf_learning_rate,
                grad=model.flat_parameters.grad[critic],
            )
        self.value_history: deque[tuple[torch.Tensor, torch.Tensor]] = deque(
            maxlen=config.value_batches
        )
        """The last `value_batches` batches' observations and value targets (value_steps > 0)."""
        self.buffer = EpisodeBuffer(num_envs, (obs_dim,))
        self.evaluated_policy = self.policy
        """The policy evaluated and watched: the trained one, or its weights' moving average
        (average_updates > 0; it shares the observation statistics)."""
        if config.average_updates:
            with torch.random.fork_rng():  # its throwaway init leaves training's draws alone
                self.evaluated_policy = make_policy(obs_dim, n_actions, config, seed)
            self.evaluated_policy.obs_rms = self.policy.obs_rms
            self.evaluated_policy.model.flat_parameters.data.copy_(model.flat_parameters.data)

    def observe(self, step: Transition) -> None:
        """Store the step; episodes it ended become complete."""
        self.buffer.add(step)

    def value_target(self, returns: torch.Tensor) -> torch.Tensor:
        """What the value head (the baseline) predicts for these returns: their symlog, or
        them / value_scale."""
        scale = self.config.value_scale
        return returns / scale if scale else symlog(returns)

    def baseline(self, predicted: torch.Tensor) -> np.ndarray:
        """The returns the value head's outputs stand for (`value_target` inverted)."""
        scale = self.config.value_scale
        return (predicted * scale if scale else symexp(predicted)).numpy()

    def ready(self) -> bool:
        """True once `episodes_per_update` episodes holding `min_steps_per_update` steps or more
        are complete.

        Running episodes of the other envs carry over: their early steps were taken by the
        previous policy, a small off-policy bias accepted to keep every step collected.
        """
        completed = self.buffer.completed
        return len(completed) >= self.config.episodes_per_update and (
            sum(len(e.rewards) for e in completed) >= self.config.min_steps_per_update
        )

    def update(self, progress_remaining: float) -> Iterator[UpdateReport]:
        """One gradient step on the complete episodes.

        `progress_remaining` goes from 1 (start of training) to 0 and scales the learning
        rate and the entropy bonus when they are annealed.
        """
        cfg = self.config
        model = self.policy.model
        episodes = self.buffer.take()
        returns = episode_weights(episodes, cfg)
        obs = torch.from_numpy(np.concatenate([e.obs for e in episodes]))
        actions = torch.from_numpy(np.concatenate([e.actions for e in episodes]))
        log_prob, entropy = model.evaluate_actions(obs, actions)
        with torch.no_grad():
            log_probs_before = torch.log_softmax(model.actor(obs), dim=-1)
        value_loss = None
        advantages = returns
        loss = torch.zeros(())
        if model.critic is not None:
            # By default the critic predicts symlog(return), so one network and step size fit
            # returns of any scale without running statistics (DreamerV3's symlog targets,
            # Hafner et al. 2023); any baseline that ignores the action leaves the gradient
            # unbiased.
            predicted = model.value(obs)
            baseline = self.baseline(predicted.detach())
            target = self.value_target(torch.from_numpy(returns))
            value_loss = (target - predicted).pow(2).mean()
            if self.value_optimizer is None:
                loss = cfg.vf_coef * value_loss
            advantages = returns - baseline
            if cfg.normalize_returns:
                lengths = [len(e.rewards) for e in episodes] if cfg.normalize_per_episode else None
                advantages = standardize(advantages, lengths)
        policy_loss = -(log_prob * torch.from_numpy(advantages)).mean()
        ent_coef = cfg.ent_coef
        if cfg.anneal_ent_coef:
            ent_coef = cfg.ent_coef_final + (cfg.ent_coef - cfg.ent_coef_final) * progress_remaining
        loss = loss + policy_loss - ent_coef * entropy.mean()
        grad = model.flat_parameters.grad
        grad.zero_()
        loss.backward()
        self._clip_gradients()
        self.optimizer.lr = cfg.learning_rate * (progress_remaining if cfg.anneal_lr else 1.0)
        self.optimizer.step()
        with torch.no_grad():  # how far the step moved the policy on its own batch
            log_probs_after = torch.log_softmax(model.actor(obs), dim=-1)
            kl = (log_probs_before.exp() * (log_probs_before - log_probs_after)).sum(-1).mean()
        if self.value_optimizer is not None:
            self.value_history.append((obs, target))
            fit_obs = torch.cat([o for o, _ in self.value_history])
            fit_target = torch.cat([t for _, t in self.value_history])
            for _ in range(cfg.value_steps):
                grad.zero_()
                (fit_target - model.value(fit_obs)).pow(2).mean().backward()
                self.value_optimizer.step()  # unclipped: a regression, not a policy step
        if cfg.average_updates:
            average = self.evaluated_policy.model.flat_parameters.data
            average.lerp_(model.flat_parameters.data, 1.0 / cfg.average_updates)
        stats = UpdateStats(
            policy_loss=policy_loss.item(),
            value_loss=None if value_loss is None else value_loss.item(),
            entropy=entropy.mean().item(),
            approx_kl=kl.item(),
            clip_fraction=None,
            explained_variance=(
                None if value_loss is None else explained_variance(baseline, returns)
            ),
            learning_rate=self.optimizer.lr,
            gradient_steps=1 + (0 if self.value_optimizer is None else cfg.value_steps),
            samples=len(returns),
        )
        yield UpdateReport(1, 1, stats)

    def _clip_gradients(self) -> None:
        """Clip each network on its own, by the norm of its part of the flat gradient, so large
        value gradients never shrink the policy's."""
        model = self.policy.model
        grad = model.flat_parameters.grad
        for net, part in (
            (model.actor, grad[: model.actor_size]),
            (model.critic, grad[model.actor_size :]),
        ):
            if net is not None:
                norm = torch.nn.utils.get_total_norm(part)
                torch.nn.utils.clip_grads_with_norm_(
                    net.parameters(), self.config.max_grad_norm, norm
                )
