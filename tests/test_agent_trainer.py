"""The training loop: determinism, resume, interrupt safety, logs, and a race smoke run."""

import csv

import numpy as np
import pytest
import torch

import game
from test_robust_cli import load_main

from agent import (
    CheckpointError,
    ConfigError,
    EnvStepReport,
    EvalReport,
    PPOConfig,
    ReinforceConfig,
    TrainConfig,
    Trainer,
    UpdateReport,
    load_checkpoint,
    train_headless,
)
from agent.run import RunPlan, resume_run


def cartpole_trainer(run_dir=None, algo="ppo", total=1024, seed=0, value_steps=0, **train):
    algo_config = (
        PPOConfig(n_steps=32, batch_size=64, n_epochs=2, normalize_obs=True)
        if algo == "ppo"
        else ReinforceConfig(
            episodes_per_update=4,
            use_baseline=True,
            normalize_obs=True,
            value_steps=value_steps,
            value_batches=2 if value_steps else 1,
        )
    )
    train = {"eval_every_steps": 0, **train}
    train_config = TrainConfig("cartpole", algo, total, num_envs=4, seed=seed, **train)
    return Trainer(
        RunPlan(train_config, algo_config, run_dir),
        game.make_vector_env("cartpole", 4),
        lambda: game.make_env("cartpole"),
    )


def episode_returns(trainer):
    return [
        e.episode_return for r in trainer.run() if isinstance(r, EnvStepReport) for e in r.finished
    ]


@pytest.mark.parametrize("algo", ["ppo", "reinforce"])
def test_same_seed_same_episode_returns(algo):
    first = episode_returns(cartpole_trainer(algo=algo, total=2000))
    assert len(first) > 20
    assert episode_returns(cartpole_trainer(algo=algo, total=2000)) == first
    assert episode_returns(cartpole_trainer(algo=algo, total=2000, seed=1)) != first


def flat_state(trainer):
    optimizer = trainer.learner.optimizer.state_dict()
    return trainer.policy.model.flat_parameters.detach().clone(), optimizer["exp_avg"]


@pytest.mark.parametrize(("algo", "value_steps"), [("ppo", 0), ("reinforce", 0), ("reinforce", 3)])
def test_resume_continues_counters_weights_optimizer_and_logs(tmp_path, algo, value_steps):
    first = cartpole_trainer(tmp_path, algo=algo, total=1024, value_steps=value_steps)
    for _ in first.run():
        pass
    first.close()
    assert first.updates > 0
    weights, exp_avg = flat_state(first)
    rows_before = list(csv.DictReader((tmp_path / "metrics.csv").open()))
    assert len(rows_before) == first.episodes

    resumed = Trainer(resume_run(tmp_path, 2048), game.make_vector_env("cartpole", 4))
    assert (resumed.num_timesteps, resumed.episodes, resumed.updates) == (
        first.num_timesteps,
        first.episodes,
        first.updates,
    )
    resumed_weights, resumed_exp_avg = flat_state(resumed)
    assert torch.equal(resumed_weights, weights) and torch.equal(resumed_exp_avg, exp_avg)
    assert resumed.learner.optimizer.steps == first.learner.optimizer.steps > 0
    if value_steps:  # the baseline's own Adam is restored too
        value_state = resumed.learner.value_optimizer.state_dict()
        assert value_state["steps"] == first.learner.value_optimizer.steps == 3 * first.updates
        assert torch.equal(value_state["exp_avg"], first.learner.value_optimizer.exp_avg)
        # and the two batches it fits: the next fit goes on where the first run's would
        history, first_history = resumed.learner.value_history, first.learner.value_history
        assert len(history) == len(first_history) == 2
        for (obs, target), (first_obs, first_target) in zip(history, first_history, strict=True):
            assert torch.equal(obs, first_obs) and torch.equal(target, first_target)
    np.testing.assert_array_equal(resumed.policy.obs_rms.mean, first.policy.obs_rms.mean)
    assert resumed.policy.rng.bit_generator.state == first.policy.rng.bit_generator.state

    for _ in resumed.run():
        pass
    resumed.close()
    assert resumed.num_timesteps >= 2048 and resumed.updates > first.updates
    assert resumed.episodes > first.episodes
    rows = list(csv.DictReader((tmp_path / "metrics.csv").open()))
    assert rows[: len(rows_before)] == rows_before  # the curve continues, it does not restart
    assert [int(r["episode"]) for r in rows] == list(range(1, resumed.episodes + 1))
    steps = [int(r["step"]) for r in rows]
    assert steps == sorted(steps)
    assert (
        load_checkpoint(tmp_path / "last.pt")["metadata"]["num_timesteps"] == resumed.num_timesteps
    )


