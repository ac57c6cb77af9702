"""Behaviour cloning: it reproduces a demonstrator, runs once per run, learns from take-overs."""

import dataclasses

import numpy as np
import pytest
import torch

import game
from agent.clone import CloneReport, Cloner, class_weights, cross_entropy
from agent.config import CloneConfig, PPOConfig, TrainConfig
from agent.defaults import default_config
from agent.demo_file import load_demos, save_demos
from agent.demos import Demonstrations
from agent.recording import DemoRecorder
from agent.episodes import EnvStepReport
from agent.run import DEMOS, LAST, RunPlan, new_run, resume_run
from agent.trainer import Trainer, make_learner
from game.scenes import scene_spec

torch.set_num_threads(1)  # as the trainer does: more threads only slow these small networks
RACE = scene_spec("race").demo_spec
CARTPOLE = scene_spec("cartpole").demo_spec
RACE_OBS = len(RACE.obs_layout)


def synthetic_demos(steps=3000, seed=0):
    """A demonstrator that picks argmax(W obs) on random race-shaped observations, in episodes of
    100 steps with reward 1 per step."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(RACE_OBS, 9))
    obs = rng.uniform(-1, 1, size=(steps, RACE_OBS)).astype(np.float32)
    recorder = DemoRecorder(RACE, "synthetic", {})
    for t in range(steps):
        recorder.add(0, obs[t], int(np.argmax(obs[t] @ weights)), 1.0)
        if (t + 1) % 100 == 0:
            recorder.end(0, "time limit", finished=True)
    return recorder.take()


def cloned_learner(demos, algo="ppo", **clone):
    _, algo_config = default_config("race", algo)
    learner = make_learner(algo_config, RACE_OBS, 9, 1, seed=0)
    config = CloneConfig(**clone)
    cloner = Cloner(
        learner.policy,
        config,
        algo_config.gamma,
        learner.value_target,
        algo_config.max_grad_norm,
        seed=0,
    )
    reports = list(cloner.pretrain(demos, "synthetic.npz"))
    return learner, reports


def test_cloning_reproduces_the_demonstrator_on_its_own_states():
    demos = synthetic_demos()
    learner, reports = cloned_learner(demos, bc_epochs=60)
    greedy = learner.policy.act(demos.obs, deterministic=True).action
    agreement = float((greedy == demos.actions).mean())
    assert agreement >= 0.95
    result = reports[-1].result
    assert (
        result.accuracy == pytest.approx(agreement)
        and result.steps == 3000
        and result.episodes == 30
    )
    assert [r.gradient_step for r in reports] == list(range(1, 60 * 12 + 1))


def test_the_value_head_learns_the_demonstrations_returns_to_go():
    """Reward 1 per step for 100 steps: the return-to-go at step k is (1 - g^(100-k)) / (1 - g).
    The demonstrator's observations carry no clock, so the best the value head can do is the
    mean of those returns; PPO's head predicts returns, REINFORCE's their symlog."""
    demos = synthetic_demos()
    gamma = default_config("race", "ppo")[1].gamma
    expected = np.mean([(1 - gamma ** (100 - k)) / (1 - gamma) for k in range(100)])
    learner, _ = cloned_learner(demos, bc_epochs=20)
    values = learner.policy.value(demos.obs)
    assert abs(values.mean() - expected) < 0.1 * expected
    reinforce, _ = cloned_learner(demos, "reinforce", bc_epochs=20)
    symlog_values = reinforce.policy.value(demos.obs)
    gamma = default_config("race", "reinforce")[1].gamma
    targets = [(1 - gamma ** (100 - k)) / (1 - gamma) for k in range(100)]
    assert abs(symlog_values.mean() - np.mean(np.log1p(targets))) < 0.2


def test_balancing_weighs_every_action_alike():
    actions = torch.tensor([0, 0, 0, 1])
    weights = class_weights(actions, 3, 1.0)
    assert torch.allclose(weights[:2], torch.tensor([4 / 9, 4 / 3]))
    assert torch.allclose(weights[actions].sum() * 0 + weights[0] * 3, weights[1])
    logits = torch.zeros(4, 3)
    # uniform logits: every term is log 3 whatever the weights
    assert torch.isclose(cross_entropy(logits, actions, weights), torch.log(torch.tensor(3.0)))
    assert torch.allclose(class_weights(actions, 3, 0.0), torch.ones(3))


def test_a_run_clones_once_and_a_resumed_run_not_again(tmp_path):
    demos_path = tmp_path / "synthetic.npz"
    demos = synthetic_demos(400)
    cartpole = Demonstrations(
        "cartpole",
        CARTPOLE.obs_layout,
        CARTPOLE.action_names,
        demos.obs[:, :4],
        demos.actions % 2,
        demos.rewards,
        demos.episodes,
    )
    save_demos(demos_path, cartpole)
    plan = new_run(
        "cartpole",
        "ppo",
        total_timesteps=512,
        num_envs=4,
        run_dir=tmp_path / "run",
        action_names=CARTPOLE.action_names,
        obs_layout=CARTPOLE.obs_layout,
        demos=demos_path,
        bc_epochs=3,
    )
    trainer = Trainer(plan, game.make_vector_env("cartpole", 4))
    reports = list(trainer.run())
    trainer.close()
    clone_reports = [r for r in reports if isinstance(r, CloneReport) and r.phase == "cloning"]
    first_env_step = next(i for i, r in enumerate(reports) if isinstance(r, EnvStepReport))
    assert len(clone_reports) == 3 * 2 and first_env_step == len(clone_reports)  # before RL
    result = trainer.clone_result
    assert result.steps == 400 and result.epochs == 3 and result.demos == str(demos_path)
    resumed_plan = resume_run(tmp_path / "run", 1024)
    assert resumed_plan.demos is None and resumed_plan.clone_config.bc_epochs == 3
    resumed = Trainer(resumed_plan, game.make_vector_env("cartpole", 4))
    assert resumed.clone_result == result  # read back from last.pt's metadata
    assert not any(isinstance(r, CloneReport) and r.phase == "cloning" for r in resumed.run())
    resumed.close()


def takeover_trainer(tmp_path, rl_coef):
    algo_config = PPOConfig(n_steps=32, batch_size=64, n_epochs=2)
    train_config = TrainConfig("cartpole", "ppo", 128, num_envs=4, eval_every_steps=0)
    plan = RunPlan(
        train_config,
        algo_config,
        tmp_path,
        CARTPOLE.action_names,
        obs_layout=CARTPOLE.obs_layout,
        clone_config=CloneConfig(rl_coef=rl_coef, rl_gradient_steps=20),
    )
    return Trainer(plan, game.make_vector_env("cartpole", 4))


def test_take_over_steps_are_marked_reach_the_learner_and_the_run_directory(tmp_path):
    """A person pushes env 2 right all the time: env 2 takes their action, PPO stores it with the
    policy's log-probability of it, the cloner gets every step, and after the update the policy
    prefers "push right" there more than the same run without the take-over term does."""
    probs = {}
    for coef in (0.0, 1.0):
        run_dir = tmp_path / f"coef{coef}"
        trainer = takeover_trainer(run_dir, coef)
        run = trainer.run()
        trainer.take_over(2, 1)
        seen = []
        for report in run:
            if isinstance(report, EnvStepReport):
                seen.append(report)
                if len(seen) == 32:  # the rollout is full: the person's actions are in it
                    assert (trainer.learner.buffer.actions[:, 2] == 1).all()
            if isinstance(report, CloneReport) and report.gradient_step == 20:
                break
        assert all(r.actions[2] == 1 for r in seen)
        assert trainer.takeover.steps == trainer.cloner.kept_steps == 32
        trainer.take_over(None)
        run.close()
        trainer.close()
        demos = load_demos(run_dir / DEMOS, CARTPOLE)
        assert demos.steps == 32 and (demos.actions == 1).all()
        assert {e.source for e in demos.episodes} == {"person (take-over)"}
        assert demos.episodes[-1].ending in ("handed back", "training stopped")
        probs[coef] = trainer.policy.act(demos.obs, deterministic=True).probs[:, 1].mean()
        assert (run_dir / LAST).is_file()
    assert probs[1.0] > probs[0.0] + 0.05


def test_take_over_log_probabilities_are_the_policys_for_the_persons_action(tmp_path):
    trainer = takeover_trainer(tmp_path, 1.0)
    run = trainer.run()
    trainer.take_over(1, 0)
    for report in run:
        if isinstance(report, EnvStepReport) and trainer.learner.buffer.pos == 5:
            break
    buffer = trainer.learner.buffer
    obs = torch.from_numpy(buffer.obs[:5, 1])
    log_probs = torch.log_softmax(trainer.policy.model.actor(obs), dim=-1)[:, 0]
    np.testing.assert_allclose(buffer.log_probs[:5, 1], log_probs.detach().numpy(), rtol=1e-5)
    assert (buffer.actions[:5, 1] == 0).all()
    run.close()
    trainer.close()


def test_clone_config_is_recorded_and_checked():
    config = CloneConfig()
    assert dataclasses.asdict(config)["bc_epochs"] == 200
    try:
        CloneConfig(bc_epochs=-1)
    except ValueError as error:
        assert str(error) == "CloneConfig: bc_epochs: expected an integer >= 0, got -1"
    else:
        raise AssertionError("bc_epochs -1 was accepted")
