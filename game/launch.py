"""What each mode does once main.py has checked the flags: train, watch, play or eval (sweep and
plot: game/experiments.py)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
from agent.demos import plural
from gymnasium.vector import VectorEnv

from game.errors import DisplayError, UsageError
from game.race.track_choice import HELD_OUT, RANDOM
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


@dataclasses.dataclass(frozen=True)
class Target:
    """What the flags resolve to: the scene, the checkpoint read (if any), and the env's options."""

    scene: str
    checkpoint: dict[str, Any] | None
    """The payload of --checkpoint (or of the scene's shipped agent), read once."""
    options: dict[str, Any]
    """Options the scene's env is made with (the race track)."""
    checkpoint_path: Path | None = None
    """Where `checkpoint` was read from."""


def run(args: argparse.Namespace) -> int:
    """Dispatch to the mode (the flags have been checked)."""
    if args.mode == "edit":
        return run_edit(args)
    if args.mode == "train":
        return run_train(args)
    if args.mode in ("sweep", "plot"):
        from game import experiments

        return experiments.run_sweep(args) if args.mode == "sweep" else experiments.run_plot(args)
    target = resolve(args)
    if args.mode == "eval":
        return run_eval(args, target)
    return run_drive(args, target)


def resolve(args: argparse.Namespace) -> Target:
    """The scene (--scene, or the checkpoint's, or race), the checkpoint, and the env options."""
    if args.track is not None and args.scene in (None, "race"):
        from game.race.track_choice import parse_track_choice

        parse_track_choice(args.track, "--track")  # a bad choice first, before any checkpoint
    path = args.checkpoint or shipped_agent(args)
    checkpoint = None
    if path is not None:
        from agent.checkpoint import check_observation_layout, load_checkpoint

        checkpoint = load_checkpoint(path)
    stored = None if checkpoint is None else checkpoint["metadata"]
    scene = check_scene(args, stored, "--checkpoint")
    if checkpoint is not None:
        check_observation_layout(path, checkpoint["metadata"], scene_spec(scene).obs_names)
    # the shipped agent drives the track asked for (default: the default track), not its own
    own = stored if args.checkpoint is not None else None
    return Target(scene, checkpoint, env_options(args, scene, own), path)


def shipped_agent(args: argparse.Namespace) -> Path | None:
    """The scene's shipped agent, when watch, play or eval name no other driver (and play is not
    --solo)."""
    if args.driver or args.random or args.solo or args.mode not in ("watch", "play", "eval"):
        return None
    return scene_spec(args.scene or "race").shipped_checkpoint


def check_scene(args: argparse.Namespace, stored: dict[str, Any] | None, flag: str) -> str:
    """--scene, or the stored run's scene (which --scene must then match), or race."""
    if stored is None:
        return args.scene or "race"
    if args.scene is not None and args.scene != stored["scene"]:
        raise UsageError(
            f"{flag}: expected a run of --scene {args.scene}, got one of {stored['scene']!r}"
        )
    return stored["scene"]


def env_options(
    args: argparse.Namespace, scene: str, stored: dict[str, Any] | None
) -> dict[str, Any]:
    """The env's options: the stored run's, with --track on top (checked at once: one line if
    bad)."""
    options = dict((stored or {}).get("train_config", {}).get("env_options") or {})
    if args.track is not None:
        if scene != "race":
            raise UsageError(f"--track: expected only with the race scene, got the {scene} scene")
        from game.race.track_choice import parse_track_choice

        parse_track_choice(args.track, "--track")  # a bad choice is one line, before anything
        options["track"] = args.track
    return evaluation_options(options) if args.mode in ("eval", "watch", "play") else options


def evaluation_options(options: dict[str, Any]) -> dict[str, Any]:
    """Where a run's driving is shown and scored: from the start line, with the track's own time
    limit (no training-only options), and on the held-out tracks for `--track random` (the
    tracks training never draws)."""
    from agent.config import TRAINING_ONLY_OPTIONS

    shown = {key: value for key, value in options.items() if key not in TRAINING_ONLY_OPTIONS}
    if shown.get("track") == RANDOM:
        shown["track"] = HELD_OUT
    return shown


def held_out_options(options: dict[str, Any]) -> dict[str, Any] | None:
    """A sweep's evaluation options: evaluation_options for `--track random`, else None
    (evaluate where training drives)."""
    return evaluation_options(options) if options.get("track") == RANDOM else None


