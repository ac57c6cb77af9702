"""Ctrl+C, SIGTERM and closing the window lose nothing: last.pt and the logs are whole, --resume
continues."""

import csv
import signal
import subprocess
import time
from pathlib import Path

import pytest

from agent import load_checkpoint
from agent.checkpoint import signals_held
from agent.run import RunPlan
from game.launch_train import StopSignals
from test_robust_cli import MAIN_ENV, load_main, main_command


def start_main(*args: str, cwd: Path) -> subprocess.Popen:
    """main.py running in a subprocess, its output captured."""
    return subprocess.Popen(
        main_command(*args),
        cwd=cwd,
        env=MAIN_ENV,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def csv_rows(run_dir: Path) -> list[dict[str, str]]:
    path = run_dir / "metrics.csv"
    return list(csv.DictReader(path.open())) if path.exists() else []


def signal_once_logging(
    process: subprocess.Popen, run_dir: Path, signum: int, rows_beyond: int
) -> str:
    """Wait until more than `rows_beyond` episodes are logged, send `signum`, return stdout."""
    deadline = time.monotonic() + 120
    while len(csv_rows(run_dir)) <= rows_beyond:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "training never logged an episode"
        time.sleep(0.2)
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err
    return out


def check_run(run_dir: Path) -> tuple[int, list[dict[str, str]]]:
    """last.pt loads, and the logs hold exactly its episodes, in order: its step and the rows."""
    metadata = load_checkpoint(run_dir / "last.pt")["metadata"]
    rows = csv_rows(run_dir)
    assert [int(r["episode"]) for r in rows] == list(range(1, metadata["episodes"] + 1))
    steps = [int(r["step"]) for r in rows]
    assert steps == sorted(steps) and steps[-1] <= metadata["num_timesteps"]
    return metadata["num_timesteps"], rows


def test_sigterm_then_ctrl_c_in_headless_training_then_resume(tmp_path):
    run_dir = tmp_path / "run"
    first = start_main(
        "--headless",
        "--scene",
        "cartpole",
        "--steps",
        "100000000",
        "--run-dir",
        str(run_dir),
        cwd=tmp_path,
    )
    out = signal_once_logging(first, run_dir, signal.SIGTERM, rows_beyond=10)
    assert (
        f"stopped by SIGTERM: last.pt and the logs are written; continue with --resume {run_dir}"
        in out
    )
    stopped_at, rows_before = check_run(run_dir)
    assert stopped_at > 0

    second = start_main(
        "--resume", str(run_dir), "--headless", "--steps", "100000000", cwd=tmp_path
    )
    out = signal_once_logging(second, run_dir, signal.SIGINT, rows_beyond=len(rows_before) + 10)
    assert "stopped by SIGINT" in out
    resumed_to, rows = check_run(run_dir)
    assert resumed_to > stopped_at
    assert rows[: len(rows_before)] == rows_before  # the same curve, continued
    assert int(rows[len(rows_before)]["step"]) > stopped_at


def test_sigterm_in_live_training_closes_the_window_and_saves_then_resume(tmp_path, capsys):
    run_dir = tmp_path / "run"
    live = start_main(
        "--scene", "cartpole", "--speed", "max", "--run-dir", str(run_dir), cwd=tmp_path
    )
    out = signal_once_logging(live, run_dir, signal.SIGTERM, rows_beyond=3)
    stopped_at, rows_before = check_run(run_dir)
    assert (
        f"saved {run_dir / 'last.pt'} after {stopped_at:,} steps; continue with --resume {run_dir}"
        in out
    )
    assert "stopped by SIGTERM" in out
    # closing the window (here: after 40 frames) during the resumed run saves and continues the
    # curve
    assert load_main().main(["--resume", str(run_dir), "--speed", "max", "--frames", "40"]) == 0
    assert f"continue with --resume {run_dir}" in capsys.readouterr().out
    resumed_to, rows = check_run(run_dir)
    assert resumed_to > stopped_at and rows[: len(rows_before)] == rows_before


def test_first_signal_asks_to_stop_a_second_interrupts(monkeypatch):
    stop = StopSignals()
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with stop:
        # raise_signal delivers in this thread and runs the handler before returning (os.kill
        # could land on a numba or torch thread and be handled later)
        signal.raise_signal(signal.SIGTERM)
        assert stop.requested() and stop.received == signal.SIGTERM
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before  # restored


def test_a_checkpoint_write_is_not_cut_short_by_ctrl_c():
    finished = False
    # Python's own Ctrl-C handler, whatever this process inherited: a shell that starts a job in
    # the background without job control makes it ignore SIGINT, and Python keeps that
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with signals_held():
                signal.raise_signal(
                    signal.SIGINT
                )  # delivered in this thread, its handler run before returning
                finished = True  # still running: the signal waits for the block's end
    finally:
        signal.signal(signal.SIGINT, previous)
    assert finished


def test_last_pt_is_written_every_minute_whatever_the_step_schedule(tmp_path, monkeypatch):
    """A power cut loses at most CHECKPOINT_EVERY_S of training, even between step-based
    checkpoints."""
    import game
    from agent import PPOConfig, TrainConfig, Trainer
    from agent import trainer as trainer_module

    monkeypatch.setattr(trainer_module, "CHECKPOINT_EVERY_S", 0.0)  # a minute passes at every step
    config = TrainConfig(
        "cartpole", "ppo", 10**6, num_envs=4, eval_every_steps=0, checkpoint_every_steps=10**6
    )
    trainer = Trainer(
        RunPlan(config, PPOConfig(n_steps=32, batch_size=64), tmp_path),
        game.make_vector_env("cartpole", 4),
    )
    run = trainer.run()
    for _ in range(10):
        next(run)
    assert (
        load_checkpoint(tmp_path / "last.pt")["metadata"]["num_timesteps"] == 9 * 4
    )  # written after each step
    run.close()


def test_ctrl_c_outside_training_is_one_line_and_exit_code_130(monkeypatch, capsys):
    main = load_main()

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(main, "run", interrupted)
    assert main.main(["--mode", "eval", "--random"]) == 130
    assert capsys.readouterr().err == "main.py: interrupted\n"
