"""Rollout Racer: watch REINFORCE and PPO learn to race a car, land a rocket and balance a pole.

    python main.py                                  the car learns to drive laps, live
    python main.py --mode play                      drive it yourself (arrows or WASD)
    python main.py --mode train --headless          train at full speed, no window
    python main.py --mode watch --checkpoint runs/.../best.pt
    python main.py --mode eval --checkpoint runs/.../best.pt --episodes 100
    python main.py --mode edit --track my_track.json    draw a track with the mouse
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import signal
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from game.errors import DisplayError, GameError
from game.input import hotkey_legend
from game.scenes import SCENES, make_env, make_vector_env, scene_spec

MODES = ("train", "watch", "play", "eval", "edit")
ALGOS = ("ppo", "reinforce")
SPEEDS = ("1", "2", "4", "8", "16", "32", "64", "max")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line (not the whole usage) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_int(text: str) -> int:
    """An integer >= 1 (for counts such as --steps)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def seed_int(text: str) -> int:
    """A seed: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Every flag, with what it expects."""
    keys = "\n".join(f"  {k:<16} {meaning}" for k, meaning in hotkey_legend())
    parser = OneLineParser(
        prog="main.py",
        description=__doc__.split("\n\n")[0],
        epilog=f"keys in the window:\n{keys}\n\nplay-mode keys: race arrows/WASD, lunar up/left/right, cartpole left/right",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--mode", choices=MODES, default="train", help="train (default), watch a checkpoint, play yourself, eval, or edit a track")
    add("--scene", choices=tuple(SCENES), help="race (default), lunar or cartpole; watch/eval/--resume take it from the checkpoint")
    add("--algo", choices=ALGOS, help="learner for train: ppo (default) or reinforce")
    add("--headless", action="store_true", help="train without a window, at full speed")
    add("--track", help="race track: a shipped name (oval, hairpins, chicanes, speedway) or a .json path (default oval); edit: a new .json path too (default: a new track)")
    add("--steps", type=positive_int, help="env steps to train for (default: tuned per scene and algorithm)")
    add("--envs", type=positive_int, help="envs (cars) trained on together (default: tuned); watch: copies of the agent on the race")
    add("--seed", type=seed_int, default=0, help="random seed (default 0)")
    add("--run-dir", type=Path, help="where train writes checkpoints and logs (default runs/<scene>-<algo>-<time>)")
    add("--resume", type=Path, metavar="RUN_DIR", help="continue the training run in RUN_DIR from its last.pt")
    add("--checkpoint", type=Path, help="a .pt file to watch or evaluate; with --mode play, race against it")
    add("--random", action="store_true", help="eval: a uniformly random policy instead of a checkpoint")
    add("--driver", action="store_true", help="race: watch, race or evaluate the scripted driver instead of a checkpoint")
    add("--episodes", type=positive_int, default=100, help="eval: episodes to evaluate (default 100)")
    add("--json", action="store_true", help="eval: print one JSON object")
    add("--greedy", action="store_true", help="watch/eval: always take the most probable action (eval's default)")
    add("--sample", action="store_true", help="eval: sample actions from the policy instead of the most probable")
    add("--speed", choices=SPEEDS, help="window: starting speed, a multiple of real time or max")
    add("--record", type=Path, metavar="FILE", help="window: record what it shows to FILE.gif or FILE.mp4")
    add("--screenshot", type=Path, metavar="FILE", help="window: save the last frame to FILE.png when it closes")
    add("--frames", type=positive_int, help=argparse.SUPPRESS)  # tests: stop the window after N frames
    return parser


class UsageError(Exception):
    """A flag combination that cannot work; the message names the flag and what was expected."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; project errors are printed as one line with exit code 2.

    Training that cannot go on (disk full, NaN) is one line with exit code 1; Ctrl+C is 130.
    """
    args = build_parser().parse_args(argv)
    try:
        check_flags(args)  # before torch loads, so a wrong flag is said at once
    except UsageError as error:
        print(f"main.py: error: {error}", file=sys.stderr)
        return 2
    from agent.errors import CheckpointError, ConfigError
    from agent.guard import TrainingStopped

    try:
        return run(args)
    except (UsageError, GameError, ConfigError, CheckpointError) as error:
        print(f"main.py: error: {error}", file=sys.stderr)
        return 2
    except TrainingStopped as error:
        print(f"main.py: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("main.py: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT


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
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}
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
    """What the flags resolve to: the scene, the stored run (if any), and the env's options."""

    scene: str
    stored: dict[str, Any] | None
    """Metadata of --checkpoint or --resume's last.pt."""
    options: dict[str, Any]
    """Options the scene's env is made with (the race track)."""


def run(args: argparse.Namespace) -> int:
    """Dispatch to the mode (the flags have been checked)."""
    if args.mode == "edit":
        return run_edit(args)
    target = resolve(args)
    if args.mode == "eval":
        return run_eval(args, target)
    if args.mode in ("play", "watch"):
        return run_drive(args, target)
    return run_train(args, target)


def check_flags(args: argparse.Namespace) -> None:
    """Flags that only make sense in some modes, or together, are checked before anything runs."""
    if args.mode in ("watch", "eval") and args.checkpoint is None and not args.random and not args.driver:
        raise UsageError(f"--checkpoint: expected a .pt file to {args.mode} (e.g. runs/<run>/best.pt)")
    if args.driver and (args.mode == "train" or args.checkpoint is not None or args.random):
        raise UsageError("--driver: expected with --mode watch, play or eval, instead of --checkpoint or --random")
    if args.driver and args.scene not in (None, "race"):
        raise UsageError(f"--driver: expected with the race scene (it drives a car), got --scene {args.scene}")
    if args.mode == "play" and (args.checkpoint is not None or args.driver) and args.scene not in (None, "race"):
        raise UsageError("--checkpoint: expected with --mode play only on the race (to race the agent)")
    if args.mode in ("play", "watch") and args.envs not in (None, 1) and (args.mode == "play" or args.scene not in (None, "race")):
        raise UsageError("--envs: expected with --mode watch on the race only (several copies of the agent)")
    if args.mode == "edit" and (args.checkpoint or args.resume or args.driver
                                or args.scene not in (None, "race")):  # fmt: skip
        raise UsageError("--mode edit: expected only --track and the window flags")
    if args.random and args.mode != "eval":
        raise UsageError("--random: expected with --mode eval only")
    if args.random and args.checkpoint is not None:
        raise UsageError("--random: expected either --random or --checkpoint, not both")
    if args.checkpoint is not None and args.mode == "train":
        raise UsageError("--checkpoint: expected with --mode watch, play or eval (to continue training, use --resume)")
    if args.checkpoint is not None and not args.checkpoint.is_file():
        raise UsageError(f"--checkpoint: expected an existing file, got {str(args.checkpoint)!r}")
    if args.resume is not None and args.mode != "train":
        raise UsageError("--resume: expected with --mode train only")
    if args.resume is not None and not (args.resume / "last.pt").is_file():
        raise UsageError(f"--resume: expected a run directory containing last.pt, got {str(args.resume)!r}")
    if args.resume is not None and args.run_dir is not None:
        raise UsageError("--run-dir: expected either --run-dir or --resume (which is the run directory)")
    if args.headless and args.mode != "train":
        raise UsageError("--headless: expected with --mode train only (play and watch need a window)")
    for flag, value in (("--record", args.record), ("--screenshot", args.screenshot)):
        if value is not None and (args.headless or args.mode == "eval"):
            raise UsageError(f"{flag}: expected with a window (train, watch or play without --headless)")
    if args.screenshot is not None and args.screenshot.suffix.lower() != ".png":
        raise UsageError(f"--screenshot: expected a file ending in .png, got {str(args.screenshot)!r}")
    if args.record is not None and args.record.suffix.lower() not in (".gif", ".mp4"):
        raise UsageError(f"--record: expected a file ending in .gif or .mp4, got {str(args.record)!r}")


def resolve(args: argparse.Namespace) -> Target:
    """The scene (--scene, or the stored run's, or race), the stored run, and the env options."""
    stored = None
    if args.checkpoint is not None or args.resume is not None:
        from agent.checkpoint import load_checkpoint

        path = args.checkpoint if args.checkpoint is not None else args.resume / "last.pt"
        stored = load_checkpoint(path)["metadata"]
        trained_on = stored.get("scene")
        if args.scene is not None and args.scene != trained_on:
            flag = "--checkpoint" if args.checkpoint is not None else "--resume"
            raise UsageError(f"{flag}: expected a run of --scene {args.scene}, got one of {trained_on!r}")
    scene = stored["scene"] if stored is not None else (args.scene or "race")
    options = dict((stored or {}).get("train_config", {}).get("env_options") or {})
    if args.track is not None:
        if scene != "race":
            raise UsageError(f"--track: expected only with the race scene, got the {scene} scene")
        from game.race.track import load_track

        load_track(args.track)  # a bad track file is one line, before anything starts
        options["track"] = args.track
    return Target(scene, stored, options)


def app_config(args: argparse.Namespace, default_speed: str):
    """The window's settings from the flags."""
    from game.app import AppConfig

    speed = args.speed or default_speed
    return AppConfig(speed=math.inf if speed == "max" else float(speed), record=args.record,
                     screenshot_on_exit=args.screenshot)  # fmt: skip


def run_eval(args: argparse.Namespace, target: Target) -> int:
    """Evaluate a checkpoint (or a random policy, or the race's scripted driver) and print the scores."""
    from agent.checkpoint import load_policy
    from agent.evaluate import evaluate

    scene, options = target.scene, target.options
    if args.driver:
        from game.baseline import evaluate_driver

        result, who = evaluate_driver(options, args.episodes, args.seed), "scripted driver"
    else:
        policy = None if args.random else load_policy(args.checkpoint, expect_scene=scene)[0]
        result = evaluate(policy, lambda: make_env(scene, **options), episodes=args.episodes, seed=args.seed,
                          deterministic=not args.sample)  # fmt: skip
        who = "random policy" if args.random else str(args.checkpoint)
    if args.json:
        print(json.dumps({"scene": scene, "policy": who, **result.to_json_dict()}))
        return 0
    print(f"{scene_spec(scene).title}, {who}, {result.episodes} episodes ({result.wall_s:.1f} s)")
    print(result.summary())
    print(f"Mean episode length {result.mean_length:.1f} steps")
    if result.mean_laps is not None:
        best = "-" if result.best_lap_s is None else f"{result.best_lap_s:.2f} s"
        print(f"Mean laps {result.mean_laps:.2f}, best lap {best}")
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
    if args.checkpoint is not None:
        from agent.checkpoint import load_policy

        policy, metadata = load_policy(args.checkpoint, expect_scene=target.scene)
        algo = metadata.get("algo")
    human = args.mode == "play"
    rival = policy is not None or args.driver
    cars = 2 if human and rival else (args.envs or 1)
    session.drive(target.scene, target.options, app_config(args, "1"), cars=cars, human=human, policy=policy,
                  scripted=args.driver, algo=algo, greedy=args.greedy, seed=args.seed,
                  max_frames=args.frames)  # fmt: skip
    return 0


def run_train(args: argparse.Namespace, target: Target) -> int:
    """Train headless (progress bar) or live in the window; checkpoints and logs go to the run dir."""
    from agent.config import default_config, fit_batch_size
    from agent.headless import train_headless

    scene, stored, options = target.scene, target.stored, target.options
    algo = (stored or {}).get("algo") or args.algo or "ppo"
    if stored is not None and args.algo is not None and args.algo != algo:
        raise UsageError(f"--resume: expected a run of --algo {args.algo}, got one of {algo!r}")
    train_config, algo_config = default_config(scene, algo, live=not args.headless)
    overrides = {"seed": args.seed, "env_options": options}
    if args.steps is not None:
        overrides["total_timesteps"] = args.steps
    if args.envs is not None:
        overrides["num_envs"] = args.envs
        algo_config = fit_batch_size(algo_config, args.envs)
    train_config = dataclasses.replace(train_config, **overrides)
    run_dir = args.resume or args.run_dir or Path("runs") / f"{scene}-{algo}-{datetime.now():%Y%m%d-%H%M%S}"
    check_run_dir(run_dir, resume=args.resume is not None)
    make_envs = lambda n: make_vector_env(scene, n, render_first=not args.headless, **options)  # noqa: E731
    make_eval_env = lambda: make_env(scene, **options)  # noqa: E731
    action_names = scene_spec(scene).action_names
    print(f"run directory: {run_dir}  (tensorboard --logdir {run_dir.parent})")
    if args.headless:
        with StopSignals() as stop:
            summary = train_headless(train_config, algo_config, run_dir, make_envs, make_eval_env,
                                     resume=args.resume is not None, action_names=action_names,
                                     stop_requested=stop.requested)  # fmt: skip
        print(f"trained {summary.num_timesteps:,} steps, {summary.episodes:,} episodes in {summary.wall_s:.1f} s")
        if summary.last_eval is not None:
            print(f"last evaluation: {summary.last_eval.summary()}")
        print(f"checkpoints: {run_dir / 'last.pt'}, {run_dir / 'best.pt'}")
        return interrupted(stop, run_dir) if summary.interrupted else 0
    from agent.trainer import Trainer
    from game import session
    from game.app import FREEZE_S

    try:
        with StopSignals(close_window) as stop:
            if args.resume is not None:
                trainer = Trainer.resume(run_dir, make_envs(int(stored["train_config"]["num_envs"])), make_eval_env,
                                         train_config.total_timesteps if args.steps else None)  # fmt: skip
            else:
                trainer = Trainer(make_envs(train_config.num_envs), train_config, algo_config, run_dir,
                                  make_eval_env, action_names)  # fmt: skip
            app = session.train(scene, trainer, app_config(args, "8"), args.frames)
    except DisplayError:
        with contextlib.suppress(OSError):
            run_dir.rmdir()  # a window that never opened leaves no empty run directory behind
        raise
    if app.mode.first_lap_s is not None:
        print(f"first lap after {app.mode.first_lap_s:.1f} s")
    print(f"window: {app.frames:,} frames, the slowest took {1000 * app.slowest_frame_s:.0f} ms "
          f"({app.freezes} over {1000 * FREEZE_S:.0f} ms)")  # fmt: skip
    print(f"saved {run_dir / 'last.pt'} after {trainer.num_timesteps:,} steps; continue with --resume {run_dir}")
    return interrupted(stop, run_dir) if stop.requested() else 0


def check_run_dir(run_dir: Path, resume: bool) -> None:
    """A new run needs a directory without another run's files; every run needs to write there."""
    from agent.metrics import CSV_NAME
    from agent.trainer import BEST, LAST

    flag = "--resume" if resume else "--run-dir"
    if not resume and any((run_dir / name).exists() for name in (LAST, BEST, CSV_NAME)):
        raise UsageError(f"--run-dir: expected a new directory, got {str(run_dir)!r}, which holds a run "
                         f"(continue it with --resume, or choose another --run-dir)")  # fmt: skip
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=run_dir):
            pass
    except OSError as error:
        raise UsageError(f"{flag}: expected a writable directory, got {str(run_dir)!r} "
                         f"({error.strerror or type(error).__name__})") from None  # fmt: skip


def interrupted(stop: StopSignals, run_dir: Path) -> int:
    """Say that training was stopped by a signal and how to continue; the exit code is 128 + signal."""
    signum = stop.received or signal.SIGINT
    print(f"stopped by {signal.Signals(signum).name}: last.pt and the logs are written; "
          f"continue with --resume {run_dir}")  # fmt: skip
    return 128 + signum


if __name__ == "__main__":
    sys.exit(main())
