"""PPO: its loss on crafted inputs, its progress reports, its bootstrapping on a scripted env."""

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from agent.config import PPOConfig, TrainConfig
from agent.ppo import ppo_loss
from agent.trainer import EnvStepReport, Trainer
from agent.run import RunPlan


def loss_for(
    ratio, advantage, clip_range=0.2, value=0.0, old_value=0.0, ret=0.0, clip_range_vf=None
):
    t = torch.tensor
    return ppo_loss(
        log_prob=t([math.log(ratio)]),
        old_log_prob=t([0.0]),
        advantages=t([advantage]),
        values=t([value]),
        old_values=t([old_value]),
        returns=t([ret]),
        entropy=t([0.5]),
        clip_range=clip_range,
        clip_range_vf=clip_range_vf,
        ent_coef=0.1,
        vf_coef=0.5,
    )


def test_ppo_loss_clipping_inactive():
    terms = loss_for(ratio=1.1, advantage=2.0)
    assert terms.policy_loss.item() == pytest.approx(-2.2)
    assert terms.clip_fraction.item() == 0.0
    # approx_kl = (r - 1) - log r
    assert terms.approx_kl.item() == pytest.approx(0.1 - math.log(1.1), rel=1e-4)
    assert terms.loss.item() == pytest.approx(-2.2 - 0.1 * 0.5, rel=1e-6)


def test_ppo_loss_clipping_active_for_positive_advantage():
    terms = loss_for(ratio=1.5, advantage=2.0)
    assert terms.policy_loss.item() == pytest.approx(-1.2 * 2.0)  # min(3.0, 2.4)
    assert terms.clip_fraction.item() == 1.0


def test_ppo_loss_pessimistic_for_negative_advantage():
    # ratio 0.5 with A = -1: unclipped -0.5, clipped -0.8; the min (-0.8) is kept
    assert loss_for(ratio=0.5, advantage=-1.0).policy_loss.item() == pytest.approx(0.8)
    # ratio 1.5 with A = -1: unclipped -1.5 is lower and kept: no gain from clipping
    assert loss_for(ratio=1.5, advantage=-1.0).policy_loss.item() == pytest.approx(1.5)


def test_ppo_loss_gradient_vanishes_when_clipped():
    log_prob = torch.tensor([math.log(1.5)], requires_grad=True)
    t = torch.tensor
    terms = ppo_loss(
        log_prob, t([0.0]), t([2.0]), t([0.0]), t([0.0]), t([0.0]), t([0.0]), 0.2, None, 0.0, 0.5
    )
    terms.policy_loss.backward()
    assert log_prob.grad.item() == 0.0


def test_value_loss_with_and_without_clipping():
    assert loss_for(1.0, 0.0, value=3.0, old_value=1.0, ret=0.0).value_loss.item() == pytest.approx(
        9.0
    )
    clipped = loss_for(1.0, 0.0, value=3.0, old_value=1.0, ret=0.0, clip_range_vf=0.5)
    assert clipped.value_loss.item() == pytest.approx(1.5**2)


class Countdown(gym.Env):
    """obs = [steps so far]; reward 1 a step; after 3 steps it terminates or truncates."""

    observation_space = gym.spaces.Box(-np.inf, np.inf, (1,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def __init__(self, ending: str):
        self.ending = ending
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.array([0.0], np.float32), {}

    def step(self, action):
        self.t += 1
        done = self.t == 3
        obs = np.array([float(self.t)], np.float32)
        return obs, 1.0, done and self.ending == "terminate", done and self.ending == "truncate", {}


def scripted_trainer(n_steps=4, batch_size=None, **ppo):
    envs = SyncVectorEnv(
        [lambda: Countdown("terminate"), lambda: Countdown("truncate")],
        autoreset_mode=AutoresetMode.SAME_STEP,
    )
    config = PPOConfig(
        hidden_sizes=(), n_steps=n_steps, batch_size=batch_size or n_steps * 2, **ppo
    )
    trainer = Trainer(
        RunPlan(TrainConfig("scripted", "ppo", 10_000, num_envs=2, eval_every_steps=0), config),
        envs,
    )
    with torch.no_grad():  # V(obs) = 10 * obs
        trainer.policy.model.critic[0].weight.fill_(10.0)
        trainer.policy.model.critic[0].bias.zero_()
    return trainer


def test_truncation_bootstraps_from_final_obs_and_same_step_reset_is_stored():
    trainer = scripted_trainer(gamma=0.5, gae_lambda=1.0)
    run = trainer.run()
    reports = [next(run) for _ in range(4)]
    assert all(isinstance(r, EnvStepReport) for r in reports)
    buffer = trainer.learner.buffer
    # after the 3rd step both episodes ended; the 4th step starts from the reset obs 0, never 3
    np.testing.assert_array_equal(buffer.obs[:, :, 0], [[0, 0], [1, 1], [2, 2], [0, 0]])
    assert reports[2].finished[0].length == 3 and reports[2].finished[1].episode_return == 3.0
    np.testing.assert_array_equal(reports[2].obs[:, 0], [0, 0])  # the report shows the new episode
    np.testing.assert_array_equal(
        buffer.final_values[2], [0.0, 30.0]
    )  # V(final obs 3), truncated only
    _, returns = buffer.advantages(trainer.policy.value(trainer.learner._last_obs), 0.5, 1.0)
    # terminated: 1, 1 + .5, 1 + .5 * 1.5; truncated: 1 + .5 * V(3) = 16, then 9, 5.5;
    # the last row: 1 + .5 * V(1)
    np.testing.assert_allclose(returns[:, 0], [1.75, 1.5, 1.0, 6.0])
    np.testing.assert_allclose(returns[:, 1], [5.5, 9.0, 16.0, 6.0])
    run.close()


def test_update_reports_each_minibatch_then_stats():
    trainer = scripted_trainer(n_steps=8, batch_size=4, n_epochs=3)
    updates = []
    for report in trainer.run():
        if not isinstance(report, EnvStepReport):
            updates.append(report)
            if report.stats is not None:
                break
    assert [r.gradient_step for r in updates] == list(range(1, 13))
    assert all(r.stats is None for r in updates[:-1]) and updates[-1].planned_steps == 12
    stats = updates[-1].stats
    assert stats.gradient_steps == 12 and stats.samples == 16
    assert np.isfinite([stats.policy_loss, stats.value_loss, stats.entropy, stats.approx_kl]).all()


def test_target_kl_stops_the_update_early():
    trainer = scripted_trainer(n_steps=8, n_epochs=50, learning_rate=0.05, target_kl=1e-4)
    stats = next(r.stats for r in trainer.run() if not isinstance(r, EnvStepReport) and r.stats)
    assert stats.gradient_steps < 50


def test_next_step_autoreset_is_refused():
    envs = SyncVectorEnv([lambda: Countdown("terminate")], autoreset_mode=AutoresetMode.NEXT_STEP)
    with pytest.raises(ValueError, match="autoreset_mode"):
        Trainer(
            RunPlan(TrainConfig("scripted", "ppo", num_envs=1), PPOConfig(n_steps=4, batch_size=4)),
            envs,
        )
