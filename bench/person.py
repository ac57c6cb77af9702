"""Record a few laps "by a person" in the real window: X key events into play mode, at real time.

There is no person on this machine, so a program plays one: it looks at the car (reads the
simulation, as a person looks at the screen) every REACTION_S, decides what a careful driver
would do there (the scripted driver's steering, at PACE of its speed: at the driver's own pace,
keys changed only every 0.1 s or 0.15 s left the track at the same bend every time), and holds
or releases the arrow keys with `xdotool keydown/keyup` (X test events, as a keyboard sends
them) into the game's window on an X display.
The window runs the real play mode at 1x, which records the demonstrations as it does for a
person (SDL -> pygame events -> Keyboard -> SceneControls -> the env). When the laps are done
it presses Escape, which closes the window and writes the file.

    Xvfb :142 -screen 0 1280x720x24 &
    DISPLAY=:142 python bench/person.py tests/fixtures/person-hairpins.npz --laps 3

When the race's observation changes, the recording is observed again rather than driven again:
the simulation is deterministic, so the recorded actions replayed from the same seed drive the
same laps (every reward must match bit for bit) while the env reports its new observation.

    python bench/person.py tests/fixtures/person-hairpins.npz --reobserve
"""

from __future__ import annotations

import argparse
import subprocess
import threading
import time
from pathlib import Path

from protocol import ROOT  # noqa: F401  (puts the project on sys.path)

import game
import dataclasses

import numpy as np

from agent.demo_file import load_demos, save_demos
from agent.demos import PERSON
from agent.recording import DemoRecorder
from game.app import App, AppConfig
from game.modes import PlayMode
from game.race.driver import ACTION_TABLE, SPEED_BAND_MPS, drive, line_position
from game.race.racing_line import racing_line
from game.race.car_state import ACTION_STEER

REACTION_S = 0.1
"""How often the "person" looks and changes the keys they hold (a human's reaction time)."""
PACE = 0.75
"""The "person" aims at this fraction of the scripted driver's target speed."""
KEYS = {"gas": "Up", "brake": "Down", "left": "Left", "right": "Right"}
"""Controls -> X key names (the arrow keys the play mode listens to)."""


def controls_of(scene: game.SceneSpec, action: int) -> frozenset[str]:
    """The held controls that give `action` in play mode."""
    return next(held for held, a in scene.control_actions.items() if a == action)


def decide(sim) -> int:
    """The careful driver's action for car 0: the driver's steering, a slower pedal."""
    steer = int(ACTION_STEER[int(drive(sim)[0])])
    line = racing_line(sim.track, sim.car)
    target = PACE * float(line.speed_at(line_position(line, sim.track, sim.state))[0])
    speed = sim.state.speed_mps[0]
    pedal = 1 if speed < target - SPEED_BAND_MPS else -1 if speed > target + SPEED_BAND_MPS else 0
    return int(ACTION_TABLE[pedal + 1, steer + 1])


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True)


def play(mode: PlayMode, laps: int, stop: threading.Event) -> None:
    """The "person": look, decide, press or release keys, until `laps` laps are driven."""
    while mode.stepper.episode_lengths[0] == 0:  # the window is up and stepping
        time.sleep(0.05)
    # no window manager: X sends keys to the window under the pointer, which covers the screen
    xdotool("mousemove", "640", "360")
    held: set[str] = set()
    driven = 0
    last_laps = 0
    while not stop.is_set():
        sim = mode.sim
        now_laps = int(sim.state.laps[0])
        driven += max(now_laps - last_laps, 0)
        last_laps = now_laps
        if driven >= laps:
            break
        wanted = {KEYS[c] for c in controls_of(mode.scene, decide(sim))}
        for key in held - wanted:
            xdotool("keyup", key)
        for key in wanted - held:
            xdotool("keydown", key)
        held = wanted
        time.sleep(REACTION_S)
    for key in held:
        xdotool("keyup", key)
    xdotool("key", "Escape")  # quits the window, which writes the recording


def reobserve(path: Path, seed: int) -> None:
    """Rewrite the recording at `path` with the env's current observation, replaying its actions
    from `seed` (the play window's seed) and checking every reward."""
    demos = load_demos(path)
    envs = game.make_vector_env("race", 1, track="hairpins")
    obs, _ = envs.reset(seed=seed)
    observed = []
    for t, action in enumerate(demos.actions):
        observed.append(obs[0])
        obs, reward, _, _, _ = envs.step(np.array([action]))
        if np.float32(reward[0]) != demos.rewards[t]:
            raise SystemExit(f"{path}: step {t}: the replay drives elsewhere; nothing written")
    layout = game.scene_spec("race").demo_spec.obs_layout
    save_demos(path, dataclasses.replace(demos, obs_layout=layout, obs=np.stack(observed)))
    print(f"{path}: {demos.steps} steps observed again ({len(layout)} values a step)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--laps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reobserve", action="store_true", help="observe the recording again")
    args = parser.parse_args()
    if args.reobserve:
        reobserve(args.path, args.seed)
        return
    scene = game.scene_spec("race")
    app = App(AppConfig(speed=1.0))
    envs = game.make_vector_env("race", 1, render_first=True, track="hairpins")
    mode = PlayMode(scene, envs, app.keyboard, seed=args.seed)
    mode.record(DemoRecorder(scene.demo_spec, PERSON, {"track": "hairpins"}, args.path), (0,))
    app.attach(mode)
    stop = threading.Event()
    person = threading.Thread(target=play, args=(mode, args.laps, stop), daemon=True)
    person.start()
    try:
        app.run()
    finally:
        stop.set()
    recorder = mode.recorder
    print(f"{recorder.steps} steps in {recorder.episodes} episodes written to {args.path}")


if __name__ == "__main__":
    main()
