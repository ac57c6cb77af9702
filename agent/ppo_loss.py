"""PPO's loss on a minibatch and its gradient, in numpy (the forward and backward by hand).

Why not torch autograd: on PPO's small networks (two 64x64 MLPs, minibatches of 64) a
gradient step is almost all per-op overhead. On LunarLander's defaults (bench/profile_ppo.py,
bench/RESULTS.md) the update's cost per env step fell from 133.5 us through autograd to
39.5 us here, and the whole run's from x0.46 of SB3's to x0.33. The gradients agree with
autograd's to float32 rounding (tests/test_agent_ppo.py checks them against an autograd
reference, clipped ratios and values included).

Each piece returns its value and its derivative, so the chain is plain to follow:
    loss = policy_loss - ent_coef * entropy + vf_coef * value_loss
where policy_loss is the clipped surrogate over the minibatch, entropy the mean entropy of the
categorical policy and value_loss SB3's: the mean squared error (no 1/2), optionally against a
value clipped to within clip_range_vf of the old one. Ties follow torch's derivatives (at
min(a, b) with a == b each side gets half; clamp passes the gradient on its bounds).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from agent.networks import NumpyMLP

Array = npt.NDArray[np.float32]


class LossTerms(NamedTuple):
    """The terms of PPO's loss on one minibatch."""

    policy_loss: float
    value_loss: float
    entropy: float
    approx_kl: float
    """The low-variance KL estimate E[(ratio - 1) - log ratio] (Schulman's k3)."""
    clip_fraction: float
    """Fraction of samples whose ratio left [1 - clip_range, 1 + clip_range]."""


class Minibatch(NamedTuple):
    """Samples of the rollout, each [batch] (obs [batch, obs_dim])."""

    obs: Array
    actions: npt.NDArray[np.int64]
    old_log_prob: Array
    advantages: Array
    old_values: Array
    returns: Array


class Surrogate(NamedTuple):
    """The clipped surrogate (policy) loss and its derivative."""

    loss: float
    d_log_prob: Array
    approx_kl: float
    clip_fraction: float


def clipped_surrogate(
    log_prob: Array, old_log_prob: Array, advantages: Array, clip_range: float
) -> Surrogate:
    """-mean(min(A * ratio, A * clip(ratio))) and its derivative by log_prob."""
    log_ratio = log_prob - old_log_prob
    ratio = np.exp(log_ratio)
    clipped = np.clip(ratio, 1 - clip_range, 1 + clip_range)
    unclipped_term, clipped_term = advantages * ratio, advantages * clipped
    inside = (ratio >= 1 - clip_range) & (ratio <= 1 + clip_range)
    # d min / d ratio: the lower side's derivative; both halves on a tie (torch's rule)
    d_clipped = advantages * inside
    d_ratio = np.where(
        unclipped_term < clipped_term,
        advantages,
        np.where(unclipped_term > clipped_term, d_clipped, 0.5 * advantages + 0.5 * d_clipped),
    )
    n = len(ratio)
    return Surrogate(
        loss=-float(np.minimum(unclipped_term, clipped_term).mean()),
        d_log_prob=d_ratio * ratio * (-1.0 / n),
        approx_kl=float(((ratio - 1) - log_ratio).mean()),
        clip_fraction=float((np.abs(ratio - 1) > clip_range).mean()),
    )


def value_loss(
    values: Array, old_values: Array, returns: Array, clip_range_vf: float | None
) -> tuple[float, Array]:
    """mean((returns - V)^2), V optionally clipped to old_values ± clip_range_vf; and d / d
    values."""
    d_clip = 1.0
    if clip_range_vf is not None:
        change = values - old_values
        values = old_values + np.clip(change, -clip_range_vf, clip_range_vf)
        d_clip = np.abs(change) <= clip_range_vf
    error = values - returns
    return float((error * error).mean()), (2.0 / len(values)) * error * d_clip


class Categorical(NamedTuple):
    """A categorical policy's log-probabilities at a batch of logits [n, n_actions]."""

    log_probs: Array
    probs: Array
    entropy: Array
    """[n] the entropy of each row."""

    @classmethod
    def of(cls, logits: Array) -> Categorical:
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        probs = np.exp(log_probs)
        return cls(log_probs, probs, -(probs * log_probs).sum(axis=1))

    def d_logits(self, actions: npt.NDArray[np.int64], d_chosen: Array, d_entropy: Array) -> Array:
        """d / d logits of a loss with derivatives d_chosen [n] by log p(action) and d_entropy
        [n] by each entropy: d log p_a / dz = onehot(a) - p, d H / dz = -p (log p + H)."""
        grad = -self.probs * (d_chosen + d_entropy * self.entropy)[:, None]
        grad -= (d_entropy[:, None] * self.probs) * self.log_probs
        grad[np.arange(len(actions)), actions] += d_chosen
        return grad


class PPOGradient:
    """PPO's loss for an actor and a critic on a minibatch, and its gradient into their
    `.grad` (see `NumpyMLP.backward`)."""

    def __init__(self, actor: NumpyMLP, critic: NumpyMLP):
        self.actor, self.critic = actor, critic
        self._pending: tuple | None = None

    def loss(
        self,
        batch: Minibatch,
        clip_range: float,
        clip_range_vf: float | None,
        normalize_advantage: bool,
    ) -> LossTerms:
        """The loss terms at the current weights; `backward(ent_coef, vf_coef)` may follow."""
        advantages = batch.advantages
        if normalize_advantage:
            advantages = (advantages - advantages.mean()) / (advantages.std(ddof=1) + 1e-8)
        actor_trace = self.actor.trace(batch.obs)
        policy = Categorical.of(actor_trace[-1])
        chosen = policy.log_probs[np.arange(len(batch.actions)), batch.actions]
        surrogate = clipped_surrogate(chosen, batch.old_log_prob, advantages, clip_range)
        critic_trace = self.critic.trace(batch.obs)
        values = critic_trace[-1][:, 0]
        v_loss, d_values = value_loss(values, batch.old_values, batch.returns, clip_range_vf)
        self._pending = (batch.actions, actor_trace, policy, surrogate, critic_trace, d_values)
        return LossTerms(
            surrogate.loss,
            v_loss,
            float(policy.entropy.mean()),
            surrogate.approx_kl,
            surrogate.clip_fraction,
        )

    def backward(self, ent_coef: float, vf_coef: float) -> None:
        """Write the gradient of policy_loss - ent_coef * entropy + vf_coef * value_loss, at
        the last `loss()`, into the networks' gradients."""
        assert self._pending is not None, "backward() needs a loss() first"
        actions, actor_trace, policy, surrogate, critic_trace, d_values = self._pending
        self._pending = None
        n = len(actions)
        d_entropy = np.full(n, -ent_coef / n, dtype=np.float32)
        self.actor.backward(actor_trace, policy.d_logits(actions, surrogate.d_log_prob, d_entropy))
        self.critic.backward(critic_trace, (vf_coef * d_values)[:, None])
