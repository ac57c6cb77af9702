"""The acting side of a learner: observations in, actions and their probabilities out."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from agent.config import LearnerConfig
from agent.networks import ActorCritic, NumpyMLP
from agent.normalize import RunningMeanStd


class PolicyOutput(NamedTuple):
    """What the policy decided for a batch of n observations (all numpy)."""

    action: npt.NDArray[np.int64]
    """[n] the chosen actions."""
    probs: npt.NDArray[np.float32]
    """[n, n_actions] the action probabilities (the HUD's bars)."""
    log_prob: npt.NDArray[np.float32]
    """[n] log-probability of the chosen action."""
    value: npt.NDArray[np.float32] | None
    """[n] the value estimate V(obs), or None without a value network."""


class Policy:
    """The networks plus the observation normaliser: `act()` is all the game needs."""

    def __init__(self, model: ActorCritic, obs_rms: RunningMeanStd | None = None, seed: int = 0):
        self.model = model
        self.obs_rms = obs_rms
        self._actor = NumpyMLP(model.actor)
        self._critic = None if model.critic is None else NumpyMLP(model.critic)
        self.rng = np.random.default_rng(seed)
        """Samples the stochastic actions (saved in checkpoints for exact resumes)."""

    @property
    def n_actions(self) -> int:
        """The number of discrete actions."""
        return self.model.actor[-1].out_features

    def normalize(self, obs: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
        """The observations as the networks see them (standardised when obs_rms is set)."""
        if self.obs_rms is None:
            return np.asarray(obs, dtype=np.float32)
        return self.obs_rms.normalize(obs)

    def act(self, obs: npt.NDArray[np.floating], deterministic: bool = False) -> PolicyOutput:
        """Choose actions for raw observations [n, obs_dim]; deterministic = the most probable."""
        return self.act_normalized(self.normalize(obs), deterministic)

    def act_normalized(
        self, obs: npt.NDArray[np.float32], deterministic: bool = False
    ) -> PolicyOutput:
        """`act()` for observations already passed through `normalize()`."""
        logits = self._actor(obs)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        probs = np.exp(log_probs)
        value = None if self._critic is None else self._critic(obs)[:, 0]
        if deterministic:
            action = probs.argmax(axis=1)
        else:
            # inverse-CDF sampling: one uniform per row, no torch.distributions in the hot loop
            u = self.rng.random((len(probs), 1), dtype=np.float32)
            action = np.minimum((probs.cumsum(axis=1) < u).sum(axis=1), probs.shape[1] - 1)
        action = action.astype(np.int64)
        return PolicyOutput(action, probs, log_probs[np.arange(len(action)), action], value)

    def value(self, obs: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """V of already-normalised observations [n] (the learner's bootstrap)."""
        assert self._critic is not None, "this policy has no value network"
        return self._critic(obs)[:, 0]


def make_policy(obs_dim: int, n_actions: int, config: LearnerConfig, seed: int) -> Policy:
    """A freshly initialised policy shaped by `config` (networks, normaliser, sampling seed)."""
    model = ActorCritic(
        obs_dim,
        n_actions,
        config.hidden_sizes,
        config.activation,
        config.with_critic,
        config.value_hidden_sizes,
    )
    obs_rms = RunningMeanStd((obs_dim,)) if config.normalize_obs else None
    return Policy(model, obs_rms, seed)
