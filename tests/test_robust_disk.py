"""A full disk or a read-only run directory: one clear line, training stops, the last good
checkpoint stays."""

import errno
import io
import os
import re
import tempfile
from pathlib import Path

import pytest

import game
from agent import PPOConfig, TrainConfig, Trainer, load_checkpoint
from agent.guard import TrainingStopped
from agent.run import RunPlan, resume_run
from test_robust_cli import load_main

# TensorBoard's writer thread writes to the same full disk: its error must not escape as a traceback
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
STOPPED = re.compile(
    r": write: expected a writable run directory with free space, got '(?P<why>[^']+)'; "
    r"training stopped at step [\d,]+, "
    r"the last good checkpoint is (?P<path>\S+) \(step (?P<step>[\d,]+)\)$"
)


class Disk:
    """A disk whose free space can run out: files opened for writing count their bytes against
    it."""

    def __init__(self) -> None:
        self.free_bytes = float("inf")

    def fill(self) -> None:
        self.free_bytes = 0


class OnDisk:
    """A file whose writes fail with ENOSPC once its disk is full (everything else passes
    through)."""

    def __init__(self, handle, disk: Disk):
        self._handle = handle
        self._disk = disk

    def write(self, data):
        if len(data) > self._disk.free_bytes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._disk.free_bytes -= len(data)
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._handle.close()


@pytest.fixture
def disk(monkeypatch) -> Disk:
    """Every file this process opens for writing (checkpoints, metrics.csv) is on `disk`."""
    disk = Disk()
    real_open = io.open

    def open_on_disk(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return OnDisk(handle, disk) if set(mode) & set("wax+") else handle

    monkeypatch.setattr(io, "open", open_on_disk)  # os.fdopen and Path.open call io.open
    return disk


def read_only(*args, **kwargs):
    """What creating a file in a read-only run directory does."""
    raise OSError(errno.EROFS, os.strerror(errno.EROFS))


def cartpole_trainer(run_dir: Path) -> Trainer:
    train_config = TrainConfig(
        "cartpole", "ppo", 100_000, num_envs=4, eval_every_steps=0, checkpoint_every_steps=256
    )
    return Trainer(
        RunPlan(train_config, PPOConfig(n_steps=32, batch_size=64), run_dir),
        game.make_vector_env("cartpole", 4),
    )


def train_until(run, trainer: Trainer, steps: int) -> None:
    for _ in run:
        if trainer.num_timesteps >= steps:
            return


def assert_stopped_keeping(error: TrainingStopped, run_dir: Path, why: str, step: int) -> None:
    """The one line says why, and names last.pt at `step`, which is on disk, whole and alone."""
    message = str(error)
    found = STOPPED.search(message)
    assert "\n" not in message and found, message
    assert (
        found["why"] == why
        and found["path"] == str(run_dir / "last.pt")
        and found["step"] == f"{step:,}"
    )
    assert load_checkpoint(run_dir / "last.pt")["metadata"]["num_timesteps"] == step
    assert not [p for p in run_dir.iterdir() if p.name.endswith(".tmp")]


def test_disk_full_stops_training_and_keeps_the_last_good_checkpoint(tmp_path, disk, monkeypatch):
    trainer = cartpole_trainer(tmp_path)
    run = trainer.run()
    train_until(run, trainer, 600)  # checkpoints at 256 and 512
    disk.fill()
    with pytest.raises(TrainingStopped) as stopped:
        train_until(run, trainer, 100_000)
    before = (tmp_path / "last.pt").read_bytes()
    trainer.close()  # nothing more is written, and nothing is raised twice
    assert (tmp_path / "last.pt").read_bytes() == before
    assert_stopped_keeping(stopped.value, tmp_path, "No space left on device", 512)
    monkeypatch.undo()  # space is freed: the run continues from the kept checkpoint
    resumed = Trainer(resume_run(tmp_path, 1024), game.make_vector_env("cartpole", 4))
    assert resumed.num_timesteps == 512
    for _ in resumed.run():
        pass
    resumed.close()
    assert load_checkpoint(tmp_path / "last.pt")["metadata"]["num_timesteps"] == 1024


def test_read_only_run_directory_mid_run(tmp_path, monkeypatch):
    trainer = cartpole_trainer(tmp_path)
    run = trainer.run()
    train_until(run, trainer, 300)  # a checkpoint at 256

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(TrainingStopped) as stopped:
        train_until(run, trainer, 100_000)
    trainer.close()
    assert str(stopped.value).startswith(f"{tmp_path / 'last.pt'}: write: ")
    assert_stopped_keeping(stopped.value, tmp_path, "Read-only file system", 256)


def test_main_refuses_a_read_only_run_directory_up_front(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    run_dir = tmp_path / "run"
    code = load_main().main(["--headless", "--scene", "cartpole", "--run-dir", str(run_dir)])
    assert code == 2
    assert capsys.readouterr().err == (
        f"main.py: error: --run-dir: expected a writable directory, got {str(run_dir)!r} "
        "(Read-only file system)\n"
    )


def test_main_on_a_full_disk_says_so_in_one_line_with_exit_code_1(tmp_path, disk, capsys):
    disk.fill()
    code = load_main().main(["--headless", "--scene", "cartpole", "--run-dir", str(tmp_path)])
    assert code == 1
    err = capsys.readouterr().err  # the progress bar, then one line
    last_line = err.rstrip("\n").rsplit("\n", 1)[-1]
    assert "Traceback" not in err and last_line.startswith(
        f"main.py: error: {tmp_path / 'metrics.csv'}: write: "
    )
    assert last_line.endswith(
        "got 'No space left on device'; training stopped at step 0, no checkpoint was written"
    )
