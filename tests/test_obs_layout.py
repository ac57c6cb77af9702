"""A race checkpoint records its observation layout; another layout is refused in one line."""

from pathlib import Path

import pytest
import torch

import main
from agent import PPOConfig, TrainConfig, Trainer
from agent.checkpoint import save_checkpoint
from agent.run import RunPlan
from game import make_vector_env
from game.race.sensors import OBS_NAMES, OBS_SIZE

OLD_NAMES = (*OBS_NAMES[:11], "sin heading error", "cos heading error", "lateral offset")
"""The layout before the track's turn ahead was observed."""
CENTRELINE_NAMES = (
    *OLD_NAMES,
    *(f"track turn {ahead} m ahead" for ahead in (10, 20, 40, 70, 100)),
    *OBS_NAMES[19:],
)
"""The layout before the racing line was the car's reference: as many values, read against the
centreline."""


@pytest.fixture(scope="module")
def race_run(tmp_path_factory) -> Path:
    """A race run directory with a last.pt after 64 steps of 2 cars."""
    run_dir = tmp_path_factory.mktemp("race-run")
    config = PPOConfig(n_steps=32, batch_size=64, n_epochs=1, hidden_sizes=(8,))
    train_config = TrainConfig("race", "ppo", 64, num_envs=2, eval_every_steps=0)
    envs = make_vector_env("race", 2)
    trainer = Trainer(RunPlan(train_config, config, run_dir), envs)
    for _ in trainer.run():
        pass
    trainer.close()
    return run_dir


def rewritten(source: Path, target: Path, names: tuple[str, ...] | None, size: int) -> Path:
    """A copy of the checkpoint at `source` claiming another observation layout."""
    payload = torch.load(source, weights_only=True)
    metadata = payload["metadata"]
    metadata["obs_shape"] = [size]
    if names is None:
        del metadata["obs_names"]
    else:
        metadata["obs_names"] = list(names)
    target.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(target, payload)
    return target


def error_of(capsys, *argv: str) -> str:
    assert main.main(list(argv)) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_a_checkpoint_records_the_observation_layout(race_run):
    metadata = torch.load(race_run / "last.pt", weights_only=True)["metadata"]
    assert tuple(metadata["obs_names"]) == OBS_NAMES and metadata["obs_shape"] == [OBS_SIZE]


def test_watching_or_evaluating_another_layout_is_refused_in_one_line(race_run, tmp_path, capsys):
    old = rewritten(race_run / "last.pt", tmp_path / "old.pt", OLD_NAMES, 14)
    for mode in ("eval", "watch"):
        line = error_of(capsys, "--mode", mode, "--checkpoint", str(old))
        assert line == (
            f"main.py: error: {old}: observation layout: expected {OBS_SIZE} values "
            f"('ray -90.0 deg' ... 'racing line 60 m ahead, left'), got 14 values "
            "('ray -90.0 deg' ... 'lateral offset'): trained on another version of the scene's "
            "observation"
        )


def test_the_same_size_read_against_the_centreline_is_refused_naming_the_value(
    race_run, tmp_path, capsys
):
    old = rewritten(race_run / "last.pt", tmp_path / "centreline.pt", CENTRELINE_NAMES, OBS_SIZE)
    line = error_of(capsys, "--mode", "eval", "--checkpoint", str(old))
    assert line == (
        f"main.py: error: {old}: observation layout: expected {OBS_SIZE} values "
        f"('ray -90.0 deg' ... 'racing line 60 m ahead, left'), got {OBS_SIZE} values "
        "('ray -90.0 deg' ... 'racing line 60 m ahead, left'), value 11 'sin heading error' "
        "where 'sin heading error from the racing line' is expected: trained on another "
        "version of the scene's observation"
    )


def test_an_older_checkpoint_without_names_is_taken_at_its_size(race_run, tmp_path, capsys):
    same = rewritten(race_run / "last.pt", tmp_path / "same.pt", None, OBS_SIZE)
    assert main.main(["--mode", "eval", "--checkpoint", str(same), "--episodes", "1"]) == 0
    smaller = rewritten(race_run / "last.pt", tmp_path / "smaller.pt", None, 14)
    line = error_of(capsys, "--mode", "eval", "--checkpoint", str(smaller))
    assert line.endswith(
        f"expected {OBS_SIZE} values ('ray -90.0 deg' ... 'racing line 60 m "
        "ahead, left'), got 14 values: trained on another version of the scene's "
        "observation"
    )


def test_resuming_another_layout_is_refused_in_one_line(race_run, tmp_path, capsys):
    run_dir = tmp_path / "old-run"
    rewritten(race_run / "last.pt", run_dir / "last.pt", OLD_NAMES, 14)
    line = error_of(capsys, "--mode", "train", "--headless", "--resume", str(run_dir))
    assert f"{run_dir / 'last.pt'}: observation layout: expected {OBS_SIZE} values" in line
