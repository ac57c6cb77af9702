"""The learners: REINFORCE and PPO over Gymnasium vector envs; pure torch and numpy, no pygame.

The names below load their module on first use (PEP 562), so importing one light submodule
(agent.demos, agent.errors, agent.files) never loads torch: main.py checks its flags first.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ALGOS": "agent.config",
    "CheckpointError": "agent.errors",
    "ConfigError": "agent.errors",
    "EnvStepReport": "agent.episodes",
    "EpisodeStepper": "agent.episodes",
    "EvalReport": "agent.evaluation",
    "EvalResult": "agent.evaluation",
    "FORMAT_VERSION": "agent.checkpoint",
    "FinishedEpisode": "agent.episodes",
    "LearnerConfig": "agent.config",
    "PPOConfig": "agent.config",
    "Policy": "agent.policy",
    "PolicyOutput": "agent.policy",
    "ReinforceConfig": "agent.config",
    "Report": "agent.trainer",
    "RunPlan": "agent.run",
    "TrainConfig": "agent.config",
    "TrainSummary": "agent.headless",
    "Trainer": "agent.trainer",
    "TrainingStopped": "agent.guard",
    "UpdateReport": "agent.learner",
    "UpdateStats": "agent.learner",
    "default_config": "agent.defaults",
    "evaluate": "agent.evaluation",
    "load_checkpoint": "agent.checkpoint",
    "load_policy": "agent.checkpoint",
    "new_run": "agent.run",
    "policy_from_checkpoint": "agent.checkpoint",
    "resume_run": "agent.run",
    "run_evaluation": "agent.evaluation",
    "save_checkpoint": "agent.checkpoint",
    "train_headless": "agent.headless",
}
"""Public name -> the module that defines it."""

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load a public name's module when the name is first used."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
