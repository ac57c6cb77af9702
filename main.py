"""Rollout Racer: watch REINFORCE and PPO learn to race a car, land a rocket and balance a pole.

python main.py                                  the car learns to drive laps, live
python main.py --mode play                      race the shipped driver (arrows or WASD; --solo)
python main.py --mode train --headless          train at full speed, no window
python main.py --mode train --headless --track random   one driver across generated tracks
python main.py --mode watch                     the shipped driver, on --track (any track)
python main.py --mode eval --track random       the shipped driver on 100 held-out tracks
python main.py --mode watch --checkpoint runs/.../best.pt
python main.py --mode edit --track my_track.json    draw a track with the mouse
python main.py --mode sweep --scene cartpole --algo ppo,reinforce --seeds 5   (on Ray Tune)
python main.py --mode plot runs/...             learning curves of any runs, as a PNG
python main.py --mode train --demos runs/.../demos.npz   clone your driving, then learn
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from game.errors import GameError, UsageError
from game.input import hotkey_legend
from game.experiments import EXPERIMENT_RULES, add_experiment_flags
from game.launch import run
from game.scenes import SCENES

MODES = ("train", "watch", "play", "eval", "edit", "sweep", "plot")
ALGOS = ("ppo", "reinforce")
SWEEP_ALGOS = (*ALGOS, "random")
SPEEDS = ("0.25", "0.5", "1", "2", "4", "8", "16", "32", "64", "max")


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


def algo_names(text: str) -> str:
    """--algo: one learner, or for a sweep a comma list that may include the random baseline."""
    for name in text.split(","):
        if name not in SWEEP_ALGOS:
            raise argparse.ArgumentTypeError(
                f"invalid choice: {name!r} (choose from {', '.join(ALGOS)}; "
                f"a sweep takes a comma list, random too)"
            )
    return text


def build_parser() -> argparse.ArgumentParser:
    """Every flag, with what it expects."""
    keys = "\n".join(f"  {k:<16} {meaning}" for k, meaning in hotkey_legend())
    parser = OneLineParser(
        prog="main.py",
        description=__doc__.split("\n\n")[0],
        epilog=f"keys in the window:\n{keys}\n\n"
        "play-mode keys: race arrows/WASD, lunar up/left/right, cartpole left/right "
        "(no key: left and right in turn)\n"
        "while training: hold Shift to drive the car the HUD follows (it learns from you)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add(
        "--mode",
        choices=MODES,
        default="train",
        help="train (default), watch a checkpoint, play yourself, eval, edit a track, "
        "sweep (Ray Tune) or plot runs",
    )
    add(
        "--scene",
        choices=tuple(SCENES),
        help="race (default), lunar or cartpole; watch/eval/--resume take it from the checkpoint",
    )
    add(
        "--algo",
        type=algo_names,
        help="learner for train: ppo (default) or reinforce; sweep: a comma list, random too",
    )
    add("--headless", action="store_true", help="train without a window, at full speed")
    add(
        "--track",
        help="race track: a shipped name (oval, hairpins, chicanes, speedway), a .json path, "
        "random:N (generated track N), random (train: a new generated track every episode; "
        "eval, watch, play: the held-out ones) or random:heldout (the 100 held-out tracks, "
        "never trained on) (default oval); edit: a new .json path too "
        "(default: a new track)",
    )
    add(
        "--steps",
        type=positive_int,
        help="env steps to train for (default: tuned per scene and algorithm)",
    )
    add(
        "--envs",
        type=positive_int,
        help="envs (cars) trained on together (default: tuned); "
        "watch: copies of the agent on the race",
    )
    add("--seed", type=seed_int, default=0, help="random seed (default 0)")
    add(
        "--run-dir",
        type=Path,
        help="where train writes checkpoints and logs (default runs/<scene>-<algo>-<time>)",
    )
    add(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue the training run in RUN_DIR from its last.pt",
    )
    add(
        "--checkpoint",
        type=Path,
        help="a .pt file to watch or evaluate; with --mode play, race against it",
    )
    add(
        "--random",
        action="store_true",
        help="eval: a uniformly random policy instead of a checkpoint",
    )
    add(
        "--solo",
        action="store_true",
        help="play: drive alone (on the race, the shipped agent races you by default)",
    )
    add(
        "--driver",
        action="store_true",
        help="race: watch, race or evaluate the scripted driver instead of a checkpoint",
    )
    add(
        "--episodes",
        type=positive_int,
        default=100,
        help="eval: episodes to evaluate (default 100)",
    )
    add("--json", action="store_true", help="eval: print one JSON object")
    add(
        "--greedy",
        action="store_true",
        help="watch/eval: always take the most probable action (eval's default)",
    )
    add(
        "--sample",
        action="store_true",
        help="eval: sample actions from the policy instead of the most probable",
    )
    add("--speed", choices=SPEEDS, help="window: starting speed, a multiple of real time or max")
    add(
        "--record",
        type=Path,
        metavar="FILE",
        help="window: record what it shows to FILE.gif or FILE.mp4",
    )
    add(
        "--screenshot",
        type=Path,
        metavar="FILE",
        help="window: save the last frame to FILE.png when it closes",
    )
    add(
        "--demos",
        type=Path,
        metavar="FILE",
        help="demonstrations (.npz): play records your driving to FILE (default "
        "runs/<scene>-play-<time>/demos.npz), watch and eval record the agent's or the "
        "--driver's, appending; train clones FILE before RL",
    )
    add(
        "--bc-epochs",
        type=positive_int,
        metavar="N",
        help="train --demos: passes of behaviour cloning over the demonstrations (default 200)",
    )
    add(
        "--frames", type=positive_int, help=argparse.SUPPRESS
    )  # tests: stop the window after N frames
    add_experiment_flags(add)
    return parser


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
    from agent.errors import CheckpointError, ConfigError, DemoError
    from agent.guard import TrainingStopped

    try:
        return run(args)
    except (GameError, ConfigError, CheckpointError, DemoError) as error:
        print(f"main.py: error: {error}", file=sys.stderr)
        return 2
    except TrainingStopped as error:
        print(f"main.py: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("main.py: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT


def _window_less(a: argparse.Namespace) -> bool:
    return a.headless or a.mode == "eval"


FlagRule = tuple[Callable[[argparse.Namespace], bool], Callable[[argparse.Namespace], str]]
FLAG_RULES: tuple[FlagRule, ...] = (
    (
        lambda a: (
            a.mode in ("watch", "eval")
            and a.checkpoint is None
            and not a.random
            and not a.driver
            and a.scene not in (None, "race")
        ),
        lambda a: (
            f"--checkpoint: expected a .pt file to {a.mode} (e.g. runs/<run>/best.pt; "
            "only the race ships a trained agent)"
        ),
    ),
    (
        lambda a: a.solo and (a.mode != "play" or a.checkpoint is not None or a.driver),
        lambda a: "--solo: expected with --mode play only, instead of --checkpoint or --driver",
    ),
    (
        lambda a: a.driver and (a.mode == "train" or a.checkpoint is not None or a.random),
        lambda a: (
            "--driver: expected with --mode watch, play or eval, "
            "instead of --checkpoint or --random"
        ),
    ),
    (
        lambda a: a.driver and a.scene not in (None, "race"),
        lambda a: (
            f"--driver: expected with the race scene (it drives a car), got --scene {a.scene}"
        ),
    ),
    (
        lambda a: (
            a.mode == "play"
            and (a.checkpoint is not None or a.driver)
            and a.scene not in (None, "race")
        ),
        lambda a: "--checkpoint: expected with --mode play only on the race (to race the agent)",
    ),
    (
        lambda a: (
            a.mode in ("play", "watch")
            and a.envs not in (None, 1)
            and (a.mode == "play" or a.scene not in (None, "race"))
        ),
        lambda a: (
            "--envs: expected with --mode watch on the race only (several copies of the agent)"
        ),
    ),
    (
        lambda a: (
            a.mode == "edit"
            and (a.checkpoint or a.resume or a.driver or a.scene not in (None, "race"))
        ),
        lambda a: "--mode edit: expected only --track and the window flags",
    ),
    (lambda a: a.random and a.mode != "eval", lambda a: "--random: expected with --mode eval only"),
    (
        lambda a: a.random and a.checkpoint is not None,
        lambda a: "--random: expected either --random or --checkpoint, not both",
    ),
    (
        lambda a: a.checkpoint is not None and a.mode == "train",
        lambda a: (
            "--checkpoint: expected with --mode watch, play or eval "
            "(to continue training, use --resume)"
        ),
    ),
    (
        lambda a: a.checkpoint is not None and not a.checkpoint.is_file(),
        lambda a: f"--checkpoint: expected an existing file, got {str(a.checkpoint)!r}",
    ),
    (
        lambda a: a.resume is not None and a.mode not in ("train", "sweep"),
        lambda a: "--resume: expected with --mode train or sweep only",
    ),
    (
        lambda a: (
            a.resume is not None and a.mode == "train" and not (a.resume / "last.pt").is_file()
        ),
        lambda a: f"--resume: expected a run directory containing last.pt, got {str(a.resume)!r}",
    ),
    (
        lambda a: a.resume is not None and a.run_dir is not None,
        lambda a: "--run-dir: expected either --run-dir or --resume (which is the run directory)",
    ),
    (
        lambda a: a.resume is not None and a.track is not None,
        lambda a: "--track: expected a new run (a resumed run keeps its own track)",
    ),
    (
        lambda a: a.resume is not None and a.envs is not None,
        lambda a: "--envs: expected a new run (a resumed run keeps its own number of envs)",
    ),
    (
        lambda a: a.demos is not None and a.resume is not None,
        lambda a: "--demos: expected a new run (a resumed run has cloned its demonstrations)",
    ),
    (
        lambda a: a.demos is not None and a.mode == "train" and not a.demos.is_file(),
        lambda a: f"--demos: expected an existing demonstrations file, got {str(a.demos)!r}",
    ),
    (
        lambda a: a.demos is not None and a.demos.is_dir(),
        lambda a: f"--demos: expected a file (.npz), got the directory {str(a.demos)!r}",
    ),
    (
        lambda a: a.bc_epochs is not None and (a.mode != "train" or a.demos is None),
        lambda a: "--bc-epochs: expected with --mode train --demos FILE",
    ),
    (
        lambda a: a.headless and a.mode != "train",
        lambda a: "--headless: expected with --mode train only (play and watch need a window)",
    ),
    (
        lambda a: a.record is not None and _window_less(a),
        lambda a: "--record: expected with a window (train, watch or play without --headless)",
    ),
    (
        lambda a: a.screenshot is not None and _window_less(a),
        lambda a: "--screenshot: expected with a window (train, watch or play without --headless)",
    ),
    (
        lambda a: a.screenshot is not None and a.screenshot.suffix.lower() != ".png",
        lambda a: f"--screenshot: expected a file ending in .png, got {str(a.screenshot)!r}",
    ),
    (
        lambda a: a.record is not None and a.record.suffix.lower() not in (".gif", ".mp4"),
        lambda a: f"--record: expected a file ending in .gif or .mp4, got {str(a.record)!r}",
    ),
    *EXPERIMENT_RULES,
)
"""(is the combination wrong, what to say): checked in order, the first that applies is said."""


def check_flags(args: argparse.Namespace) -> None:
    """Flags that only make sense in some modes, or together, are checked before anything runs."""
    for broken, message in FLAG_RULES:
        if broken(args):
            raise UsageError(message(args))


if __name__ == "__main__":
    sys.exit(main())
