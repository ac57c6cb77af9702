"""Keyboard: the held keys, what they mean for the scene's controls, and the engine's hotkeys."""

from __future__ import annotations

import enum

import pygame

from game.scenes import SceneSpec


class Hotkey(enum.Enum):
    """Engine commands, available in every mode."""

    PAUSE = "pause / resume"
    STEP = "one step while paused"
    RESET = "restart the episode"
    FASTER = "faster"
    SLOWER = "slower"
    RAYS = "show / hide the sensor rays and the line ahead"
    SCREENSHOT = "screenshot (PNG)"
    HELP = "show / hide these keys"
    QUIT = "quit (training saves first)"


HOTKEYS: dict[Hotkey, tuple[str, ...]] = {
    Hotkey.PAUSE: ("space",),
    Hotkey.STEP: ("n", "."),
    Hotkey.RESET: ("r",),
    Hotkey.FASTER: ("+", "=", "]", "[+]"),
    Hotkey.SLOWER: ("-", "[", "[-]"),
    Hotkey.RAYS: ("v",),
    Hotkey.SCREENSHOT: ("f12", "p"),
    Hotkey.HELP: ("h", "f1"),
    Hotkey.QUIT: ("escape",),
}
"""Hotkey -> pygame key names (see `pygame.key.name`)."""


def key_code(name: str) -> int:
    """The pygame key constant for a key name such as "up", "w" or "space"."""
    return pygame.key.key_code(name)


class Keyboard:
    """Tracks which keys are held, from KEYDOWN/KEYUP events (so synthetic events work too)."""

    def __init__(self) -> None:
        self.held: set[int] = set()
        self._hotkeys = {
            key_code(name): hotkey for hotkey, names in HOTKEYS.items() for name in names
        }

    def handle(self, event: pygame.event.Event) -> Hotkey | None:
        """Update the held keys from one event; return the hotkey it pressed, if any."""
        if event.type == pygame.KEYDOWN:
            self.held.add(event.key)
            return self._hotkeys.get(event.key)
        if event.type == pygame.KEYUP:
            self.held.discard(event.key)
        elif event.type == pygame.WINDOWFOCUSLOST:
            self.held.clear()
        return None


class SceneControls:
    """A scene's play-mode controls: which held keys press which control, and the action that
    means."""

    def __init__(self, scene: SceneSpec):
        self.scene = scene
        self._idle_turn = 0
        """Steps taken with no control held (which of the scene's idle actions is next)."""
        self._controls = {
            key_code(name): control for control, names in scene.controls.items() for name in names
        }

    def held_controls(self, held_keys: set[int]) -> frozenset[str]:
        """The controls pressed by the held keys."""
        return frozenset(self._controls[key] for key in held_keys if key in self._controls)

    def action(self, held_keys: set[int]) -> int:
        """The scene action the held keys ask for; with none, the no-op, or the scene's idle
        actions in turn (one call per step)."""
        held = self.held_controls(held_keys)
        idle = self.scene.idle_actions
        if held or not idle:
            return self.scene.action_for(held)
        self._idle_turn += 1
        return idle[self._idle_turn % len(idle)]

    def legend(self) -> list[tuple[str, str]]:
        """(keys, control) pairs for the HUD, e.g. ("up / w", "gas"), and what no key does."""
        pairs = [(" / ".join(names), control) for control, names in self.scene.controls.items()]
        if self.scene.idle_actions:
            pairs.append(("no key", self.scene.idle_meaning))
        return pairs


def hotkey_legend() -> list[tuple[str, str]]:
    """(keys, what they do) pairs for the help overlay and --help."""
    return [(" / ".join(names), hotkey.value) for hotkey, names in HOTKEYS.items()]
