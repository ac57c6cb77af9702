"""The same seed and config give the same run, in separate processes: returns, curves and
weights."""

import csv
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

import game
from agent import EnvStepReport, PPOConfig, TrainConfig, Trainer
from agent.run import RunPlan, resume_run
from test_robust_cli import run_main

TIMING_COLUMNS = ("wall_s",)
"""What may differ between identical runs: when things happened, not what happened."""


def curve(run_dir: Path) -> list[tuple[str, ...]]:
    """metrics.csv without its wall-clock column."""
    rows = list(csv.DictReader((run_dir / "metrics.csv").open()))
    return [tuple(value for key, value in row.items() if key not in TIMING_COLUMNS) for row in rows]


def weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return torch.load(run_dir / "last.pt", weights_only=True)["model"]


def train_race(run_dir: Path, seed: int) -> subprocess.CompletedProcess:
    return run_main(
        "--headless",
        "--scene",
        "race",
        "--steps",
        "8192",
        "--seed",
        str(seed),
        "--run-dir",
        str(run_dir),
    )


def test_same_seed_same_race_run_through_main_run_after_run(tmp_path):
    runs = {"first": 3, "again": 3, "other seed": 4}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(
            zip(
                runs,
                pool.map(lambda item: train_race(tmp_path / item[0], item[1]), runs.items()),
                strict=True,
            )
        )
    assert all(r.returncode == 0 for r in results.values()), [r.stderr for r in results.values()]
    first, again, other = (tmp_path / name for name in runs)
    assert len(curve(first)) >= 5  # episodes, after 4 PPO updates
    assert curve(again) == curve(first)
    assert all(torch.equal(weights(again)[k], w) for k, w in weights(first).items())
    assert curve(other) != curve(first)


def test_same_seed_same_lunar_lander_returns():
    """Box2D too: LunarLander's episodes repeat exactly."""

    def returns(seed: int) -> list[float]:
        config = TrainConfig("lunar", "ppo", 4096, num_envs=4, seed=seed, eval_every_steps=0)
        trainer = Trainer(
            RunPlan(config, PPOConfig(n_steps=256, batch_size=256)),
            game.make_vector_env("lunar", 4),
        )
        found = [
            e.episode_return
            for r in trainer.run()
            if isinstance(r, EnvStepReport)
            for e in r.finished
        ]
        trainer.envs.close()
        return found

    first = returns(0)
    assert len(first) >= 8
    assert returns(0) == first
    assert returns(1) != first


def test_live_training_follows_the_same_curve_whatever_the_frame_timing(tmp_path):
    """Frame timing decides how far a live run gets, not what it learns: one curve is a prefix of
    the other."""
    from game import session
    from game.app import AppConfig

    def live_curve(name: str, max_frames: int) -> list[tuple[str, ...]]:
        config = TrainConfig("cartpole", "ppo", 10**9, num_envs=4, eval_every_steps=0)
        trainer = Trainer(
            RunPlan(config, PPOConfig(n_steps=32, batch_size=64), tmp_path / name),
            game.make_vector_env("cartpole", 4, render_first=True),
        )
        session.train(lambda: trainer, AppConfig(speed=float("inf")), max_frames)
        return curve(tmp_path / name)

    short, long = sorted([live_curve("a", 25), live_curve("b", 40)], key=len)
    assert len(short) >= 3
    assert long[: len(short)] == short


def test_resuming_the_same_checkpoint_twice_gives_the_same_continuation(tmp_path):
    """A resumed run is reproducible too (the envs restart seeded from the step count)."""
    import shutil

    config = TrainConfig("cartpole", "ppo", 512, num_envs=4, eval_every_steps=0)
    trainer = Trainer(
        RunPlan(config, PPOConfig(n_steps=32, batch_size=64), tmp_path / "a"),
        game.make_vector_env("cartpole", 4),
    )
    for _ in trainer.run():
        pass
    trainer.close()
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    for name in "ab":
        resumed = Trainer(resume_run(tmp_path / name, 2048), game.make_vector_env("cartpole", 4))
        for _ in resumed.run():
            pass
        resumed.close()
    assert len(curve(tmp_path / "a")) > 40 and curve(tmp_path / "a") == curve(tmp_path / "b")
    assert all(
        torch.equal(weights(tmp_path / "b")[k], w) for k, w in weights(tmp_path / "a").items()
    )
