"""From the flags to what a mode runs with: the scene, the env's options, the window's settings.

Shared by game/launch.py (watch, play, eval), game/launch_train.py and game/experiments.py.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from game.errors import UsageError
from game.race.track_choice import HELD_OUT, RANDOM


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
    from agent.defaults import TRAINING_ONLY_OPTIONS

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
