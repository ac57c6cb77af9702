"""Recording demonstrations: steps car by car, cut into episode stretches, appended to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from agent.demo_file import append_demos
from agent.demos import DemoEpisode, Demonstrations, DemoSpec


class DemoRecorder:
    """Collects demonstrated steps car by car, cut into episode stretches, for a file.

    `add` takes one step of one car; `end` closes that car's stretch (the episode ended, the
    person handed back, the window closed). `take` returns the closed stretches not yet taken,
    as Demonstrations; `flush` appends them to the recorder's file.
    """

    def __init__(
        self,
        spec: DemoSpec,
        source: str,
        options: dict[str, Any],
        path: str | Path | None = None,
    ):
        self.spec = spec
        self.source = source
        self.options = dict(options)
        self.path = None if path is None else Path(path)
        """The file `flush` appends to (None: the stretches are only taken)."""
        self._open: dict[int, tuple[list, list, list]] = {}
        self._closed: list[tuple[np.ndarray, np.ndarray, np.ndarray, DemoEpisode]] = []
        self.steps = 0
        """Steps recorded so far (all stretches, open and closed)."""
        self.episodes = 0
        """Stretches closed so far."""

    def add(self, car: int, obs: np.ndarray, action: int, reward: float) -> None:
        """One step of `car`: the observation it acted on, its action, the reward it earned."""
        stretch = self._open.setdefault(car, ([], [], []))
        stretch[0].append(np.asarray(obs, dtype=np.float32))
        stretch[1].append(int(action))
        stretch[2].append(float(reward))
        self.steps += 1

    def driving(self, car: int) -> bool:
        """Whether `car` has an open stretch."""
        return car in self._open

    def end(
        self, car: int, ending: str, finished: bool, success: bool = False, laps: int | None = None
    ) -> None:
        """Close `car`'s open stretch (if any) with how it ended."""
        stretch = self._open.pop(car, None)
        if stretch is None:
            return
        obs, actions, rewards = (np.array(part) for part in stretch)
        episode = DemoEpisode(
            length=len(actions),
            source=self.source,
            options=self.options,
            ending=ending,
            finished=finished,
            episode_return=float(rewards.sum()),
            success=bool(success),
            laps=None if laps is None else int(laps),
        )
        self._closed.append((obs.astype(np.float32), actions, rewards.astype(np.float32), episode))
        self.episodes += 1

    def end_all(self, ending: str) -> None:
        """Close every open stretch, unfinished (e.g. when the window closes)."""
        for car in list(self._open):
            self.end(car, ending, finished=False)

    def flush(self) -> Demonstrations | None:
        """Append the closed stretches not taken before to `path`; return them (None if none)."""
        demos = self.take()
        if demos is not None and self.path is not None:
            append_demos(self.path, demos)
        return demos

    def take(self) -> Demonstrations | None:
        """The closed stretches not taken before (None if there are none)."""
        closed, self._closed = self._closed, []
        if not closed:
            return None
        obs, actions, rewards, episodes = zip(*closed, strict=True)
        return Demonstrations(
            self.spec.scene,
            self.spec.obs_layout,
            self.spec.action_names,
            np.concatenate(obs).reshape(-1, len(self.spec.obs_layout)),
            np.concatenate(actions).astype(np.int64),
            np.concatenate(rewards),
            tuple(episodes),
        )


def outcome(info: dict[str, Any], ending: str) -> dict[str, Any]:
    """The `end()` keywords for an episode that ended with final `info` (success, laps)."""
    laps = info.get("laps")
    return {
        "ending": ending,
        "finished": True,
        "success": bool(info.get("is_success", False)),
        "laps": None if laps is None else int(laps),
    }
