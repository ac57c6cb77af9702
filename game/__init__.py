"""The game: scenes as Gymnasium envs, and (imported lazily) the pygame engine that shows them.

Importing this package registers `RaceTrack-v0` and never imports pygame.
"""

from gymnasium.envs.registration import register, registry

from game.errors import DisplayError, GameError, SceneError, TrackError
from game.scenes import SCENES, SceneSpec, make_env, make_vector_env, scene_spec

if "RaceTrack-v0" not in registry:
    register(
        id="RaceTrack-v0",
        entry_point="game.race.env:RaceEnv",
        vector_entry_point="game.race.vector_env:RaceVectorEnv",
    )

__all__ = [
    "SCENES",
    "DisplayError",
    "GameError",
    "SceneError",
    "SceneSpec",
    "TrackError",
    "make_env",
    "make_vector_env",
    "scene_spec",
]
