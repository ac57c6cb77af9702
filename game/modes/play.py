"""Play: a person drives with the keyboard."""

from __future__ import annotations

from gymnasium.vector import VectorEnv

from game.input import Keyboard, SceneControls
from game.modes.drive import DriveMode
from game.scenes import SceneSpec


class PlayMode(DriveMode):
    """The keyboard drives env 0 (the only one)."""

    name = "play"

    def __init__(
        self, scene: SceneSpec, envs: VectorEnv, keyboard: Keyboard, seed: int | None = None
    ):
        super().__init__(scene, envs, seed)
        self.keyboard = keyboard
        self.controls = SceneControls(scene)

    def choose(self) -> None:
        """The action the held keys ask for."""
        self.actions[0] = self.controls.action(self.keyboard.held)

    def key_legend(self) -> tuple[tuple[str, str], ...]:
        """The scene's play keys."""
        return tuple(self.controls.legend())
