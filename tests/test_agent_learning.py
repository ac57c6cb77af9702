"""Learning checks in SB3's identity-test style: a fixed seed and step budget, then a threshold."""

import dataclasses

import game
from agent import Trainer, default_config, evaluate
from agent.run import RunPlan


def train(algo, total_timesteps):
    train_config, algo_config = default_config("cartpole", algo)
    train_config = dataclasses.replace(
        train_config, total_timesteps=total_timesteps, eval_every_steps=0
    )
    trainer = Trainer(
        RunPlan(train_config, algo_config), game.make_vector_env("cartpole", train_config.num_envs)
    )
    for _ in trainer.run():
        pass
    return trainer.policy


def make_cartpole():
    return game.make_env("cartpole")


def test_ppo_solves_cartpole_within_50k_steps():
    policy = train("ppo", 50_000)
    result = evaluate(policy, make_cartpole, episodes=20, seed=123)
    assert result.mean_return >= 475, result.summary()


def test_reinforce_clearly_learns_cartpole():
    random_result = evaluate(None, make_cartpole, episodes=20, seed=123)
    policy = train("reinforce", 60_000)
    result = evaluate(policy, make_cartpole, episodes=20, seed=123)
    assert random_result.mean_return < 40
    assert result.mean_return >= 300, result.summary()
