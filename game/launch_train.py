"""--mode train: the run the flags ask for, resolved once, trained headless (a progress bar)
or live in the window; Ctrl+C and SIGTERM stop it cleanly."""

from __future__ import annotations

import argparse
import contextlib
import signal
from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
from gymnasium.vector import VectorEnv

from game.errors import DisplayError, UsageError
from game.launch_options import app_config, check_scene, env_options, evaluation_options
from game.scenes import make_env, make_vector_env, scene_spec


class StopSignals:
    """Ctrl+C and SIGTERM while training: the first stops it cleanly, a second one at once.

    The first asks the loop to stop at its next step (headless) or closes the window (live, via
    `on_first`); either way last.pt and the logs are written. The handlers are restored on exit.
    """

    def __init__(self, on_first: Callable[[], None] | None = None):
        self.on_first = on_first
        self.received: int | None = None
        """The first signal received, if any."""

    def __enter__(self) -> StopSignals:
        self._previous = {
            sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        return self

    def __exit__(self, *exc_info: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: object) -> None:
        if self.received is not None:
            raise KeyboardInterrupt
        self.received = signum
        if self.on_first is not None:
            self.on_first()

    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self.received is not None


def close_window() -> None:
    """Close the window as its close button does (the live trainer saves first)."""
    import pygame

    if not pygame.display.get_init():
        raise KeyboardInterrupt  # no window yet, so no training to save either
    pygame.event.post(pygame.event.Event(pygame.QUIT))


def plan_run(args: argparse.Namespace):
    """The training run the flags ask for, resolved once: --resume's (its last.pt read here) or a
    new one."""
    from agent.grid import parse_settings
    from agent.run import default_run_dir, new_run, resume_run

    if args.resume is not None:
        plan = resume_run(args.resume, args.steps)
        check_scene(args, {"scene": plan.scene}, "--resume")
        if args.algo is not None and args.algo != plan.algo:
            raise UsageError(
                f"--resume: expected a run of --algo {args.algo}, got one of {plan.algo!r}"
            )
        return plan
    scene = check_scene(args, None, "--resume")
    algo = args.algo or "ppo"
    return new_run(
        scene,
        algo,
        live=not args.headless,
        seed=args.seed,
        total_timesteps=args.steps,
        num_envs=args.envs,
        env_options=env_options(args, scene, None),
        run_dir=args.run_dir or default_run_dir(scene, algo),
        action_names=scene_spec(scene).action_names,
        obs_layout=scene_spec(scene).obs_names,
        demos=args.demos,
        bc_epochs=args.bc_epochs,
        settings=parse_settings(algo, args.set),
    )


def run_train(args: argparse.Namespace) -> int:
    """Train headless (progress bar) or live in the window; checkpoints and logs go to the run
    dir."""
    plan = plan_run(args)
    scene, options, run_dir = plan.scene, plan.train_config.env_options, plan.run_dir

    def make_envs(n: int) -> VectorEnv:
        return make_vector_env(scene, n, render_first=not args.headless, **options)

    def make_eval_env() -> gym.Env:
        return make_env(scene, **evaluation_options(options))

    tensorboard = f"run directory: {run_dir}  (tensorboard --logdir {run_dir.parent})"
    if args.headless:
        from agent.headless import train_headless

        print(tensorboard)
        with StopSignals() as stop:
            summary = train_headless(plan, make_envs, make_eval_env, stop_requested=stop.requested)
        if summary.clone is not None:
            print(cloned(summary.clone))
        print(
            f"trained {summary.num_timesteps:,} steps, {summary.episodes:,} episodes "
            f"in {summary.wall_s:.1f} s"
        )
        if summary.last_eval is not None:
            print(f"last evaluation: {summary.last_eval.summary()}")
        print(f"checkpoints: {run_dir / 'last.pt'}, {run_dir / 'best.pt'}")
        return interrupted(stop, run_dir) if summary.interrupted else 0
    from agent.trainer import Trainer
    from game import session
    from game.app import FREEZE_S

    trainers: list[Trainer] = []

    def make_trainer() -> Trainer:
        print(tensorboard)  # only once the window is open
        trainers.append(Trainer(plan, make_envs(plan.num_envs), make_eval_env))
        return trainers[0]

    try:
        with StopSignals(close_window) as stop:
            app = session.train(make_trainer, app_config(args, "8"), args.frames)
    except DisplayError:
        if args.resume is None:
            # a window that never opened leaves no empty run directory (nor an empty runs/)
            for directory in (run_dir, run_dir.parent) if args.run_dir is None else (run_dir,):
                with contextlib.suppress(OSError):
                    directory.rmdir()
        raise
    if trainers[0].clone_result is not None:
        print(cloned(trainers[0].clone_result))
    if app.mode.first_lap_s is not None:
        print(f"first lap after {app.mode.first_lap_s:.1f} s")
    print(
        f"window: {app.frames:,} frames, the slowest took {1000 * app.slowest_frame_s:.0f} ms "
        f"({app.freezes} over {1000 * FREEZE_S:.0f} ms)"
    )
    print(
        f"saved {run_dir / 'last.pt'} after {trainers[0].num_timesteps:,} steps; "
        f"continue with --resume {run_dir}"
    )
    return interrupted(stop, run_dir) if stop.requested() else 0


def cloned(result) -> str:
    """What behaviour cloning did, in one line."""
    return (
        f"cloned {result.steps:,} demonstrated steps ({result.episodes} episodes) for "
        f"{result.epochs} epochs: the clone agrees with the demonstrator on "
        f"{100 * result.accuracy:.1f}% of them"
    )


def interrupted(stop: StopSignals, run_dir: Path) -> int:
    """Say that training was stopped by a signal and how to continue; the exit code is 128 +
    signal."""
    signum = stop.received or signal.SIGINT
    print(
        f"stopped by {signal.Signals(signum).name}: last.pt and the logs are written; "
        f"continue with --resume {run_dir}"
    )
    return 128 + signum
