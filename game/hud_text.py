"""How the HUD writes: numbers and lap times, text wrapped or cut to a width, a moving mean."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pygame


def wrap_text(text: str, font: pygame.font.Font, width_px: int) -> list[str]:
    """`text` broken between words into lines no wider than `width_px` (a longer word keeps a
    line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.size(f"{lines[-1]} {word}")[0] <= width_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def fit_text(text: str, font: pygame.font.Font, width_px: int) -> str:
    """`text`, cut short with an ellipsis if it is wider than `width_px`."""
    if font.size(text)[0] <= width_px:
        return text
    while text and font.size(f"{text}…")[0] > width_px:
        text = text[:-1]
    return f"{text}…"


def moving_mean(values: Sequence[float], window: int) -> list[float]:
    """The mean of the last `window` values at each point."""
    means, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        means.append(total / min(i + 1, window))
    return means


def fmt_number(value: float | None) -> str:
    """A return as the HUD writes it ("-" when there is none)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.1f}" if abs(value) < 1e4 else f"{value:.3g}"


def fmt_seconds(seconds: float | None) -> str:
    """A lap time as the HUD writes it ("-" before there is one)."""
    return "-" if seconds is None or not math.isfinite(seconds) else f"{seconds:.2f} s"
