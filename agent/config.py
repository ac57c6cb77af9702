"""Hyperparameters as frozen dataclasses (SB3 names), checked when made (the tuned values per
scene and algorithm: agent/defaults.py)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent.errors import ConfigError
from agent.networks import ACTIVATIONS

ALGOS = ("ppo", "reinforce")


def _require(ok: bool, config: object, field: str, expected: str) -> None:
    """Raise a one-line ConfigError naming `field` unless `ok`."""
    if not ok:
        got = getattr(config, field)
        raise ConfigError(f"{type(config).__name__}: {field}: expected {expected}, got {got!r}")


@dataclass(frozen=True)
class LearnerConfig:
    """What every learner has: its network, optimiser and discount."""

    learning_rate: float = 3e-4
    """Adam's step size (the initial one when annealed)."""
    gamma: float = 0.99
    """The discount factor."""
    ent_coef: float = 0.0
    """Weight of the entropy bonus in the loss (0 = none)."""
    max_grad_norm: float = 0.5
    """Gradients are rescaled so their global L2 norm is at most this."""
    hidden_sizes: tuple[int, ...] = (64, 64)
    """Hidden layer widths of each network; () is a linear softmax policy."""
    value_hidden_sizes: tuple[int, ...] | None = None
    """Hidden layer widths of the value network when they differ (None = hidden_sizes)."""
    activation: str = "tanh"
    """Hidden activation: "tanh" or "relu"."""
    normalize_obs: bool = False
    """Standardise observations with running statistics (saved with the weights)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_sizes", tuple(self.hidden_sizes))
        if self.value_hidden_sizes is not None:
            object.__setattr__(self, "value_hidden_sizes", tuple(self.value_hidden_sizes))
        _require(self.learning_rate > 0, self, "learning_rate", "a number > 0")
        _require(0 < self.gamma <= 1, self, "gamma", "a number in (0, 1]")
        _require(self.ent_coef >= 0, self, "ent_coef", "a number >= 0")
        _require(self.max_grad_norm > 0, self, "max_grad_norm", "a number > 0")
        _require(
            all(isinstance(h, int) and h > 0 for h in self.hidden_sizes),
            self,
            "hidden_sizes",
            "a tuple of positive integers",
        )
        _require(
            self.value_hidden_sizes is None
            or all(isinstance(h, int) and h > 0 for h in self.value_hidden_sizes),
            self,
            "value_hidden_sizes",
            "None or a tuple of positive integers",
        )
        _require(
            self.activation in ACTIVATIONS, self, "activation", f"one of {sorted(ACTIVATIONS)}"
        )

    @property
    def with_critic(self) -> bool:
        """Whether the learner trains a value network."""
        return True


@dataclass(frozen=True)
class PPOConfig(LearnerConfig):
    """Proximal Policy Optimization (Schulman et al. 2017), named as in Stable-Baselines3."""

    n_steps: int = 2048
    """Steps collected per env between updates (the rollout is n_steps * num_envs)."""
    batch_size: int = 64
    """Minibatch size; must divide n_steps * num_envs."""
    n_epochs: int = 10
    """Passes over the rollout per update."""
    gae_lambda: float = 0.95
    """GAE trade-off between bias (0) and variance (1)."""
    clip_range: float = 0.2
    """Clipping of the probability ratio (the initial one when annealed)."""
    clip_range_vf: float | None = None
    """Clipping of the value change around the old value; None = no value clipping."""
    normalize_advantage: bool = True
    """Standardise advantages per minibatch (needs batch_size > 1)."""
    vf_coef: float = 0.5
    """Weight of the value loss."""
    target_kl: float | None = None
    """Stop the update's epochs early once the approximate KL passes 1.5 x this; None = never."""
    anneal_lr: bool = False
    """Decay the learning rate linearly to 0 over total_timesteps."""
    anneal_clip_range: bool = False
    """Decay clip_range linearly to 0 over total_timesteps."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(self.n_steps >= 1, self, "n_steps", "an integer >= 1")
        min_batch = 2 if self.normalize_advantage else 1
        _require(self.batch_size >= min_batch, self, "batch_size", f"an integer >= {min_batch}")
        _require(self.n_epochs >= 1, self, "n_epochs", "an integer >= 1")
        _require(0 <= self.gae_lambda <= 1, self, "gae_lambda", "a number in [0, 1]")
        _require(self.clip_range > 0, self, "clip_range", "a number > 0")
        _require(
            self.clip_range_vf is None or self.clip_range_vf > 0,
            self,
            "clip_range_vf",
            "None or a number > 0",
        )
        _require(self.vf_coef >= 0, self, "vf_coef", "a number >= 0")
        _require(self.target_kl is None or self.target_kl > 0, self, "target_kl", "None or > 0")


@dataclass(frozen=True)
class ReinforceConfig(LearnerConfig):
    """REINFORCE (Williams 1992): Monte Carlo policy gradient over complete episodes."""

    episodes_per_update: int = 8
    """Complete episodes per gradient step (1 = update after every episode)."""
    min_steps_per_update: int = 0
    """The gradient step also waits until its complete episodes hold at least this many
    steps (0 = no minimum): batches of a steady size however long the episodes get."""
    reward_to_go: bool = True
    """Weight each action by the return after it; False = by its whole episode's return."""
    normalize_returns: bool = True
    """Standardise the weights (zero mean, unit std): a cheap constant baseline plus scaling.
    With use_baseline, the advantages (returns minus the baseline) are standardised instead."""
    normalize_per_episode: bool = False
    """Standardise each episode's weights on its own rather than over the batch, as
    pytorch/examples' REINFORCE does: every episode then weighs the same, and its own mean
    reward-to-go is its baseline (slightly biased: that mean depends on the action too)."""
    use_baseline: bool = False
    """Learn a value network and subtract V(obs) from the weights."""
    vf_coef: float = 0.5
    """Weight of the value loss when use_baseline is set (and value_steps is 0)."""
    value_steps: int = 0
    """With use_baseline: after the policy's step, this many full-batch gradient steps fit the
    value network to the batch's returns, with its own Adam at vf_learning_rate (as the
    classic VPG fits its baseline); 0 = the value loss joins the policy's one step."""
    vf_learning_rate: float = 1e-3
    """Adam's step size for the value network's own steps (value_steps > 0)."""
    value_batches: int = 1
    """With value_steps > 0: those steps fit the returns of this many most recent batches, the
    current one included (1 = the current batch alone). Every target is still a Monte Carlo
    return, and a baseline that ignores the action leaves the gradient unbiased; fitted on more
    returns it follows each batch's luck less."""
    value_scale: float = 0.0
    """The value network predicts returns / value_scale; 0 = symlog(returns) (any scale)."""
    anneal_lr: bool = False
    """Decay the learning rate linearly to 0 over total_timesteps."""
    anneal_ent_coef: bool = False
    """Move the entropy coefficient linearly from ent_coef to ent_coef_final over
    total_timesteps (explore early, commit late)."""
    ent_coef_final: float = 0.0
    """Where an annealed entropy coefficient ends; below 0 it penalises entropy, pushing the
    policy towards determinism at the end."""
    adam_beta1: float = 0.9
    """The policy Adam's momentum (its first-moment decay). Each batch is sampled by the policy
    of that moment, so with 0.9 a step also carries about ten older policies' gradients; 0 =
    each step follows its own batch alone (scaled, as with RMSprop, by the running size of
    the gradients)."""
    average_updates: int = 0
    """Evaluate an exponential moving average of the policy's weights (Polyak averaging):
    each update moves it 1 / average_updates of the way to the new weights, so it spans about
    that many updates; training still acts with the current policy. 0 = evaluate the policy
    as trained."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(self.episodes_per_update >= 1, self, "episodes_per_update", "an integer >= 1")
        _require(self.min_steps_per_update >= 0, self, "min_steps_per_update", "an integer >= 0")
        _require(self.vf_coef >= 0, self, "vf_coef", "a number >= 0")
        _require(self.value_steps >= 0, self, "value_steps", "an integer >= 0")
        _require(self.vf_learning_rate > 0, self, "vf_learning_rate", "a number > 0")
        _require(self.value_batches >= 1, self, "value_batches", "an integer >= 1")
        _require(self.value_scale >= 0, self, "value_scale", "a number >= 0")
        _require(self.average_updates >= 0, self, "average_updates", "an integer >= 0")
        _require(0 <= self.adam_beta1 < 1, self, "adam_beta1", "a number in [0, 1)")

    @property
    def with_critic(self) -> bool:
        """A value network only as the optional baseline."""
        return self.use_baseline


AlgoConfig = PPOConfig | ReinforceConfig


@dataclass(frozen=True)
class TrainConfig:
    """What a training run does, whatever the algorithm."""

    scene: str
    """The scene trained on (recorded in checkpoints; loading checks it)."""
    algo: str
    """"ppo" or "reinforce"."""
    total_timesteps: int = 100_000
    """Env steps (summed over all envs) to train for."""
    num_envs: int = 8
    """Envs stepped together."""
    seed: int = 0
    """Seeds the networks, the action sampling and the envs."""
    eval_every_steps: int = 10_000
    """Evaluate the deterministic policy every this many env steps (0 = never)."""
    eval_episodes: int = 10
    """Episodes per periodic evaluation."""
    eval_envs: int = 10
    """Evaluation envs stepped together."""
    checkpoint_every_steps: int = 50_000
    """Write last.pt every this many env steps (and always at the end)."""
    torch_threads: int = 1
    """torch.set_num_threads, and numpy's BLAS threads (one is fastest for small MLPs; it also
    changes results)."""
    info_keys: tuple[str, ...] = ()
    """Numeric keys of an episode's final info logged as scene extras (e.g. "laps")."""
    env_options: Mapping[str, Any] = field(default_factory=dict)
    """Options the scene's envs are made with (e.g. the race track), kept so a checkpoint's
    evaluation, watching and resuming remake the same env; paths are stored as strings."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "info_keys", tuple(self.info_keys))
        object.__setattr__(
            self,
            "env_options",
            {
                str(key): os.fspath(value) if isinstance(value, os.PathLike) else value
                for key, value in dict(self.env_options).items()
            },
        )
        _require(self.algo in ALGOS, self, "algo", f"one of {', '.join(ALGOS)}")
        _require(self.total_timesteps >= 1, self, "total_timesteps", "an integer >= 1")
        _require(self.num_envs >= 1, self, "num_envs", "an integer >= 1")
        _require(self.eval_every_steps >= 0, self, "eval_every_steps", "an integer >= 0")
        _require(self.eval_episodes >= 1, self, "eval_episodes", "an integer >= 1")
        _require(self.eval_envs >= 1, self, "eval_envs", "an integer >= 1")
        _require(
            self.checkpoint_every_steps >= 1, self, "checkpoint_every_steps", "an integer >= 1"
        )
        _require(self.torch_threads >= 1, self, "torch_threads", "an integer >= 1")


@dataclass(frozen=True)
class CloneConfig:
    """Learning from demonstrations: behaviour cloning before RL, and from a person taking over."""

    demos: str | None = None
    """The demonstrations file cloned before RL starts (None = start from scratch)."""
    bc_epochs: int = 200
    """Passes over the demonstrations when cloning them (0 = no cloning)."""
    batch_size: int = 256
    """Demonstrated steps per cloning gradient step."""
    learning_rate: float = 3e-3
    """Adam's step size while cloning (its own optimiser, not the learner's)."""
    balance_actions: float = 1.0
    """Weigh each demonstrated action by (N / (n_actions x its count))^this: 0 = plain
    cross-entropy, 1 = every action weighs alike. The keyboard fixture's clone laps in 88-100%
    of 100 episodes with 1, 57-65% with 0.5, 59-62% with 0; the racing-line driver's 5 laps
    the other way round: 0-98% with 1, 71-100% with 0.5, 56-100% with 0 (bench/RESULTS.md)."""
    reaction_steps: int = 1
    """A person's actions are cloned from the observation this many steps before them (their
    keys answer what they saw a moment ago); a program's from their own step. The keyboard
    fixture's clone laps in 88-100% of 100 episodes with 1, 0-18% with 0 (bench/RESULTS.md)."""
    vf_coef: float = 0.5
    """Weight of the value loss (value head against the demonstrations' returns-to-go)."""
    rl_coef: float = 1.0
    """Weight of the cloning term during RL (on the demonstrations and on a person's take-over
    steps) when they are new; 0 = cloning before RL only."""
    rl_half_life_steps: int = 2_000
    """The cloning term's weight on a step halves every this many vector steps after it was
    demonstrated (the demonstrations: after RL started)."""
    rl_gradient_steps: int = 10
    """Cloning steps after each learner update."""

    def __post_init__(self) -> None:
        _require(self.bc_epochs >= 0, self, "bc_epochs", "an integer >= 0")
        _require(self.batch_size >= 1, self, "batch_size", "an integer >= 1")
        _require(self.learning_rate > 0, self, "learning_rate", "a number > 0")
        _require(self.balance_actions >= 0, self, "balance_actions", "a number >= 0")
        _require(self.reaction_steps >= 0, self, "reaction_steps", "an integer >= 0")
        _require(self.vf_coef >= 0, self, "vf_coef", "a number >= 0")
        _require(self.rl_coef >= 0, self, "rl_coef", "a number >= 0")
        _require(self.rl_half_life_steps >= 1, self, "rl_half_life_steps", "an integer >= 1")
        _require(self.rl_gradient_steps >= 0, self, "rl_gradient_steps", "an integer >= 0")


