"""What a training checkpoint holds (weights, optimiser, random generators, counters and the
run's configs as plain metadata), taken from a Trainer and given back to one on --resume."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from agent.checkpoint import check_observation_layout, reading, restore_policy
from agent.clone import CloneResult
from agent.errors import CheckpointError

if TYPE_CHECKING:
    from agent.trainer import Trainer


def training_payload(trainer: Trainer) -> dict[str, Any]:
    """Everything `restore_training` needs to continue `trainer`'s run exactly."""
    plan, policy = trainer.plan, trainer.policy
    metadata = {
        "scene": trainer.train_config.scene,
        "algo": trainer.train_config.algo,
        "obs_shape": list(trainer.obs_shape),
        "obs_names": None if trainer.obs_names is None else list(trainer.obs_names),
        "n_actions": trainer.n_actions,
        "action_names": None if plan.action_names is None else list(plan.action_names),
        "train_config": dataclasses.asdict(trainer.train_config),
        "algo_config": dataclasses.asdict(trainer.algo_config),
        "num_timesteps": trainer.num_timesteps,
        "episodes": trainer.episodes,
        "updates": trainer.updates,
        "best_eval_mean": trainer.best_eval_mean,
        "wall_s": trainer.wall_s,
        "obs_layout": None if plan.obs_layout is None else list(plan.obs_layout),
        "clone_config": dataclasses.asdict(plan.clone_config),
        "clone": None if trainer.clone_result is None else trainer.clone_result._asdict(),
        "torch_threads": torch.get_num_threads(),
        "torch_version": str(torch.__version__),
    }
    value_optimizer = trainer.learner.value_optimizer
    value_history = trainer.learner.value_history
    evaluated = trainer.evaluated_policy
    return {
        "metadata": metadata,
        "model": policy.model.state_dict(),
        "average": None if evaluated is policy else evaluated.model.state_dict(),
        "optimizer": trainer.learner.optimizer.state_dict(),
        "value_optimizer": None if value_optimizer is None else value_optimizer.state_dict(),
        "value_history": None if value_history is None else [list(b) for b in value_history],
        "obs_rms": None if policy.obs_rms is None else policy.obs_rms.state_dict(),
        "rng": {"torch": torch.get_rng_state(), "numpy": policy.rng.bit_generator.state},
    }


def restore_training(trainer: Trainer, path: Path, payload: dict[str, Any]) -> None:
    """Give `trainer` back everything `training_payload` took (the payload of `path`, read)."""
    metadata = payload["metadata"]
    check_observation_layout(path, metadata, trainer.obs_names)
    if tuple(metadata["obs_shape"]) != trainer.obs_shape:
        raise CheckpointError(
            f"{path}: obs_shape: expected {trainer.obs_shape}, got {tuple(metadata['obs_shape'])}"
        )
    restore_policy(path, payload, trainer.policy)
    if trainer.evaluated_policy is not trainer.policy:
        restore_policy(path, payload, trainer.evaluated_policy, "average")
    with reading(path, "training state", "a resumable run"):
        trainer.learner.optimizer.load_state_dict(payload["optimizer"])
        value_optimizer = trainer.learner.value_optimizer
        if value_optimizer is not None:
            value_optimizer.load_state_dict(payload["value_optimizer"])
        value_history = trainer.learner.value_history
        if value_history is not None:  # absent from checkpoints older than value_batches
            value_history.extend(tuple(b) for b in payload.get("value_history") or ())
        torch.set_rng_state(payload["rng"]["torch"])
        trainer.policy.rng.bit_generator.state = payload["rng"]["numpy"]
        trainer.num_timesteps = int(metadata["num_timesteps"])
        trainer.episodes = int(metadata["episodes"])
        trainer.updates = int(metadata["updates"])
    trainer.best_eval_mean = metadata.get("best_eval_mean")
    trainer.wall_s_before = float(metadata.get("wall_s", 0.0))
    clone = metadata.get("clone")
    with reading(path, "clone", "what cloning did"):
        trainer.clone_result = None if clone is None else CloneResult(**clone)
