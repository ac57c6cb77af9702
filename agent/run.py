"""A training run, resolved once: new or resumed, its configs, where it writes, what it continues.

main.py (headless or live) and bench/ build a `RunPlan` with `new_run` or `resume_run` and hand
it to `Trainer`; nothing else decides "new or resumed", and a resumed run's last.pt is read
exactly once, by `resume_run`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.checkpoint import load_checkpoint, reading
from agent.config import (
    AlgoConfig,
    CloneConfig,
    TrainConfig,
    algo_config_from_dict,
    fit_batch_size,
)
from agent.defaults import default_config
from agent.demo_file import load_demos
from agent.demos import Demonstrations, DemoSpec
from agent.errors import ConfigError
from agent.grid import with_settings
from agent.metrics import CSV_NAME

LAST = "last.pt"
"""The latest training state of a run (written periodically, at the end and on quitting)."""
BEST = "best.pt"
"""The policy with the best periodic evaluation so far."""
DEMOS = "demos.npz"
"""The steps a person drove while the run learned (take-over), as demonstrations."""


@dataclass(frozen=True)
class RunPlan:
    """What a training run is: its configs, where it writes, and (resumed) the state it
    continues."""

    train_config: TrainConfig
    algo_config: AlgoConfig
    run_dir: Path | None = None
    """Where checkpoints and logs go; None writes nothing (tests, bench)."""
    action_names: tuple[str, ...] | None = None
    """One label per action, stored in checkpoints for the HUD."""
    resumed: Mapping[str, Any] | None = None
    """The payload of the last.pt this run continues (read once, by `resume_run`); None = new."""
    obs_layout: tuple[str, ...] | None = None
    """One name per observation column (demonstrations must match it)."""
    clone_config: CloneConfig = field(default_factory=CloneConfig)
    """Learning from demonstrations: the file, the cloning epochs, the take-over term."""
    demos: Demonstrations | None = None
    """The demonstrations to clone before RL (loaded and checked once, here); None = none, or
    already cloned (a resumed run never clones twice)."""

    @property
    def scene(self) -> str:
        """The scene trained on."""
        return self.train_config.scene

    @property
    def algo(self) -> str:
        """ "ppo" or "reinforce"."""
        return self.train_config.algo

    @property
    def num_envs(self) -> int:
        """Envs the run steps together (the vector env must have this many)."""
        return self.train_config.num_envs

    @property
    def demo_spec(self) -> DemoSpec | None:
        """What demonstrations of this run look like (None without a layout and actions)."""
        if self.obs_layout is None or self.action_names is None:
            return None
        return DemoSpec(self.scene, self.obs_layout, self.action_names)


def default_run_dir(scene: str, algo: str) -> Path:
    """runs/<scene>-<algo>-<date>-<time>: a new directory for a new run."""
    return Path("runs") / f"{scene}-{algo}-{datetime.now():%Y%m%d-%H%M%S}"


def new_run(
    scene: str,
    algo: str,
    *,
    live: bool = False,
    seed: int = 0,
    total_timesteps: int | None = None,
    num_envs: int | None = None,
    env_options: Mapping[str, Any] | None = None,
    run_dir: Path | None = None,
    action_names: Sequence[str] | None = None,
    obs_layout: Sequence[str] | None = None,
    demos: str | Path | None = None,
    bc_epochs: int | None = None,
    settings: Mapping[str, Any] | None = None,
) -> RunPlan:
    """A new run from the tuned defaults for `scene` and `algo` (live: the window's) and overrides.

    With `num_envs`, PPO's minibatch shrinks to fit the rollout, so any number of envs works.
    `settings` (field -> value, --set) change any field of TrainConfig or the algorithm's
    config last; ConfigError names a bad one.
    A `run_dir` must be new (no other run's files) and writable; ConfigError otherwise.
    `demos` (a file of this scene's layout and actions: DemoError otherwise) is cloned for
    `bc_epochs` before RL.
    """
    train_config, algo_config = default_config(scene, algo, live, env_options)
    overrides: dict[str, Any] = {"seed": seed}
    if total_timesteps is not None:
        overrides["total_timesteps"] = total_timesteps
    if num_envs is not None:
        overrides["num_envs"] = num_envs
        algo_config = fit_batch_size(algo_config, num_envs)
    clone_config = CloneConfig(demos=None if demos is None else str(demos))
    if bc_epochs is not None:
        clone_config = dataclasses.replace(clone_config, bc_epochs=bc_epochs)
    names = None if action_names is None else tuple(action_names)
    layout = None if obs_layout is None else tuple(obs_layout)
    loaded = None
    if demos is not None:
        spec = None if layout is None or names is None else DemoSpec(scene, layout, names)
        loaded = load_demos(demos, spec)  # a bad file is one line, before the run starts
    train_config = dataclasses.replace(train_config, **overrides)
    if settings:
        try:
            train_config, algo_config = with_settings(train_config, algo_config, settings)
        except ConfigError as error:
            raise ConfigError(f"--set: {error}") from None
    if run_dir is not None:
        check_run_dir(run_dir, resume=False)
    return RunPlan(
        train_config,
        algo_config,
        run_dir,
        names,
        obs_layout=layout,
        clone_config=clone_config,
        demos=loaded,
    )


def resume_run(run_dir: Path, total_timesteps: int | None = None) -> RunPlan:
    """The run in `run_dir`, continued from its last.pt (read here, once) with the run's configs.

    `total_timesteps` may extend the run; CheckpointError names what is wrong with last.pt.
    """
    run_dir = Path(run_dir)
    check_run_dir(run_dir, resume=True)
    path = run_dir / LAST
    payload = load_checkpoint(path)
    metadata = payload["metadata"]
    with reading(path, "metadata", "the run's configs"):
        train_config = TrainConfig(**metadata["train_config"])
        algo_config = algo_config_from_dict(metadata["algo"], dict(metadata["algo_config"]))
        clone_config = CloneConfig(**metadata.get("clone_config", {}))
    if total_timesteps is not None:
        train_config = dataclasses.replace(train_config, total_timesteps=total_timesteps)
    names = None if metadata.get("action_names") is None else tuple(metadata["action_names"])
    layout = None if metadata.get("obs_layout") is None else tuple(metadata["obs_layout"])
    plan = RunPlan(
        train_config,
        algo_config,
        run_dir,
        names,
        payload,
        obs_layout=layout,
        clone_config=clone_config,
    )
    if clone_config.demos is not None and metadata.get("clone") is None:
        # stopped while cloning: clone again (the file is read again, and checked again)
        plan = dataclasses.replace(plan, demos=load_demos(clone_config.demos, plan.demo_spec))
    return plan


def check_run_dir(run_dir: Path, resume: bool) -> None:
    """A new run needs a directory without another run's files; every run needs to write there."""
    flag = "--resume" if resume else "--run-dir"
    if resume and not (run_dir / LAST).is_file():
        raise ConfigError(
            f"--resume: expected a run directory containing {LAST}, got {str(run_dir)!r}"
        )
    if not resume and any((run_dir / name).exists() for name in (LAST, BEST, CSV_NAME)):
        raise ConfigError(
            f"--run-dir: expected a new directory, got {str(run_dir)!r}, which holds a run "
            f"(continue it with --resume, or choose another --run-dir)"
        )
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=run_dir):
            pass
    except OSError as error:
        raise ConfigError(
            f"{flag}: expected a writable directory, got {str(run_dir)!r} "
            f"({error.strerror or type(error).__name__})"
        ) from None
