"""What a car sees: ray distances to the borders, its speed and steering, and its pose on the track."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from game.race.car import Cars
from game.race.raster import MAX_RANGE_M
from game.race.track import Track

RAY_ANGLES_RAD = np.deg2rad(np.linspace(-90.0, 90.0, 9))
"""Ray directions relative to the car's heading: 9 rays over the 180 degrees ahead."""

OBS_NAMES = (
    *(f"ray {deg:+.1f} deg" for deg in np.rad2deg(RAY_ANGLES_RAD)),
    "speed",
    "steer",
    "sin heading error",
    "cos heading error",
    "lateral offset",
)
OBS_LOW = np.array([0.0] * len(RAY_ANGLES_RAD) + [0.0, -1.0, -1.0, -1.0, -1.0], dtype=np.float32)
OBS_HIGH = np.ones(len(OBS_NAMES), dtype=np.float32)


def ray_distances(track: Track, cars: Cars) -> npt.NDArray[np.float64]:
    """[N, 9] distance [m] from each car along each of its rays to the first border (capped)."""
    angles = cars.heading_rad[:, None] + RAY_ANGLES_RAD
    return track.cast_rays(cars.xy_m, angles)


def observe(
    track: Track,
    cars: Cars,
    seg: npt.NDArray[np.int64],
    lateral_m: npt.NDArray[np.float64],
) -> npt.NDArray[np.float32]:
    """[N, 14] observations, each within [OBS_LOW, OBS_HIGH] (the table in RaceEnv's docstring)."""
    params = cars.params
    obs = np.empty((len(cars.x_m), len(OBS_NAMES)), dtype=np.float32)
    rays = len(RAY_ANGLES_RAD)
    obs[:, :rays] = ray_distances(track, cars) * (1.0 / MAX_RANGE_M)
    obs[:, rays] = cars.speed_mps * (1.0 / params.max_speed_mps)
    obs[:, rays + 1] = cars.steer_rad * (1.0 / params.max_steer_rad)
    direction = track.seg_dir[seg]
    cos_h, sin_h = np.cos(cars.heading_rad), np.sin(cars.heading_rad)
    # Heading error = car heading minus track direction, as sin and cos (no wrap-around jump).
    obs[:, rays + 2] = sin_h * direction[:, 0] - cos_h * direction[:, 1]
    obs[:, rays + 3] = cos_h * direction[:, 0] + sin_h * direction[:, 1]
    obs[:, rays + 4] = np.clip(lateral_m * (1.0 / track.half_width_m), -1.0, 1.0)
    return np.clip(obs, OBS_LOW, OBS_HIGH, out=obs)
