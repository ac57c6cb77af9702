"""Checkpoints: round trips, atomic writes, and one clear line for every unusable file."""

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

import game
from agent import (
    CheckpointError,
    PPOConfig,
    ReinforceConfig,
    TrainConfig,
    Trainer,
    load_checkpoint,
    load_policy,
)
from agent.checkpoint import save_checkpoint
from agent.run import LAST, RunPlan, resume_run


@pytest.fixture
def checkpoint(tmp_path) -> Path:
    """A CartPole PPO checkpoint after a few hundred steps, with observation normalisation."""
    envs = game.make_vector_env("cartpole", 2)
    config = PPOConfig(
        n_steps=64, batch_size=64, n_epochs=1, normalize_obs=True, hidden_sizes=(16,)
    )
    train_config = TrainConfig("cartpole", "ppo", 256, num_envs=2, eval_every_steps=0)
    trainer = Trainer(RunPlan(train_config, config, None, ("push left", "push right")), envs)
    for _ in trainer.run():
        pass
    path = tmp_path / "run" / "model.pt"
    trainer.save(path)
    envs.close()
    return path


OBS = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)


def one_line_error(path, **kwargs) -> str:
    with pytest.raises(CheckpointError) as caught:
        load_policy(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


def test_round_trip_reproduces_action_probabilities(checkpoint):
    payload = torch.load(checkpoint, weights_only=True)  # plain data only
    policy, metadata = load_policy(checkpoint, expect_scene="cartpole")
    assert metadata["scene"] == "cartpole" and metadata["algo"] == "ppo"
    assert metadata["obs_shape"] == [4] and metadata["n_actions"] == 2
    assert metadata["action_names"] == ["push left", "push right"]
    assert metadata["num_timesteps"] == 256 and metadata["torch_threads"] == 1
    assert metadata["algo_config"]["hidden_sizes"] == (16,)
    assert payload["obs_rms"]["count"] > 256
    np.testing.assert_allclose(policy.obs_rms.mean, np.asarray(payload["obs_rms"]["mean"]))
    reloaded, _ = load_policy(checkpoint)
    np.testing.assert_array_equal(policy.act(OBS).probs, reloaded.act(OBS).probs)


def test_round_trip_matches_the_trained_policy(tmp_path):
    envs = game.make_vector_env("cartpole", 2)
    config = PPOConfig(n_steps=32, batch_size=64, normalize_obs=True)
    trainer = Trainer(
        RunPlan(TrainConfig("cartpole", "ppo", 128, num_envs=2, eval_every_steps=0), config), envs
    )
    for _ in trainer.run():
        pass
    trainer.save(tmp_path / "a.pt")
    policy, _ = load_policy(tmp_path / "a.pt")
    np.testing.assert_array_equal(policy.act(OBS).probs, trainer.policy.act(OBS).probs)
    np.testing.assert_array_equal(policy.act(OBS).value, trainer.policy.act(OBS).value)


def test_interrupted_save_leaves_the_old_file_loadable(checkpoint, monkeypatch):
    before = load_checkpoint(checkpoint)["metadata"]["num_timesteps"]

    def crash(*args):
        raise OSError("power cut between the temp write and the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save_checkpoint(checkpoint, {"metadata": {}, "model": {}})
    monkeypatch.undo()
    assert load_checkpoint(checkpoint)["metadata"]["num_timesteps"] == before
    assert sorted(p.name for p in checkpoint.parent.iterdir()) == ["model.pt"]  # no temp left


def test_truncated_empty_and_garbage_files(checkpoint, tmp_path):
    data = checkpoint.read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(data[: len(data) // 2])
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(os.urandom(3000))
    for path in (truncated, empty, garbage, tmp_path / "missing.pt", tmp_path):
        one_line_error(path)


def test_foreign_payloads(tmp_path):
    plain = tmp_path / "plain.pt"
    torch.save([1, 2, 3], plain)
    assert "keys" in one_line_error(plain)
    state_dict_only = tmp_path / "weights.pt"
    torch.save({"weight": torch.zeros(2)}, state_dict_only)
    one_line_error(state_dict_only)


def test_other_scene_and_other_format_version(checkpoint, tmp_path):
    message = one_line_error(checkpoint, expect_scene="lunar")
    assert "scene: expected 'lunar', got 'cartpole'" in message
    payload = torch.load(checkpoint, weights_only=True)
    payload["format_version"] = 99
    future = tmp_path / "future.pt"
    torch.save(payload, future)
    assert "format_version: expected 1, got 99" in one_line_error(future)


def test_mismatched_weights(checkpoint, tmp_path):
    payload = torch.load(checkpoint, weights_only=True)
    payload["metadata"]["algo_config"]["hidden_sizes"] = (8,)
    other = tmp_path / "other.pt"
    torch.save(payload, other)
    assert "model" in one_line_error(other)


class Exploit:
    """Unpickling this would run a shell command."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("writer", ["torch", "pickle"])
def test_code_running_pickle_is_refused(tmp_path, writer):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    payload = {"format_version": 1, "metadata": Exploit(marker), "model": {}}
    if writer == "torch":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload))
    one_line_error(path)
    assert not marker.exists()


def test_checkpoints_get_the_usual_file_permissions(tmp_path):
    import os
    import stat

    from agent.checkpoint import save_checkpoint

    mask = os.umask(0o022)
    try:
        save_checkpoint(tmp_path / "ckpt.pt", {"metadata": {"scene": "cartpole"}})
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "ckpt.pt").stat().st_mode) == 0o644


def test_an_averaging_run_is_watched_as_its_average_and_resumes_both_weights(tmp_path):
    config = ReinforceConfig(
        episodes_per_update=2, hidden_sizes=(8,), normalize_obs=True, average_updates=4
    )
    train_config = TrainConfig("cartpole", "reinforce", 600, num_envs=2, eval_every_steps=0)
    trainer = Trainer(RunPlan(train_config, config, tmp_path), game.make_vector_env("cartpole", 2))
    for _ in trainer.run():
        pass
    trainer.close()
    assert trainer.updates > 4
    policy, _ = load_policy(tmp_path / LAST)
    np.testing.assert_array_equal(policy.act(OBS).probs, trainer.evaluated_policy.act(OBS).probs)
    assert not np.allclose(policy.act(OBS).probs, trainer.policy.act(OBS).probs)
    resumed = Trainer(resume_run(tmp_path, 1200), game.make_vector_env("cartpole", 2))
    for first, again in (
        (trainer.policy, resumed.policy),
        (trainer.evaluated_policy, resumed.evaluated_policy),
    ):
        assert torch.equal(first.model.flat_parameters, again.model.flat_parameters)
    assert resumed.evaluated_policy.obs_rms is resumed.policy.obs_rms
    resumed.close()
