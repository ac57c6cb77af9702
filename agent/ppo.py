"""PPO: the clipped surrogate objective over GAE advantages (Schulman et al. 2017).

One PPO update, followed through the code (file: function):

1. Collect. trainer.py: Trainer._env_step asks the policy for actions
   (policy.py: Policy.act_normalized, numpy forward passes of networks.py's MLPs), steps the
   envs (episodes.py: EpisodeStepper.step) and hands a `Transition` (learner.py) to
   PPO.observe below, which stores it in the RolloutBuffer below; for an episode cut by a time
   limit it also stores V(final observation), its bootstrap.
2. Ready. Once n_steps steps of every env are stored, PPO.ready is true and the trainer runs
   PPO.update.
3. Advantages. RolloutBuffer.advantages computes GAE(lambda) advantages and returns
   (returns.py: compute_gae): no bootstrap past a terminal state, V(final obs) past a truncation.
4. Epochs. PPO.update shuffles the rollout into minibatches, n_epochs times (PPO._minibatches).
5. Loss. ppo_loss.py: PPOGradient.loss re-evaluates the current networks on the minibatch
   (networks.py: NumpyMLP.trace) and builds the clipped policy loss, the value loss and the
   entropy bonus; PPOGradient.backward writes their gradient into the one flat gradient tensor
   (NumpyMLP.backward), all in numpy (~3x cheaper than torch autograd on these small networks).
6. Step. The gradient's norm is clipped and optim.py's Adam moves the weights; an update
   stops early past target_kl.
7. Report. Every gradient step yields an UpdateReport (learner.py), the last one with the
   update's UpdateStats; the trainer logs them (metrics.py) and the window shows them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import torch

from agent.config import PPOConfig
from agent.learner import Transition, UpdateReport, UpdateStats, explained_variance
from agent.networks import NumpyMLP
from agent.optim import Adam
from agent.policy import make_policy
from agent.ppo_loss import Minibatch, PPOGradient
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


class PPO:
    """Collects n_steps x num_envs transitions, then runs n_epochs of minibatch updates."""

    def __init__(self, config: PPOConfig, obs_dim: int, n_actions: int, num_envs: int, seed: int):
        self.config = config
        self.policy = make_policy(obs_dim, n_actions, config, seed)
        self.evaluated_policy = self.policy
        model = self.policy.model
        self.optimizer = Adam(model.flat_parameters, config.learning_rate, eps=1e-5)
        self.value_optimizer = None  # one optimiser for both heads
        self.value_history = None
        assert model.critic is not None, "PPO learns a value network"
        self.gradient = PPOGradient(NumpyMLP(model.actor), NumpyMLP(model.critic))
        self._flat_grad = model.flat_parameters.grad.numpy()
        self.buffer = RolloutBuffer(config.n_steps, num_envs, (obs_dim,))
        self._last_obs = np.zeros((num_envs, obs_dim), dtype=np.float32)

    def observe(self, step: Transition) -> None:
        """Store the step; a truncated episode's bootstrap V(final_obs) is computed now."""
        final_values = np.zeros(len(step.reward), dtype=np.float32)
        if step.truncated.any():
            final_values[step.truncated] = self.policy.value(step.final_obs[step.truncated])
        self.buffer.add(step, final_values)
        self._last_obs = step.next_obs

    def value_target(self, returns: torch.Tensor) -> torch.Tensor:
        """What the value head predicts for these returns: the returns themselves."""
        return returns

    def ready(self) -> bool:
        """True when the rollout is full."""
        return self.buffer.full

    def update(self, progress_remaining: float) -> Iterator[UpdateReport]:
        """n_epochs passes of shuffled minibatches over the rollout, one report per step.

        `progress_remaining` goes from 1 (start of training) to 0 and scales the annealed
        learning rate and clip range, as SB3's schedules do.
        """
        cfg = self.config
        advantages, returns = self.buffer.advantages(
            self.policy.value(self._last_obs), cfg.gamma, cfg.gae_lambda
        )
        self.optimizer.lr = cfg.learning_rate * (progress_remaining if cfg.anneal_lr else 1.0)
        clip_range = cfg.clip_range * (progress_remaining if cfg.anneal_clip_range else 1.0)
        data = self._flattened(advantages, returns)
        n_samples = len(data.obs)
        planned = cfg.n_epochs * (n_samples // cfg.batch_size)
        totals = np.zeros(5)  # policy_loss, value_loss, entropy, approx_kl, clip_fraction
        steps = 0
        for minibatch in self._minibatches(data):
            terms = self.gradient.loss(
                minibatch, clip_range, cfg.clip_range_vf, cfg.normalize_advantage
            )
            if cfg.target_kl is not None and terms.approx_kl > 1.5 * cfg.target_kl:
                break  # SB3: stop before the step that would move the policy too far
            self.gradient.backward(cfg.ent_coef, cfg.vf_coef)
            self._clip_gradient(cfg.max_grad_norm)
            self.optimizer.step()
            steps += 1
            totals += terms
            if steps < planned:
                yield UpdateReport(steps, planned, None)
        means = [float(m) for m in totals / max(steps, 1)]
        stats = UpdateStats(
            *means,
            explained_variance=explained_variance(self.buffer.values.ravel(), returns.ravel()),
            learning_rate=self.optimizer.lr,
            gradient_steps=steps,
            samples=n_samples,
        )
        self.buffer.reset()
        yield UpdateReport(steps, planned, stats)

    def _clip_gradient(self, max_norm: float) -> None:
        """Rescale the flat gradient to a global L2 norm of at most `max_norm` (as
        torch.nn.utils.clip_grad_norm_ does; a NaN stays for Adam to refuse)."""
        grad = self._flat_grad
        norm = math.sqrt(float(np.dot(grad, grad)))
        if norm + 1e-6 > max_norm:
            grad *= np.float32(max_norm / (norm + 1e-6))

    def _flattened(self, advantages: np.ndarray, returns: np.ndarray) -> Minibatch:
        """The whole rollout as one [n_steps * num_envs, ...] batch."""
        buffer = self.buffer
        arrays = (buffer.obs, buffer.actions, buffer.log_probs, advantages, buffer.values, returns)
        return Minibatch(*(a.reshape(-1, *a.shape[2:]) for a in arrays))

    def _minibatches(self, data: Minibatch) -> Iterator[Minibatch]:
        """n_epochs shuffled passes over `data` in minibatches of batch_size."""
        n_samples, batch_size = len(data.obs), self.config.batch_size
        for _ in range(self.config.n_epochs):
            if n_samples == batch_size:
                yield data  # one minibatch per epoch: shuffling would change nothing
                continue
            # torch's generator (seeded by the trainer, saved in checkpoints) draws the order
            order = torch.randperm(n_samples).numpy()
            for start in range(0, n_samples, batch_size):
                index = order[start : start + batch_size]
                yield Minibatch(*(d[index] for d in data))
