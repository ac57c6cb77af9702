"""PPO: its loss on crafted inputs, its progress reports, its bootstrapping on a scripted env."""

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.vector import AutoresetMode, SyncVectorEnv

from agent.config import PPOConfig, TrainConfig
from agent.networks import ActorCritic, NumpyMLP
from agent.ppo import PPO
from agent.ppo_loss import Minibatch, PPOGradient, clipped_surrogate, value_loss
from agent.trainer import EnvStepReport, Trainer
from agent.run import RunPlan


def one(x):
    return np.array([x], np.float32)


def surrogate_for(ratio, advantage, clip_range=0.2):
    return clipped_surrogate(one(math.log(ratio)), one(0.0), one(advantage), clip_range)


def test_ppo_loss_clipping_inactive():
    terms = surrogate_for(ratio=1.1, advantage=2.0)
    assert terms.loss == pytest.approx(-2.2)
    assert terms.clip_fraction == 0.0
    # approx_kl = (r - 1) - log r
    assert terms.approx_kl == pytest.approx(0.1 - math.log(1.1), rel=1e-4)
    # d(-A r) / d log p = -A r
    assert terms.d_log_prob[0] == pytest.approx(-2.2)


def test_ppo_loss_clipping_active_for_positive_advantage():
    terms = surrogate_for(ratio=1.5, advantage=2.0)
    assert terms.loss == pytest.approx(-1.2 * 2.0)  # min(3.0, 2.4)
    assert terms.clip_fraction == 1.0


def test_ppo_loss_pessimistic_for_negative_advantage():
    # ratio 0.5 with A = -1: unclipped -0.5, clipped -0.8; the min (-0.8) is kept
    assert surrogate_for(ratio=0.5, advantage=-1.0).loss == pytest.approx(0.8)
    # ratio 1.5 with A = -1: unclipped -1.5 is lower and kept, and so is its gradient
    terms = surrogate_for(ratio=1.5, advantage=-1.0)
    assert terms.loss == pytest.approx(1.5)
    assert terms.d_log_prob[0] == pytest.approx(1.5)


def test_ppo_loss_gradient_vanishes_when_clipped():
    assert surrogate_for(ratio=1.5, advantage=2.0).d_log_prob[0] == 0.0
    assert surrogate_for(ratio=0.5, advantage=-1.0).d_log_prob[0] == 0.0


def test_value_loss_with_and_without_clipping():
    loss, d_values = value_loss(one(3.0), one(1.0), one(0.0), None)
    assert (loss, d_values[0]) == (pytest.approx(9.0), pytest.approx(6.0))
    loss, d_values = value_loss(one(3.0), one(1.0), one(0.0), 0.5)
    assert (loss, d_values[0]) == (pytest.approx(1.5**2), 0.0)  # clipped to 1.5: no gradient


def autograd_loss(model, batch, clip_range, clip_range_vf, ent_coef, vf_coef):
    """The reference: PPO's loss in torch, as SB3 writes it, differentiated by autograd."""
    t = torch.from_numpy
    log_probs = torch.log_softmax(model.actor(t(batch.obs)), dim=-1)
    log_prob = log_probs.gather(1, t(batch.actions)[:, None])[:, 0]
    entropy = -(log_probs.exp() * log_probs).sum(-1).mean()
    advantages = t(batch.advantages)
    advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    ratio = (log_prob - t(batch.old_log_prob)).exp()
    clipped = ratio.clamp(1 - clip_range, 1 + clip_range)
    policy_loss = -torch.min(advantages * ratio, advantages * clipped).mean()
    values, old_values = model.value(t(batch.obs)), t(batch.old_values)
    if clip_range_vf is not None:
        values = old_values + (values - old_values).clamp(-clip_range_vf, clip_range_vf)
    v_loss = (t(batch.returns) - values).pow(2).mean()
    loss = policy_loss - ent_coef * entropy + vf_coef * v_loss
    model.flat_parameters.grad.zero_()
    loss.backward()
    return [policy_loss.item(), v_loss.item(), entropy.item()]


@pytest.mark.parametrize(
    ("hidden", "activation", "clip_range_vf"),
    [((64, 64), "tanh", None), ((16,), "relu", 0.2), ((), "tanh", 0.5)],
)
def test_numpy_gradient_matches_autograd(hidden, activation, clip_range_vf):
    torch.manual_seed(0)
    model = ActorCritic(8, 4, hidden, activation, with_critic=True)
    rng = np.random.default_rng(0)
    n = 64
    obs = rng.normal(size=(n, 8)).astype(np.float32)
    actions = rng.integers(0, 4, n)
    with torch.no_grad():
        log_probs = torch.log_softmax(model.actor(torch.from_numpy(obs)), -1).numpy()
        values = model.value(torch.from_numpy(obs)).numpy()
    # old log-probabilities and values spread so that some ratios and values are clipped
    old_log_prob = log_probs[np.arange(n), actions] + rng.normal(0, 0.3, n).astype(np.float32)
    old_values = values + rng.normal(0, 0.5, n).astype(np.float32)
    batch = Minibatch(
        obs,
        actions,
        old_log_prob,
        rng.normal(size=n).astype(np.float32),
        old_values,
        rng.normal(size=n).astype(np.float32),
    )
    expected = autograd_loss(model, batch, 0.2, clip_range_vf, ent_coef=0.01, vf_coef=0.5)
    expected_grad = model.flat_parameters.grad.clone()
    model.flat_parameters.grad.fill_(math.nan)  # backward must overwrite every entry
    gradient = PPOGradient(NumpyMLP(model.actor), NumpyMLP(model.critic))
    terms = gradient.loss(batch, 0.2, clip_range_vf, normalize_advantage=True)
    assert 0 < terms.clip_fraction < 1
    np.testing.assert_allclose(terms[:3], expected, rtol=1e-5)
    gradient.backward(ent_coef=0.01, vf_coef=0.5)
    grad = model.flat_parameters.grad
    scale = expected_grad.abs().max().item()
    np.testing.assert_allclose(grad.numpy(), expected_grad.numpy(), rtol=0, atol=1e-5 * scale)


@pytest.mark.parametrize("norm", [0.1, 10.0])
def test_gradient_clipping_matches_torch(norm):
    ppo = PPO(PPOConfig(n_steps=4, batch_size=4), 4, 2, 1, seed=0)
    flat = ppo.policy.model.flat_parameters
    grad = torch.randn(flat.numel())
    flat.grad.copy_(grad * norm / grad.norm())
    reference = torch.zeros_like(flat, requires_grad=True)
    reference.grad = flat.grad.clone()
    torch.nn.utils.clip_grad_norm_(reference, 0.5)
    ppo._clip_gradient(0.5)
    assert flat.grad.norm().item() == pytest.approx(min(norm, 0.5), rel=1e-5)
    torch.testing.assert_close(flat.grad, reference.grad)


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
