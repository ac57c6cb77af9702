"""Trying out the track being edited: drive it, watch the scripted driver on it, or train on it."""

from __future__ import annotations

from agent.run import default_run_dir, new_run
from agent.trainer import Trainer
from game.race.track_file import track_file_text
from game.baseline import ScriptedDriver
from game.editor import storage
from game.editor.model import TrackDraft
from game.input import Keyboard
from game.modes import Mode, PlayMode, TrainMode, WatchMode
from game.race.track import Track
from game.scenes import make_env, make_vector_env, scene_spec

SCENE = "race"
TRAIN_SPEED = 8.0
"""Live training starts at this speed, as `python main.py --mode train` does."""
BACK = "Esc: back to the editor"


def drive_mode(track: Track, keyboard: Keyboard) -> Mode:
    """Drive the track yourself."""
    envs = make_vector_env(SCENE, 1, render_first=True, track=track)
    mode = PlayMode(scene_spec(SCENE), envs, keyboard, seed=0)
    mode.notify(f"drive with the arrows or WASD; {BACK}")
    return mode


def watch_mode(track: Track) -> Mode:
    """Watch the game's scripted driver lap the track."""
    envs = make_vector_env(SCENE, 1, render_first=True, track=track)
    mode = WatchMode(scene_spec(SCENE), envs, ScriptedDriver(envs.sim), "driver", seed=0)
    mode.notify(f"the scripted driver; {BACK}")
    return mode


def train_mode(draft: TrackDraft) -> Mode:
    """Train PPO live on the track, as `--mode train` does; the run directory keeps its track.json.

    The track is written into the run directory (the checkpoint names its track file, so
    `--resume` and `--mode watch` find it again). SaveError if that cannot be written.
    """
    run_dir = default_run_dir(SCENE, "ppo")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise storage.SaveError(
            f"{run_dir}: cannot make the run directory ({error.strerror})"
        ) from None
    track_file = run_dir / "track.json"
    storage.write_atomic(track_file, track_file_text(draft.to_file()))
    options = {"track": str(track_file.resolve())}  # found again from any folder
    plan = new_run(
        SCENE,
        "ppo",
        live=True,
        env_options=options,
        run_dir=run_dir,
        action_names=scene_spec(SCENE).action_names,
    )
    envs = make_vector_env(SCENE, plan.num_envs, render_first=True, **options)
    trainer = Trainer(plan, envs, lambda: make_env(SCENE, **options))
    mode = TrainMode(scene_spec(SCENE), trainer)
    mode.notify(f"training in {run_dir}; {BACK} (saves first)")
    return mode