def app_config(args: argparse.Namespace, default_speed: str):
    """The window's settings from the flags."""
    from game.app import AppConfig

    speed = args.speed or default_speed
    return AppConfig(
        speed=math.inf if speed == "max" else float(speed),
        record=args.record,
        screenshot_on_exit=args.screenshot,
    )


def run_eval(args: argparse.Namespace, target: Target) -> int:
    """Evaluate a checkpoint (or a random policy, or the race's scripted driver) and print the
    scores."""
    from agent.checkpoint import policy_from_checkpoint
    from agent.evaluation import evaluate

    scene, options = target.scene, target.options
    recorder = demo_recorder(args, target)
    if args.driver:
        from game.baseline import evaluate_driver

        result = evaluate_driver(options, args.episodes, args.seed, recorder)
        who = "scripted driver"
    else:
        policy = (
            None
            if args.random
            else policy_from_checkpoint(target.checkpoint_path, target.checkpoint)
        )
        result = evaluate(
            policy,
            lambda: make_env(scene, **options),
            episodes=args.episodes,
            seed=args.seed,
            deterministic=not args.sample,
            recorder=recorder,
        )
        who = "random policy" if args.random else str(target.checkpoint_path)
    if recorder is not None:
        recorder.flush()
        print(recorded(recorder), file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps({"scene": scene, "policy": who, **result.to_json_dict()}))
        return 0
    print(f"{scene_spec(scene).title}, {who}, {result.episodes} episodes ({result.wall_s:.1f} s)")
    print(result.summary())
    print(f"Mean episode length {result.mean_length:.1f} steps")
    if result.mean_laps is not None:
        best = "-" if result.best_lap_s is None else f"{result.best_lap_s:.2f} s"
        mean = "-" if result.mean_lap_s is None else f"{result.mean_lap_s:.2f} s"
        print(f"Mean laps {result.mean_laps:.2f}, best lap {best}, mean best lap {mean}")
    return 0


def run_edit(args: argparse.Namespace) -> int:
    """The track editor in a window (game/editor)."""
    from game.editor.launch import edit

    edit(args.track, app_config(args, "1"), args.frames)
    return 0


def run_drive(args: argparse.Namespace, target: Target) -> int:
    """Play, watch a trained policy (on --envs cars), or race it (play with --checkpoint)."""
    from game import session

    policy, algo = None, None
    if target.checkpoint is not None:
        from agent.checkpoint import policy_from_checkpoint

        policy, algo = (
            policy_from_checkpoint(target.checkpoint_path, target.checkpoint),
            target.checkpoint["metadata"]["algo"],
        )
    recorder = demo_recorder(args, target)
    session.drive(
        target.scene,
        target.options,
        app_config(args, "1"),
        cars=args.envs or 1,
        human=args.mode == "play",
        policy=policy,
        scripted=args.driver,
        algo=algo,
        greedy=args.greedy,
        seed=args.seed,
        max_frames=args.frames,
        recorder=recorder,
    )
    if recorder is not None and recorder.steps:
        print(recorded(recorder))
    return 0


def demo_recorder(args: argparse.Namespace, target: Target):
    """Who drives, recorded as demonstrations: always when playing (to --demos, or to a new
    runs/<scene>-play-<time>/demos.npz), with --demos when watching or evaluating.

    An existing --demos file is read first, so one of another scene or layout is one line before
    anything runs (recording appends to it).
    """
    from agent.demos import load_demos
    from agent.recording import DemoRecorder
    from agent.run import DEMOS, default_run_dir

    path = args.demos
    if path is None and args.mode != "play":
        return None
    path = path or default_run_dir(target.scene, "play") / DEMOS
    spec = scene_spec(target.scene).demo_spec
    if path.exists():
        load_demos(path, spec)
    if args.mode == "play":
        source = "person"
    elif args.driver:
        source = "driver"
    else:
        source = "random policy" if args.random else f"checkpoint {args.checkpoint}"
    return DemoRecorder(spec, source, target.options, path)


def recorded(recorder) -> str:
    """What a recording wrote, and how to learn from it."""
    return (
        f"demonstrations: {recorder.steps:,} steps in {plural(recorder.episodes, 'episode')} by "
        f"{recorder.source}, appended to {recorder.path}; learn from them with "
        f"python main.py --mode train --demos {recorder.path}"
    )


def plan_run(args: argparse.Namespace):
    """The training run the flags ask for, resolved once: --resume's (its last.pt read here) or a
    new one."""
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
