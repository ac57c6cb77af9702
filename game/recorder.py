"""Recording the window to a .gif or .mp4 with imageio, for sharing."""

from __future__ import annotations

from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pygame

from game.errors import GameError

GIF_EVERY = 3
"""A GIF keeps every 3rd frame at half size: smaller files that still look smooth."""


class Recorder:
    """Appends window frames to a video file; closes it cleanly so the file is always playable."""

    def __init__(self, path: Path, fps: int):
        suffix = path.suffix.lower()
        if suffix not in (".gif", ".mp4"):
            raise GameError(f"--record: expected a file ending in .gif or .mp4, got {str(path)!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.gif = suffix == ".gif"
        self.frames = 0
        if self.gif:
            self._writer = imageio.get_writer(
                path, mode="I", duration=1000 * GIF_EVERY / fps, loop=0
            )
        else:
            self._writer = imageio.get_writer(path, fps=fps, macro_block_size=8)

    def add(self, surface: pygame.Surface) -> None:
        """Append what `surface` shows now."""
        self.frames += 1
        if self.gif and (self.frames - 1) % GIF_EVERY:
            return
        if self.gif:
            surface = pygame.transform.smoothscale_by(surface, 0.5)
        self._writer.append_data(
            np.ascontiguousarray(pygame.surfarray.array3d(surface).swapaxes(0, 1))
        )

    def close(self) -> None:
        """Finish the file."""
        self._writer.close()
