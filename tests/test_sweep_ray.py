"""Sweeps on Ray Tune, local: a tiny sweep gives the table and the plots, a trial that raises is
reported while the others finish, and an interrupted sweep resumes where it stopped."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from types import SimpleNamespace

from agent.grid import SweepSpec, Variant
from agent.results import ERROR_NAME, FINAL_NAME, outcomes, trial_dir, write_report
from agent.sweep import EnvMakers, Progress, run_sweep
from game.scenes import make_env, make_vector_env

ROOT = Path(__file__).resolve().parents[1]
SHORT = {"total_timesteps": 2_048, "eval_every_steps": 1_024, "eval_episodes": 5}


def test_tiny_sweep_writes_runs_table_and_plots_and_reports_a_failed_trial(tmp_path, capsys):
    def make_vector(scene, num_envs, **options):
        if num_envs == 3:
            raise RuntimeError("no vector env of 3 today")
        return make_vector_env(scene, num_envs, **options)

    spec = SweepSpec(
        "cartpole",
        (
            Variant("4 envs", "ppo", {**SHORT, "num_envs": 4}),
            Variant("8 envs", "ppo", {**SHORT, "num_envs": 8}),
            Variant("3 envs (raises)", "ppo", {**SHORT, "num_envs": 3}),
        ),
        seeds=(0, 1),
        target=20.0,
        final_episodes=20,
    )
    run_sweep(spec, tmp_path, EnvMakers(make_vector, make_env))
    printed = capsys.readouterr().out
    assert "3 envs (raises), seed 0: FAILED: RuntimeError: no vector env of 3 today" in printed
    assert "4 envs, seed 1: final mean" in printed and "best so far" in printed
    found = outcomes(spec, tmp_path)
    for trial in found[:4]:  # the good configurations: ordinary run directories, scored
        names = {p.name for p in trial.run_dir.iterdir()}
        assert {"last.pt", "best.pt", "metrics.csv", "evaluations.csv", "tensorboard"} <= names
        assert trial.final["episodes"] == 20 and trial.final["num_timesteps"] == 2_048
        assert trial.error is None
    for trial in found[4:]:
        assert trial.final is None and trial.error.startswith("RuntimeError: no vector env")
        assert (trial.run_dir / ERROR_NAME).is_file()
    table = write_report(spec, tmp_path)
    assert "4 envs" in table and "2/2" in table and "0/2 (2 failed)" in table
    assert (tmp_path / "results.csv").read_text().startswith("config,seeds,finished,failed,")
    for name in ("curves.png", "finals.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_progress_counts_trials_and_names_the_best(tmp_path, capsys):
    spec = SweepSpec("cartpole", (Variant("a", "ppo"), Variant("b", "reinforce")), seeds=(0, 1))
    trials = [
        SimpleNamespace(config={"variant": v, "seed": s}, status="RUNNING", last_result={})
        for v in (0, 1)
        for s in (0, 1)
    ]
    progress = Progress(spec, tmp_path)
    progress.on_trial_result(0, trials, trials[1], {"step": 4_000, "eval_mean": 80.0})
    progress.on_trial_result(0, trials, trials[2], {"step": 2_000, "eval_mean": 60.0})
    trials[1].last_result = {"final_mean": 95.0}
    progress.on_trial_result(0, trials, trials[1], trials[1].last_result)
    progress.on_trial_complete(0, trials, trials[1])
    trials[1].status = "TERMINATED"
    broken = trial_dir(tmp_path, spec, 1, 1)
    broken.mkdir(parents=True)
    (broken / ERROR_NAME).write_text("ValueError: nope\n")
    progress.on_trial_error(0, trials, trials[3])
    trials[3].status = "ERROR"
    progress.next_s = 0.0
    progress.on_step(0, trials)
    assert capsys.readouterr().out.splitlines() == [
        "a, seed 1: final mean 95.0  [1/4 done, 3 running, 0 failed; best so far 95.0: a, seed 1]",
        "b, seed 1: FAILED: ValueError: nope  [1/4 done, 2 running, 1 failed; best so far 95.0: "
        "a, seed 1]",
        "[1/4 done, 2 running, 1 failed; best so far 95.0: a, seed 1] best evaluation 80.0: "
        "a, seed 1, at 4,000 steps",
    ]


def sweep(*flags: str) -> subprocess.Popen:
    """main.py --mode sweep in a child process."""
    return subprocess.Popen(
        [sys.executable, "main.py", "--mode", "sweep", *flags],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_an_interrupted_sweep_resumes_where_it_stopped(tmp_path):
    sweep_dir = tmp_path / "sweep"
    flags = ["--scene", "cartpole", "--algo", "ppo", "--seeds", "3", "--steps", "12000"]
    child = sweep(*flags, "--set", "eval_every_steps=4000", "--run-dir", str(sweep_dir))
    deadline = time.monotonic() + 240
    while not list(sweep_dir.glob(f"trials/*/*/{FINAL_NAME}")):
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()[0]
        time.sleep(0.2)
    first = next(sweep_dir.glob(f"trials/*/*/{FINAL_NAME}"))
    before = (first.read_bytes(), first.stat().st_mtime_ns)
    os.kill(child.pid, signal.SIGINT)  # as Ctrl+C
    out = child.communicate(timeout=120)[0]
    assert child.returncode == 130, out
    assert f"interrupted: continue with --mode sweep --resume {sweep_dir}" in out
    finished = len(list(sweep_dir.glob(f"trials/*/*/{FINAL_NAME}")))
    assert 1 <= finished < 3

    again = sweep("--resume", str(sweep_dir))
    out = again.communicate(timeout=240)[0]
    assert again.returncode == 0, out
    assert "ppo  " in out and "3/3" in out  # the table
    assert len(list(sweep_dir.glob(f"trials/*/*/{FINAL_NAME}"))) == 3
    assert (first.read_bytes(), first.stat().st_mtime_ns) == before  # not run again
    assert f"seed {first.parent.name.removeprefix('seed-')}: final mean" not in out


def test_ray_and_matplotlib_load_only_for_the_modes_that_need_them():
    code = (
        "import sys, main, agent, agent.headless; "
        "loaded = [m for m in ('ray', 'matplotlib') if m in sys.modules]; "
        "print(loaded); sys.exit(bool(loaded))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_variant_across_generated_tracks_trains_with_their_defaults(tmp_path, monkeypatch):
    """The race lesson's generated-tracks variant trains from the --track random defaults (6M
    steps, random starts, 30 s episodes: its envs get them too) and is scored on the held-out
    tracks; the oval variant from the oval's."""
    from agent import sweep
    from agent.lessons import LESSONS

    spec = LESSONS["race-tracks"]
    made: list[dict] = []

    class Made(Exception):
        pass

    def fake_training(plan, make_envs, make_eval_env, **_):
        make_envs(plan.train_config.num_envs)
        made.append({"eval": make_eval_env(), "plan": plan})
        raise Made

    def vector(scene, n, **options):
        made.append({"scene": scene, "n": n, "options": options})

    monkeypatch.setattr(sweep, "train_headless", fake_training)
    makers = EnvMakers(vector, lambda scene, **options: options)
    for variant, run in ((1, "random"), (0, "oval")):
        made.clear()
        with pytest.raises(Made):
            sweep.train_and_score(spec, variant, 0, tmp_path / run, makers)
        trained, scored = made
        plan = scored["plan"]
        assert trained["options"] == plan.train_config.env_options
        assert scored["eval"] == {"track": "random:heldout"}
        if run == "random":
            assert plan.train_config.env_options == {
                "track": "random",
                "random_start": True,
                "time_limit_s": 30.0,
                "progress_per_m": 0.1,
                "pool_keep_crashes": 1.0,
            }
            assert (plan.train_config.total_timesteps, trained["n"]) == (6_000_000, 32)
        else:
            assert plan.train_config.env_options == {"track": "oval"}
            assert plan.train_config.total_timesteps == 300_000
