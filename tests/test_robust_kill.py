"""Pulling the plug (SIGKILL) at random moments, checkpoint writes included, never corrupts a run.

The test runs this file as a script: a fresh process that imports torch once, then forks
training children that resume the same run and SIGKILLs each one at a random moment. Forking
from the test process itself is unsafe once torch has started threads.

    python tests/test_robust_kill.py RUN_DIR --kills 300      the same, many more times
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TRAINING_STEPS = 10**9


def train_forever(run_dir: Path) -> None:
    """A child: continue the run in run_dir (or start it), writing a 1 MB last.pt every step."""
    import game
    from agent import PPOConfig, RunPlan, TrainConfig, Trainer, resume_run

    envs = game.make_vector_env("cartpole", 4)
    if (run_dir / "last.pt").exists():
        trainer = Trainer(resume_run(run_dir), envs)
    else:
        train_config = TrainConfig(
            "cartpole",
            "ppo",
            TRAINING_STEPS,
            num_envs=4,
            eval_every_steps=0,
            checkpoint_every_steps=4,
        )
        algo_config = PPOConfig(n_steps=16, batch_size=64, n_epochs=2, hidden_sizes=(256, 256))
        trainer = Trainer(RunPlan(train_config, algo_config, run_dir), envs)
    for _ in trainer.run():
        pass


def wait_for_the_next_second() -> None:
    """Start a writer of the run's logs in a new second of the clock.

    TensorBoard orders a run's event files by name: the second each was made, then the pid
    (as text, so 9999 sorts after 10000). A person resumes seconds after a crash; this test
    resumes many times a second, so it waits to keep the files in order.
    """
    time.sleep(1.0 - time.time() % 1.0)


def chaos(run_dir: Path, kills: int, seed: int, max_delay_s: float) -> list[dict]:
    """Fork a training child, SIGKILL it after a random delay, check last.pt; `kills` times (~1 s
    each)."""
    import torch
    import torch.utils.tensorboard  # imported once here, not in every child

    import game  # noqa: F401
    from agent import CheckpointError, load_checkpoint

    torch.set_num_threads(1)  # before any torch work: no thread pool exists when forking
    rng = random.Random(seed)
    results = []
    for _ in range(kills):
        wait_for_the_next_second()
        pid = os.fork()
        if pid == 0:
            try:
                train_forever(run_dir)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.05, max_delay_s))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        temp_files = [p.name for p in run_dir.glob(".last.pt.*.tmp")]
        result = {"temp_files": len(temp_files), "step": None, "error": None}
        if (run_dir / "last.pt").exists():
            try:
                result["step"] = load_checkpoint(run_dir / "last.pt")["metadata"]["num_timesteps"]
            except CheckpointError as error:
                result["error"] = str(error)
        results.append(result)
    return results


def finish(run_dir: Path, extra_steps: int) -> dict:
    """Resume once more, cleanly, for `extra_steps`: the run must continue whole."""
    import game
    from agent import Trainer, load_checkpoint, resume_run

    start = load_checkpoint(run_dir / "last.pt")["metadata"]["num_timesteps"]
    wait_for_the_next_second()
    trainer = Trainer(resume_run(run_dir, start + extra_steps), game.make_vector_env("cartpole", 4))
    for _ in trainer.run():
        pass
    trainer.close()
    return {"resumed_at": start, "finished_at": trainer.num_timesteps, "episodes": trainer.episodes}


def run_chaos(run_dir: Path, kills: int, seed: int = 0, max_delay_s: float = 0.8) -> list[dict]:
    """This file as a script in a fresh interpreter; its results, one dict per line."""
    script = [
        sys.executable,
        __file__,
        str(run_dir),
        "--kills",
        str(kills),
        "--seed",
        str(seed),
        "--max-delay",
        str(max_delay_s),
    ]
    output = subprocess.run(script, capture_output=True, text=True, timeout=300, check=True).stdout
    return [json.loads(line) for line in output.splitlines()]


def tensorboard_returns(run_dir: Path) -> list[tuple[int, float]]:
    """(step, value) of charts/episodic_return as TensorBoard reads it (purges applied)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    return [(e.step, e.value) for e in events.Scalars("charts/episodic_return")]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_sigkill_at_random_moments_never_corrupts_last_pt(tmp_path):
    results = run_chaos(tmp_path, kills=20)
    *kills, final = results
    steps = [r["step"] for r in kills if r["step"] is not None]
    assert [r["error"] for r in kills if r["error"]] == []  # every last.pt on disk loaded
    assert (
        len(steps) >= 15 and steps == sorted(steps) and steps[-1] > steps[0]
    )  # resumed, never went back
    assert (
        sum(r["temp_files"] > 0 for r in kills) >= 3
    )  # many kills landed in the middle of a write
    # one last clean resume: the logs are whole and continue the run
    assert final["finished_at"] == final["resumed_at"] + 256
    rows = list(csv.DictReader((tmp_path / "metrics.csv").open()))
    assert [int(r["episode"]) for r in rows] == list(range(1, final["episodes"] + 1))
    assert [int(r["step"]) for r in rows] == sorted(int(r["step"]) for r in rows)
    from_csv = [(int(r["step"]), float(r["return"])) for r in rows]
    assert tensorboard_returns(tmp_path) == from_csv  # CartPole returns are whole numbers
    assert not list(tmp_path.glob(".*.tmp"))  # what the kills left was cleaned up


def main() -> None:
    """Script mode: the kills, then a clean finish; one JSON line each."""
    parser = argparse.ArgumentParser(description="SIGKILL training children at random moments.")
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-delay", type=float, default=0.8, help="longest a child lives [s]")
    args = parser.parse_args()
    for result in chaos(args.run_dir, args.kills, args.seed, args.max_delay):
        print(json.dumps(result), flush=True)
    print(json.dumps(finish(args.run_dir, 256)), flush=True)


if __name__ == "__main__":
    main()
