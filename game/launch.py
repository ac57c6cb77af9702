"""What each mode does once main.py has checked the flags: train, watch, play or eval (sweep and
plot: game/experiments.py)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from agent.demos import PERSON, plural

from game.launch_options import app_config, check_scene, env_options
from game.scenes import make_env, scene_spec


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
        from game.launch_train import run_train

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
    from agent.demo_file import load_demos
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
        source = PERSON
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