def test_resuming_a_damaged_training_state_is_one_line(tmp_path):
    trainer = cartpole_trainer(tmp_path, total=256)
    for _ in trainer.run():
        pass
    payload = torch.load(tmp_path / "last.pt", weights_only=True)
    payload["optimizer"]["exp_avg"] = payload["optimizer"]["exp_avg"][:-1]
    torch.save(payload, tmp_path / "last.pt")
    with pytest.raises(CheckpointError) as caught:
        Trainer(resume_run(tmp_path), game.make_vector_env("cartpole", 4))
    assert "last.pt: training state: expected a resumable run, got" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_closing_mid_update_leaves_a_loadable_last_checkpoint(tmp_path):
    trainer = cartpole_trainer(tmp_path, total=100_000)
    run = trainer.run()
    report = next(run)
    while not (isinstance(report, UpdateReport) and report.gradient_step == 2):
        report = next(run)
    run.close()  # what a window closing or Ctrl+C does
    metadata = load_checkpoint(tmp_path / "last.pt")["metadata"]
    assert metadata["num_timesteps"] == trainer.num_timesteps == 128
    resumed = Trainer(resume_run(tmp_path), game.make_vector_env("cartpole", 4))
    assert resumed.num_timesteps == 128


def test_keyboard_interrupt_in_headless_training_keeps_last(tmp_path, monkeypatch):
    train_config, algo_config = (
        TrainConfig("cartpole", "ppo", 50_000, num_envs=4),
        PPOConfig(n_steps=32, batch_size=64),
    )
    calls = 0
    original = Trainer._env_step

    def interrupted(self):
        nonlocal calls
        calls += 1
        if calls == 100:
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(Trainer, "_env_step", interrupted)
    summary = train_headless(
        RunPlan(train_config, algo_config, tmp_path),
        lambda n: game.make_vector_env("cartpole", n),
        lambda: game.make_env("cartpole"),
        progress=False,
    )
    assert summary.num_timesteps == 99 * 4
    assert load_checkpoint(tmp_path / "last.pt")["metadata"]["num_timesteps"] == 99 * 4


def test_periodic_evaluation_writes_best_and_logs(tmp_path):
    trainer = cartpole_trainer(
        tmp_path, total=512, eval_every_steps=256, eval_episodes=3, eval_envs=2
    )
    evals = [r.result for r in trainer.run() if isinstance(r, EvalReport) and r.result]
    trainer.close()
    assert len(evals) == 2 and all(e.episodes == 3 for e in evals)
    assert trainer.best_eval_mean == max(e.mean_return for e in evals)
    assert (
        load_checkpoint(tmp_path / "best.pt")["metadata"]["best_eval_mean"]
        == trainer.best_eval_mean
    )
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))


def test_race_smoke_ppo_produces_an_update(tmp_path):
    envs = game.make_vector_env("race", 4)
    train_config = TrainConfig(
        "race", "ppo", 512, num_envs=4, eval_every_steps=0, info_keys=("laps",)
    )
    trainer = Trainer(
        RunPlan(train_config, PPOConfig(n_steps=64, batch_size=128, n_epochs=2), tmp_path), envs
    )
    stats = [r.stats for r in trainer.run() if isinstance(r, UpdateReport) and r.stats]
    trainer.close()
    assert len(stats) == 2 and np.isfinite(stats[0].policy_loss)
    assert trainer.num_timesteps == 512
    header = (tmp_path / "metrics.csv").read_text().splitlines()[0]
    assert header == "step,episode,return,length,is_success,wall_s,laps"


def test_mismatched_configs_are_config_errors():
    with pytest.raises(ConfigError, match="batch_size: expected a divisor of n_steps"):
        Trainer(
            RunPlan(
                TrainConfig("cartpole", "ppo", num_envs=4), PPOConfig(n_steps=10, batch_size=16)
            ),
            game.make_vector_env("cartpole", 4),
        )
    with pytest.raises(ConfigError, match="ReinforceConfig"):
        envs = game.make_vector_env("cartpole", 4)
        Trainer(RunPlan(TrainConfig("cartpole", "reinforce", num_envs=4), PPOConfig()), envs)


def test_resume_through_main_reads_last_pt_once(tmp_path, monkeypatch):
    """The run is resolved once: `--resume` reads its checkpoint a single time (agent/run.py)."""
    main = load_main()
    assert (
        main.main(
            ["--headless", "--scene", "cartpole", "--steps", "256", "--run-dir", str(tmp_path)]
        )
        == 0
    )
    loads = []
    original = torch.load
    monkeypatch.setattr(
        torch, "load", lambda *args, **kwargs: loads.append(args) or original(*args, **kwargs)
    )
    assert main.main(["--headless", "--resume", str(tmp_path), "--steps", "512"]) == 0
    assert len(loads) == 1