def check_pair(train_config: TrainConfig, algo_config: AlgoConfig) -> None:
    """Raise ConfigError unless the two configs fit together."""
    expected = PPOConfig if train_config.algo == "ppo" else ReinforceConfig
    if not isinstance(algo_config, expected):
        raise ConfigError(
            f"algo_config: expected {expected.__name__} for algo {train_config.algo!r}, "
            f"got {type(algo_config).__name__}"
        )
    if isinstance(algo_config, PPOConfig):
        rollout = algo_config.n_steps * train_config.num_envs
        if rollout % algo_config.batch_size:
            raise ConfigError(
                f"PPOConfig: batch_size: expected a divisor of n_steps * num_envs = {rollout}, "
                f"got {algo_config.batch_size}"
            )


def fit_batch_size(algo_config: AlgoConfig, num_envs: int) -> AlgoConfig:
    """PPO's minibatch shrunk to the largest divisor of its rollout on `num_envs` envs that is
    at most the tuned size (any --envs then works); REINFORCE unchanged."""
    if not isinstance(algo_config, PPOConfig):
        return algo_config
    rollout = algo_config.n_steps * num_envs
    size = min(algo_config.batch_size, rollout)
    while rollout % size:
        size -= 1
    return dataclasses.replace(algo_config, batch_size=size)


def algo_config_from_dict(algo: str, values: dict[str, Any]) -> AlgoConfig:
    """Rebuild an algorithm config from `dataclasses.asdict` output (e.g. a checkpoint's)."""
    cls = PPOConfig if algo == "ppo" else ReinforceConfig
    return cls(**values)
