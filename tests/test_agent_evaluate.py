"""Evaluation: seeded episodes, the random baseline, and the printouts."""

import json

import numpy as np
import pytest

import game
from agent import EvalResult, PPOConfig, evaluate
from agent.policy import make_policy


def test_random_baseline_on_lunar_lander_is_near_the_known_result():
    result = evaluate(None, lambda: game.make_env("lunar"), episodes=20, seed=0)
    assert -350 < result.mean_return < -80  # the known random result is about -200
    assert result.success_rate == 0.0
    assert result.episodes == 20 and len(result.returns) == 20


def test_episode_seeds_do_not_depend_on_parallel_envs():
    policy = make_policy(4, 2, PPOConfig(hidden_sizes=(8,)), seed=3)
    one = evaluate(policy, lambda: game.make_env("cartpole"), episodes=6, seed=5, num_envs=1)
    four = evaluate(policy, lambda: game.make_env("cartpole"), episodes=6, seed=5, num_envs=4)
    assert one.returns == four.returns
    other_seed = evaluate(policy, lambda: game.make_env("cartpole"), episodes=6, seed=6, num_envs=4)
    assert other_seed.returns != one.returns


def test_random_baseline_is_reproducible():
    first = evaluate(None, lambda: game.make_env("cartpole"), episodes=5, seed=1)
    assert (
        evaluate(None, lambda: game.make_env("cartpole"), episodes=5, seed=1).returns
        == first.returns
    )


def test_race_extras_and_json():
    result = evaluate(None, lambda: game.make_env("race"), episodes=2, seed=0)
    assert result.mean_laps == 0.0 and result.best_lap_s is None
    payload = json.loads(json.dumps(result.to_json_dict()))
    for key in (
        "episodes",
        "mean_return",
        "std_return",
        "success_rate",
        "mean_length",
        "mean_laps",
    ):
        assert key in payload
    assert "returns" not in payload and "best_lap_s" not in payload


def test_summary_line():
    result = EvalResult(100, 245.864, 30.18, 0.99, 300.0, 1.0, (245.864,) * 100)
    assert result.summary() == "Reward average 245.86, std 30.18 / Success rate = 99%"
    assert result.to_json_dict()["success_rate"] == pytest.approx(0.99)
    assert np.isclose(result.mean_return, 245.864)
