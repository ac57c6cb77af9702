"""The tuned defaults per scene and algorithm, each with the measurement that chose it, and how
live training in the window adapts them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from agent.config import ALGOS, AlgoConfig, PPOConfig, ReinforceConfig, TrainConfig
from agent.errors import ConfigError

_PPO_CARTPOLE = PPOConfig(
    # rl-zoo's CartPole-v1 recipe with half the epochs at twice the step size, gamma 0.99 and
    # GAE 0.95: 475 in a median 13.8k steps / 1.7 s over 6 seeds (rl-zoo's: ~20k steps here)
    learning_rate=2e-3,
    n_steps=32,
    batch_size=256,
    n_epochs=10,
    gamma=0.99,
    gae_lambda=0.95,
    ent_coef=0.0,
    anneal_lr=True,
    anneal_clip_range=True,
)
_PPO_LUNAR = PPOConfig(
    # rl-zoo's LunarLander recipe at lr 5e-4 (rl-zoo: 3e-4): a mean of 200 with 95% landed
    # after a median 550k steps / 94 s over 3 seeds; minibatches of 128 needed 600k / 78 s
    learning_rate=5e-4,
    n_steps=1024,
    batch_size=64,
    n_epochs=4,
    gamma=0.999,
    gae_lambda=0.98,
    ent_coef=0.01,
)
_PPO_RACE = PPOConfig(
    # lr 1e-3 (was 3e-4) nearly halves the time to >= 95% laps on the oval: a median 40k steps
    # / 5.3 s over 3 seeds (was 70k / 7.6 s), and it laps the other tracks too (bench/race.py)
    learning_rate=1e-3,
    n_steps=256,
    batch_size=256,
    n_epochs=10,
    gamma=0.99,
    gae_lambda=0.95,
    ent_coef=0.01,
)
_PPO_RACE_SWARM = dataclasses.replace(
    # live, 32 cars: an update every 32 steps (1.6 s of game time) keeps the swarm learning
    # while it is watched; headless, 64 cars like this lapped after ~77k car-steps
    _PPO_RACE,
    n_steps=32,
    batch_size=512,
    n_epochs=4,
)
_PPO_RACE_ACROSS = dataclasses.replace(
    # Across generated tracks: 32 cars, rollouts of 128 steps, minibatches of 1,024, lr 3e-4
    # annealed to 0 over 6M steps (~110 s). Gamma 0.998 (a longer look ahead: braking for a
    # sharp corner; 0.99 lapped 95%, 77%, 89% of the held-out tracks). With the progress paid
    # per metre (_RACE_ACROSS), GAE lambda 0.98 lapped 94%, 90%, 88% of the 100 held-out tracks
    # (seeds 0-2), lambda 0.95 90%, 93%, 88%. bench/generalist.py; bench/RESULTS.md, "The
    # generalist", has the runs that led here.
    _PPO_RACE,
    learning_rate=3e-4,
    n_steps=128,
    batch_size=1024,
    anneal_lr=True,
    gamma=0.998,
    gae_lambda=0.98,
)
_RACE_ACROSS = {
    "total_timesteps": 6_000_000,
    "num_envs": 32,
    "eval_every_steps": 500_000,
    # Short episodes from anywhere along the track: every stretch of every track is driven
    # from the first update on, instead of only the first 30 s after the start line.
    # Progress paid per metre, the same on every track: paid per lap (100 over the track's
    # length), a metre of the 1.5 km speedway earned a quarter of one of the 340 m oval against
    # the same -10 for a crash, and the generalist never passed 27.4 m/s there where a
    # specialist drives at 40 (laps 1.29-1.83x a specialist's; per metre 1.02-1.14x).
    # The pool keeps the tracks cars still leave (pool_keep_crashes 1; renewing any free one,
    # 94% / 90% / 88% of the held-out tracks were lapped), and pays 0.1 per metre (0.05 with
    # the kept crashes: chicanes and speedway 1.17x / 1.20x a specialist's lap): with the
    # racing line seen 5-60 m ahead (game/race/sensors.py), 97% / 97% / 100% held out (seeds
    # 0-2), laps 1.13 / 1.02 / 1.19 / 1.08x (oval, hairpins, chicanes, speedway).
    # bench/RESULTS.md, "The generalist".
    "env_options": {
        "track": "random",
        "random_start": True,
        "time_limit_s": 30.0,
        "progress_per_m": 0.1,
        "pool_keep_crashes": 1.0,
    },
}
"""The race across generated tracks (--track random): a swarm of 32 cars."""
TRAINING_ONLY_OPTIONS = ("random_start", "time_limit_s", "progress_per_m", "pool_keep_crashes")
"""Env options that shape training episodes only: evaluating, watching and playing drive from
the start line with the track's own time limit and reward."""

