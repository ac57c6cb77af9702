"""Cars as arrays: a kinematic bicycle model stepped for a whole batch at once (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CarParams:
    """The car's dimensions and limits."""

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


@dataclass
class Cars:
    """The state of N cars; `step` advances all of them in place."""

    x_m: Array
    y_m: Array
    heading_rad: Array
    """Counter-clockwise from +x."""
    speed_mps: Array
    """Never negative: the cars have no reverse gear."""
    steer_rad: Array
    """Positive steers left."""
    params: CarParams = field(default_factory=CarParams)

    @classmethod
    def parked(cls, count: int, params: CarParams | None = None) -> Cars:
        """`count` cars at the origin, facing +x, standing still."""
        zeros = [np.zeros(count) for _ in range(5)]
        return cls(*zeros, params=params or CarParams())

    def step(self, throttle: npt.NDArray[np.int8], steer: npt.NDArray[np.int8], dt_s: float) -> None:
        """Advance every car by dt_s.

        Args:
            throttle: [N] +1 accelerate, 0 coast, -1 brake.
            steer: [N] +1 turn the wheels left, 0 centre them, -1 right (at the steering rate).
            dt_s: the time step [s].
        """
        p = self.params
        limit = p.steer_rate_radps * dt_s
        self.steer_rad += np.clip(steer * p.max_steer_rad - self.steer_rad, -limit, limit)
        accel = np.where(throttle > 0, p.accel_mps2, np.where(throttle < 0, -p.brake_mps2, 0.0))
        new_speed = np.clip(self.speed_mps + (accel - p.drag_per_s * self.speed_mps) * dt_s,
                            0.0, p.max_speed_mps)  # fmt: skip
        mean_speed = 0.5 * (self.speed_mps + new_speed)
        self.speed_mps = new_speed
        max_curvature = p.max_lateral_mps2 / np.maximum(mean_speed * mean_speed, 1e-9)
        curvature = np.clip(np.tan(self.steer_rad) / p.wheelbase_m, -max_curvature, max_curvature)
        turn = mean_speed * curvature * dt_s
        # Exact motion along a circular arc: the chord has length v*dt*sin(turn/2)/(turn/2)
        # and points along the mean heading, so circles close exactly (no Euler drift).
        chord = mean_speed * dt_s * np.sinc(turn / (2 * np.pi))
        mid_heading = self.heading_rad + 0.5 * turn
        self.x_m += chord * np.cos(mid_heading)
        self.y_m += chord * np.sin(mid_heading)
        self.heading_rad = np.mod(self.heading_rad + turn + np.pi, 2 * np.pi) - np.pi

    def select(self, index: slice | npt.NDArray[np.intp]) -> Cars:
        """The chosen cars' state (a view for slices, a copy for index arrays)."""
        return Cars(self.x_m[index], self.y_m[index], self.heading_rad[index],
                    self.speed_mps[index], self.steer_rad[index], self.params)  # fmt: skip

    @property
    def xy_m(self) -> npt.NDArray[np.float64]:
        """[N, 2] positions."""
        return np.column_stack([self.x_m, self.y_m])
