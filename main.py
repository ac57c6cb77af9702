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

import signal
import sys

from game.cli import build_parser
from game.errors import GameError, UsageError
from game.flag_rules import check_flags
from game.launch import run


def main(argv: list[str] | None = None) -> int:
    """Run the command line; project errors are printed as one line with exit code 2.

    Training that cannot go on (disk full, NaN) is one line with exit code 1; Ctrl+C is 130.
    """
    args = build_parser(__doc__.split("\n\n")[0]).parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