_REINFORCE_CARTPOLE = ReinforceConfig(
    learning_rate=1e-2,
    gamma=0.99,
    hidden_sizes=(32,),
    activation="relu",
    episodes_per_update=8,
    max_grad_norm=1.0,
)
_REINFORCE_LUNAR = ReinforceConfig(
    # reward-to-go (gamma 0.98), one hidden layer of 64 ReLU units, ONE env (see _DEFAULTS);
    # one gradient step per >= 4 whole episodes holding >= 2,000 steps, lr 1e-2; a value
    # baseline fitted by 40 steps of its own Adam per batch (returns / 100); the entropy
    # coefficient moved linearly from 0.01 to -0.005 (a small late penalty sharpens the policy,
    # so sampled and greedy actions agree). Mean >= 200 with >= 95% landed, greedy and sampled
    # alike (100 episodes), within 1M steps on 4 of 5 seeds (median 900k; seed 3 collapses),
    # 21 of 30 over seeds 0-29; with 4 envs: 3 of 5 (bench/RESULTS.md, "LunarLander-v3:
    # REINFORCE")
    learning_rate=1e-2,
    gamma=0.98,
    hidden_sizes=(64,),
    activation="relu",
    episodes_per_update=4,
    min_steps_per_update=2_000,
    use_baseline=True,
    value_steps=40,
    value_scale=100.0,
    ent_coef=0.01,
    anneal_ent_coef=True,
    ent_coef_final=-0.005,
    max_grad_norm=1.0,
)
_REINFORCE_RACE = ReinforceConfig(
    # with a value baseline; seed 0 laps in 100% of evaluations at 500k steps (14 s)
    learning_rate=3e-3,
    gamma=0.99,
    hidden_sizes=(64,),
    activation="relu",
    episodes_per_update=8,
    use_baseline=True,
    max_grad_norm=1.0,
)

_REINFORCE_RACE_SWARM = dataclasses.replace(
    # live, 64 cars each driving whole episodes, an update per 5 of them: a car laps after a
    # median 6,830 vector steps (~46 s at 8x) over seeds 0-19, at most 8,638. With the rays
    # closest together ahead, an update per 4 never lapped on seed 4 (the cars creep at ~1 m/s)
    # and took 8,847 steps on seed 0 (59.6 s live); per 2, 3 or 8 one seed of 0-9 never lapped;
    # per 6, 10 of 10 but up to 10,246; lr 2e-3, 10 of 10 but a median of ~8,700
    _REINFORCE_RACE,
    episodes_per_update=5,
)

_RACE = {"info_keys": ("laps",)}
_DEFAULTS: dict[tuple[str, str], tuple[dict[str, Any], AlgoConfig]] = {
    ("cartpole", "ppo"): (
        {"total_timesteps": 50_000, "num_envs": 8, "eval_every_steps": 5_000},
        _PPO_CARTPOLE,
    ),
    ("cartpole", "reinforce"): ({"total_timesteps": 200_000, "num_envs": 8}, _REINFORCE_CARTPOLE),
    ("lunar", "ppo"): (
        {"total_timesteps": 1_000_000, "num_envs": 16, "eval_every_steps": 50_000},
        _PPO_LUNAR,
    ),
    ("lunar", "reinforce"): (
        # one env: an update comes as an episode ends, so no episode runs across it and every
        # step of a batch was taken by the policy being updated (4 envs: 3 of 5 seeds, not 4)
        {"total_timesteps": 1_000_000, "num_envs": 1, "eval_every_steps": 50_000},
        _REINFORCE_LUNAR,
    ),
    ("race", "ppo"): ({"total_timesteps": 300_000, "num_envs": 8, **_RACE}, _PPO_RACE),
    ("race", "reinforce"): ({"total_timesteps": 800_000, "num_envs": 8, **_RACE}, _REINFORCE_RACE),
}


def default_config(
    scene: str, algo: str, live: bool = False, env_options: Mapping[str, Any] | None = None
) -> tuple[TrainConfig, AlgoConfig]:
    """The tuned configs for `scene` and `algo` with `env_options` over the defaults' own; `live`
    adapts them to the windowed trainer.

    PPO on the race with the track "random" (a new generated track every episode) has its own.

    Live, the learning is visible frame by frame: on the race a swarm of cars shares each
    update (the first lap comes sooner; REINFORCE's cars each contribute whole episodes);
    elsewhere REINFORCE runs one env and updates after every episode, and PPO 4 envs with
    short rollouts.
    """
    if algo not in ALGOS:
        raise ConfigError(f"--algo: expected one of {', '.join(ALGOS)}, got {algo!r}")
    scenes = sorted({s for s, _ in _DEFAULTS})
    if (scene, algo) not in _DEFAULTS:
        raise ConfigError(f"--scene: expected one of {', '.join(scenes)}, got {scene!r}")
    options = dict(env_options or {})
    train_values, algo_config = _DEFAULTS[scene, algo]
    if (scene, algo, options.get("track")) == ("race", "ppo", "random"):
        train_values, algo_config = {**train_values, **_RACE_ACROSS}, _PPO_RACE_ACROSS
    options = {**train_values.get("env_options", {}), **options}
    train_config = TrainConfig(scene=scene, algo=algo, **{**train_values, "env_options": options})
    if not live:
        return train_config, algo_config
    if isinstance(algo_config, ReinforceConfig):
        if scene == "race":
            return dataclasses.replace(train_config, num_envs=64), _REINFORCE_RACE_SWARM
        live_train = dataclasses.replace(train_config, num_envs=1)
        return live_train, dataclasses.replace(
            algo_config, episodes_per_update=1, min_steps_per_update=0
        )
    if scene == "race":
        return dataclasses.replace(train_config, num_envs=32), _PPO_RACE_SWARM
    live_train = dataclasses.replace(train_config, num_envs=4)
    n_steps = 128
    batch_size = min(algo_config.batch_size, n_steps * 4)
    return live_train, dataclasses.replace(algo_config, n_steps=n_steps, batch_size=batch_size)
