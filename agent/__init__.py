"""The learners: REINFORCE and PPO over Gymnasium vector envs; pure torch and numpy, no pygame."""

from agent.checkpoint import (
    FORMAT_VERSION,
    load_checkpoint,
    load_policy,
    policy_from_checkpoint,
    save_checkpoint,
)
from agent.config import (
    ALGOS,
    LearnerConfig,
    PPOConfig,
    ReinforceConfig,
    TrainConfig,
    default_config,
)
from agent.errors import CheckpointError, ConfigError
from agent.evaluate import EvalReport, EvalResult, evaluate, run_evaluation
from agent.guard import TrainingStopped
from agent.headless import TrainSummary, train_headless
from agent.learner import UpdateReport, UpdateStats
from agent.policy import Policy, PolicyOutput
from agent.episodes import EnvStepReport, EpisodeStepper, FinishedEpisode
from agent.run import RunPlan, new_run, resume_run
from agent.trainer import Report, Trainer

__all__ = [
    "ALGOS",
    "FORMAT_VERSION",
    "CheckpointError",
    "ConfigError",
    "EnvStepReport",
    "EpisodeStepper",
    "EvalReport",
    "EvalResult",
    "FinishedEpisode",
    "LearnerConfig",
    "PPOConfig",
    "Policy",
    "PolicyOutput",
    "ReinforceConfig",
    "Report",
    "RunPlan",
    "TrainConfig",
    "TrainSummary",
    "Trainer",
    "TrainingStopped",
    "UpdateReport",
    "UpdateStats",
    "default_config",
    "evaluate",
    "load_checkpoint",
    "load_policy",
    "new_run",
    "policy_from_checkpoint",
    "resume_run",
    "run_evaluation",
    "save_checkpoint",
    "train_headless",
]
