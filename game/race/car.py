"""The car: a kinematic bicycle model, one compiled step per car (no pygame, no Python loop)."""

from __future__ import annotations

import math
from typing import NamedTuple

from numba import njit


class CarParams(NamedTuple):
    """The car's dimensions and limits (a NamedTuple so compiled code can read it)."""

    wheelbase_m: float = 2.6
    """Distance between the axles; the turning radius is wheelbase / tan(steer)."""
    length_m: float = 4.4
    """Body length (drawing only)."""
    width_m: float = 1.9
    """Body width (drawing only)."""
    max_steer_rad: float = 0.45
    """Full steering lock."""
    steer_rate_radps: float = 3.0
    """How fast the wheels turn towards the commanded lock."""
    accel_mps2: float = 7.0
    """Acceleration with the throttle pressed."""
    brake_mps2: float = 14.0
    """Deceleration with the brake pressed."""
    drag_per_s: float = 0.05
    """Rolling and air drag: speed lost per second, as a fraction of speed."""
    max_speed_mps: float = 40.0
    """Top speed."""
    max_lateral_mps2: float = 12.0
    """Grip: above this sideways acceleration the car runs wide (its curvature is capped)."""


@njit(cache=True)
def advance(
    x_m: float,
    y_m: float,
    heading_rad: float,
    speed_mps: float,
    steer_rad: float,
    throttle: int,
    steer: int,
    p: CarParams,
    dt_s: float,
) -> tuple[float, float, float, float, float]:
    """One car's state after dt_s.

    Args:
        throttle: +1 accelerate, 0 coast, -1 brake (there is no reverse gear).
        steer: +1 turn the wheels left, 0 centre them, -1 right, at the steering rate.

    Returns:
        (x_m, y_m, heading_rad, speed_mps, steer_rad); heading is counter-clockwise from +x.
    """
    limit = p.steer_rate_radps * dt_s
    steer_rad += min(max(steer * p.max_steer_rad - steer_rad, -limit), limit)
    accel = p.accel_mps2 if throttle > 0 else (-p.brake_mps2 if throttle < 0 else 0.0)
    new_speed = min(
        max(speed_mps + (accel - p.drag_per_s * speed_mps) * dt_s, 0.0), p.max_speed_mps
    )
    mean_speed = 0.5 * (speed_mps + new_speed)
    max_curvature = p.max_lateral_mps2 / max(mean_speed * mean_speed, 1e-9)
    curvature = min(max(math.tan(steer_rad) / p.wheelbase_m, -max_curvature), max_curvature)
    turn = mean_speed * curvature * dt_s
    # Exact motion along a circular arc: the chord is v*dt*sin(turn/2)/(turn/2) long and
    # points along the mean heading, so circles close exactly (no Euler drift).
    half = 0.5 * turn
    chord = mean_speed * dt_s * (math.sin(half) / half if abs(half) > 1e-9 else 1.0)
    mid = heading_rad + half
    heading = heading_rad + turn
    if heading > math.pi:
        heading -= 2 * math.pi
    elif heading < -math.pi:
        heading += 2 * math.pi
    return x_m + chord * math.cos(mid), y_m + chord * math.sin(mid), heading, new_speed, steer_rad
