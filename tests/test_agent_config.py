"""Configs: every default works, and a bad value is one line naming its field."""

import dataclasses

import pytest

from agent import ConfigError, PPOConfig, ReinforceConfig, TrainConfig, default_config
from agent.config import check_pair, fit_batch_size


@pytest.mark.parametrize("scene", ["race", "lunar", "cartpole"])
@pytest.mark.parametrize("algo", ["ppo", "reinforce"])
@pytest.mark.parametrize("live", [False, True])
def test_defaults_exist_and_fit_together(scene, algo, live):
    train_config, algo_config = default_config(scene, algo, live=live)
    assert (train_config.scene, train_config.algo) == (scene, algo)
    check_pair(train_config, algo_config)
    if live and algo == "reinforce" and scene != "race":
        assert algo_config.episodes_per_update == 1 and train_config.num_envs == 1
        assert algo_config.min_steps_per_update == 0  # an update after every episode


def test_lunar_reinforce_default_is_the_reference_recipe():
    _, config = default_config("lunar", "reinforce")
    assert config.hidden_sizes == (64,) and config.reward_to_go


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: PPOConfig(gamma=1.5), "gamma"),
        (lambda: PPOConfig(batch_size=1), "batch_size"),
        (lambda: PPOConfig(clip_range=0), "clip_range"),
        (lambda: PPOConfig(hidden_sizes=(64, 0)), "hidden_sizes"),
        (lambda: ReinforceConfig(activation="sigmoid"), "activation"),
        (lambda: ReinforceConfig(episodes_per_update=0), "episodes_per_update"),
        (lambda: TrainConfig("cartpole", "dqn"), "algo"),
        (lambda: TrainConfig("cartpole", "ppo", num_envs=0), "num_envs"),
    ],
)
def test_bad_values_name_the_field_in_one_line(make, field):
    with pytest.raises(ConfigError) as caught:
        make()
    message = str(caught.value)
    assert f": {field}: expected " in message and ", got " in message and "\n" not in message


def test_unknown_scene_and_algo():
    with pytest.raises(ConfigError, match="--algo: expected one of ppo, reinforce, got 'dqn'"):
        default_config("cartpole", "dqn")
    with pytest.raises(ConfigError, match="--scene: expected one of"):
        default_config("pong", "ppo")


def test_configs_are_frozen_and_round_trip_through_asdict():
    config = PPOConfig(hidden_sizes=[32])
    assert config.hidden_sizes == (32,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.gamma = 0.5
    assert PPOConfig(**dataclasses.asdict(config)) == config


def test_env_options_are_kept_as_plain_data():
    from pathlib import Path

    config = TrainConfig("race", "ppo", env_options={"track": Path("tracks/oval.json")})
    assert config.env_options == {"track": "tracks/oval.json"}
    assert dataclasses.asdict(config)["env_options"] == {"track": "tracks/oval.json"}


@pytest.mark.parametrize("num_envs", [1, 3, 4, 7, 32, 100])
def test_any_number_of_envs_gets_a_minibatch_that_divides_the_rollout(num_envs):
    for scene in ("cartpole", "lunar", "race"):
        for live in (False, True):
            train_config, algo_config = default_config(scene, "ppo", live=live)
            fitted = fit_batch_size(algo_config, num_envs)
            rollout = fitted.n_steps * num_envs
            assert rollout % fitted.batch_size == 0
            assert 2 <= fitted.batch_size <= algo_config.batch_size
            check_pair(dataclasses.replace(train_config, num_envs=num_envs), fitted)
    # the tuned size is kept whenever it already fits
    _, algo_config = default_config("cartpole", "ppo")
    assert fit_batch_size(algo_config, 8).batch_size == algo_config.batch_size
    assert fit_batch_size(algo_config, 3).batch_size == 96  # rollout 32 * 3
