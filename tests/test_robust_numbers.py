"""NaN and infinity are caught: the update is refused, one line says so, the last good checkpoint
stays."""

import math
import re
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from agent import PPOConfig, ReinforceConfig, TrainConfig, Trainer, load_checkpoint
from agent.optim import Adam
from agent.guard import TrainingStopped
from agent.run import RunPlan
from game import launch_train
from test_robust_cli import load_main

KEPT = re.compile(
    r"; training stopped at step (?P<now>[\d,]+), "
    r"the last good checkpoint is (?P<path>\S+) \(step (?P<step>[\d,]+)\)$"
)


class Poisoned(gym.Wrapper):
    """Returns `value` as the reward or in the observation from its `at`-th step on."""

    def __init__(self, env: gym.Env, field: str, value: float, at: int):
        super().__init__(env)
        self.field, self.value, self.at, self.steps = field, value, at, 0

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.steps += 1
        if self.steps >= self.at:
            if self.field == "reward":
                reward = self.value
            else:
                obs = obs.copy()
                obs[1] = self.value
        return obs, reward, terminated, truncated, info


def cartpole_envs(poisoned_env: int | None = None, count: int = 4, **poison) -> SyncVectorEnv:
    """`count` CartPoles; env `poisoned_env` goes bad as `poison` says."""

    def make(index: int):
        return lambda: (
            Poisoned(gym.make("CartPole-v1"), **poison)
            if index == poisoned_env
            else gym.make("CartPole-v1")
        )

    return SyncVectorEnv([make(i) for i in range(count)], autoreset_mode=AutoresetMode.SAME_STEP)


def trainer_for(run_dir: Path, envs: SyncVectorEnv, algo: str = "ppo") -> Trainer:
    algo_config = (
        PPOConfig(n_steps=32, batch_size=64, normalize_obs=True)
        if algo == "ppo"
        else ReinforceConfig(episodes_per_update=2, normalize_obs=True)
    )
    train_config = TrainConfig(
        "cartpole", algo, 100_000, num_envs=4, eval_every_steps=0, checkpoint_every_steps=128
    )
    return Trainer(RunPlan(train_config, algo_config, run_dir), envs)


def stop_line(error: TrainingStopped, run_dir: Path) -> tuple[str, int, int]:
    """The reason, the step training stopped at, and the kept checkpoint's step (checked on
    disk)."""
    message = str(error)
    kept = KEPT.search(message)
    assert "\n" not in message and kept, message
    assert kept["path"] == str(run_dir / "last.pt")
    step = int(kept["step"].replace(",", ""))
    assert load_checkpoint(run_dir / "last.pt")["metadata"]["num_timesteps"] == step
    return message[: kept.start()], int(kept["now"].replace(",", "")), step


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("reward", math.nan, "nan"),
        ("observation", math.inf, "inf"),
        ("observation", -math.inf, "-inf"),
    ],
)
def test_non_finite_env_output_stops_before_the_learner_sees_it(tmp_path, field, value, shown):
    trainer = trainer_for(tmp_path, cartpole_envs(2, field=field, value=value, at=100))
    with pytest.raises(TrainingStopped) as stopped:
        for _ in trainer.run():
            pass
    before = (tmp_path / "last.pt").read_bytes()
    trainer.close()
    assert (tmp_path / "last.pt").read_bytes() == before  # not overwritten after the stop
    reason, now, kept = stop_line(stopped.value, tmp_path)
    assert (
        reason == f"cartpole env 2: {field}: expected finite numbers, got {shown} (update refused)"
    )
    assert (now, kept) == (99 * 4, 384)  # step 100 is refused; last.pt of step 384 is kept
    assert np.isfinite(trainer.policy.obs_rms.var).all()  # the statistics never saw it


@pytest.mark.parametrize("algo", ["ppo", "reinforce"])
def test_a_nan_loss_refuses_the_update_and_keeps_the_last_checkpoint(tmp_path, algo):
    trainer = trainer_for(tmp_path, cartpole_envs(), algo)
    run = trainer.run()
    for _ in run:
        if trainer.num_timesteps >= 200 and trainer.updates > 0:
            break
    model = trainer.policy.model
    weights = model.flat_parameters.detach().clone()
    # the loss of every later update is NaN: PPO's numpy forward pass (agent/ppo_loss.py) or
    # REINFORCE's torch one returns NaN log-probabilities
    if algo == "ppo":
        actor = trainer.learner.gradient.actor
        trace = actor.trace

        def nan_logits(obs):
            layers = trace(obs)
            return [*layers[:-1], layers[-1] * math.nan]

        actor.trace = nan_logits
    else:
        evaluate_actions = model.evaluate_actions

        def nan_log_probs(obs, actions):
            log_prob, entropy = evaluate_actions(obs, actions)
            return log_prob * math.nan, entropy

        model.evaluate_actions = nan_log_probs
    with pytest.raises(TrainingStopped) as stopped:
        for _ in run:
            pass
    trainer.close()
    reason, _, kept = stop_line(stopped.value, tmp_path)
    assert re.fullmatch(
        rf"{algo} update: gradient: expected finite values, got \d+ NaN or infinite of "
        rf"{weights.numel()} \(update refused\)",
        reason,
    )
    assert kept == 128
    assert torch.equal(model.flat_parameters.detach(), weights)  # the refused step moved nothing
    assert torch.isfinite(
        torch.load(tmp_path / "last.pt", weights_only=True)["optimizer"]["exp_avg"]
    ).all()


def test_adam_refuses_a_non_finite_gradient_without_changing_state():
    param = torch.zeros(5, requires_grad=True)
    param.grad = torch.tensor([0.1, math.inf, 0.0, math.nan, 0.2])
    adam = Adam(param, lr=0.1)
    with pytest.raises(
        FloatingPointError, match="gradient: expected finite values, got 2 NaN or infinite of 5"
    ):
        adam.step()
    assert (
        adam.steps == 0
        and not param.detach().any()
        and not adam.exp_avg.any()
        and not adam.exp_avg_sq.any()
    )


def test_a_poisoned_model_is_never_written(tmp_path):
    trainer = trainer_for(None, cartpole_envs())
    with torch.no_grad():
        trainer.policy.model.flat_parameters[3] = math.nan
    with pytest.raises(
        TrainingStopped, match="model: expected finite weights, got NaN or infinity"
    ):
        trainer.save(tmp_path / "poisoned.pt")
    assert not (tmp_path / "poisoned.pt").exists()


def test_main_reports_a_nan_from_the_env_in_one_line_with_exit_code_1(
    tmp_path, monkeypatch, capsys
):
    main = load_main()
    poisoned = lambda scene, n, **_: cartpole_envs(0, n, field="reward", value=math.nan, at=3)  # noqa: E731
    monkeypatch.setattr(launch_train, "make_vector_env", poisoned)
    code = main.main(["--headless", "--scene", "cartpole", "--run-dir", str(tmp_path)])
    assert code == 1
    last_line = capsys.readouterr().err.rstrip("\n").rsplit("\n", 1)[-1]
    assert last_line == (
        "main.py: error: cartpole env 0: reward: expected finite numbers, got nan "
        "(update refused); training stopped at step 16, no checkpoint was written"
    )
    assert not (tmp_path / "last.pt").exists()
