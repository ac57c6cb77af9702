"""Demonstrations: who drove, what they saw and did, stretch by stretch (the file they are kept
in: agent/demo_file.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

PERSON = "person"
"""The source of a stretch a person drove (with a suffix: "person (take-over)")."""


@dataclass(frozen=True)
class DemoEpisode:
    """One stretch of an episode driven by one demonstrator."""

    length: int
    """Steps in the stretch."""
    source: str
    """Who drove: "person", "driver", "checkpoint <file>", "person (take-over)"."""
    options: dict[str, Any]
    """The env's options (e.g. {"track": "hairpins"})."""
    ending: str
    """How the stretch ended, in words ("left the track after 2 laps", "handed back"...)."""
    finished: bool
    """The episode itself ended here, so the stretch's returns-to-go are complete."""
    episode_return: float
    """Sum of the stretch's rewards."""
    success: bool
    """The scene's success criterion was met (a lap, a landing...)."""
    laps: int | None = None
    """Laps completed (the race only)."""

    @property
    def by_person(self) -> bool:
        """A person drove this stretch (not a program)."""
        return self.source.startswith(PERSON)


@dataclass(frozen=True)
class Demonstrations:
    """Everything a demonstrations file holds, checked: steps in episode order."""

    scene: str
    obs_layout: tuple[str, ...]
    """One name per observation column."""
    action_names: tuple[str, ...]
    obs: npt.NDArray[np.float32]
    """[N, D] raw observations (as the env gave them, not normalised)."""
    actions: npt.NDArray[np.int64]
    """[N]"""
    rewards: npt.NDArray[np.float32]
    """[N]"""
    episodes: tuple[DemoEpisode, ...]

    @property
    def steps(self) -> int:
        """N, the number of demonstrated steps."""
        return len(self.actions)

    @property
    def episode_ends(self) -> npt.NDArray[np.bool_]:
        """[N] True on the last step of each episode stretch."""
        ends = np.zeros(self.steps, dtype=np.bool_)
        ends[np.cumsum([e.length for e in self.episodes]) - 1] = True
        return ends

    @property
    def finished(self) -> npt.NDArray[np.bool_]:
        """[N] True on the steps of stretches whose episode ended (complete returns-to-go)."""
        return np.repeat([e.finished for e in self.episodes], [e.length for e in self.episodes])

    def describe(self) -> str:
        """A few words for a person: "4,310 steps in 3 episodes (driver)"."""
        sources = sorted({e.source for e in self.episodes})
        episodes = plural(len(self.episodes), "episode")
        return f"{self.steps:,} steps in {episodes} ({', '.join(sources)})"

    def reacting(self, steps: int) -> Demonstrations:
        """Each stretch a person drove with its actions paired to the observation `steps` steps
        earlier (its first `steps` actions and last `steps` observations dropped): a person's
        keys answer what they saw a moment ago. Stretches a program drove stay as they are."""
        acted, seen, episodes = [np.empty(0, np.int64)], [np.empty(0, np.int64)], []
        start = 0
        for episode in self.episodes:
            lag = min(steps, episode.length) if episode.by_person else 0
            rows = np.arange(start + lag, start + episode.length)
            acted.append(rows)
            seen.append(rows - lag)
            if episode.length > lag:
                episodes.append(replace(episode, length=episode.length - lag))
            start += episode.length
        acted_at, seen_at = np.concatenate(acted), np.concatenate(seen)
        return Demonstrations(
            self.scene,
            self.obs_layout,
            self.action_names,
            self.obs[seen_at],
            self.actions[acted_at],
            self.rewards[acted_at],
            tuple(episodes),
        )

    def __add__(self, other: Demonstrations) -> Demonstrations:
        """These episodes followed by `other`'s (same scene and layout)."""
        return Demonstrations(
            self.scene,
            self.obs_layout,
            self.action_names,
            np.concatenate([self.obs, other.obs]),
            np.concatenate([self.actions, other.actions]),
            np.concatenate([self.rewards, other.rewards]),
            self.episodes + other.episodes,
        )


@dataclass(frozen=True)
class DemoSpec:
    """What a run expects of demonstrations: its scene, observation layout and actions."""

    scene: str
    obs_layout: tuple[str, ...]
    action_names: tuple[str, ...]


def plural(count: int, noun: str) -> str:
    """ "1 episode", "2 episodes"."""
    return f"{count:,} {noun}{'s' * (count != 1)}"
