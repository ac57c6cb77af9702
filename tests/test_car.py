"""The car model against motion computed by hand."""

import math

import pytest

from game.race.car import CarParams, advance

NO_DRAG = CarParams(drag_per_s=0.0)
DT = 0.05


def run(state, throttle, steer, steps, params=NO_DRAG):
    for _ in range(steps):
        state = advance(*state, throttle, steer, params, DT)
    return state


def test_coasting_covers_speed_times_time_in_a_straight_line():
    x, y, heading, speed, _steer = run((0.0, 0.0, 0.3, 10.0, 0.0), 0, 0, 40)
    assert speed == pytest.approx(10.0)
    assert x == pytest.approx(10.0 * 2.0 * math.cos(0.3))
    assert y == pytest.approx(10.0 * 2.0 * math.sin(0.3))
    assert heading == pytest.approx(0.3)


def test_throttle_accelerates_at_the_given_rate_and_distance_follows():
    p = NO_DRAG
    x, _, _, speed, _ = run((0.0, 0.0, 0.0, 0.0, 0.0), 1, 0, 20)
    assert speed == pytest.approx(p.accel_mps2 * 1.0)
    assert x == pytest.approx(0.5 * p.accel_mps2 * 1.0**2)


def test_brakes_stop_the_car_and_it_never_reverses():
    x0, _, _, speed, _ = run((0.0, 0.0, 0.0, 14.0, 0.0), -1, 0, 40)
    assert speed == 0.0
    # From 14 m/s at 14 m/s^2 the car stops in 1 s after 7 m, and stays there.
    assert x0 == pytest.approx(7.0)


def test_drag_slows_a_coasting_car():
    _, _, _, speed, _ = run((0.0, 0.0, 0.0, 20.0, 0.0), 0, 0, 20, CarParams())
    assert speed == pytest.approx(20.0 * (1 - 0.05 * DT) ** 20)


def test_steering_moves_at_the_steering_rate_up_to_full_lock():
    p = NO_DRAG
    state = run((0.0, 0.0, 0.0, 0.0, 0.0), 0, 1, 1)
    assert state[4] == pytest.approx(p.steer_rate_radps * DT)
    state = run(state, 0, 1, 10)
    assert state[4] == pytest.approx(p.max_steer_rad)
    state = run(state, 0, 0, 10)
    assert state[4] == pytest.approx(0.0)


def test_full_lock_at_low_speed_drives_a_circle_of_radius_wheelbase_over_tan_steer():
    p = NO_DRAG
    state = run((0.0, 0.0, 0.0, 5.0, 0.0), 0, 1, 5)  # wheels reach full lock
    radius = p.wheelbase_m / math.tan(p.max_steer_rad)
    x0, y0, h0 = state[:3]
    centre = (x0 - radius * math.sin(h0), y0 + radius * math.cos(h0))
    circumference_steps = round(2 * math.pi * radius / (5.0 * DT))
    points = []
    for _ in range(circumference_steps):
        state = run(state, 0, 1, 1)
        points.append(math.hypot(state[0] - centre[0], state[1] - centre[1]))
    assert min(points) == pytest.approx(radius, rel=1e-9)
    assert max(points) == pytest.approx(radius, rel=1e-9)


def test_grip_limits_how_tight_a_fast_car_can_turn():
    p = NO_DRAG
    speed = 30.0
    state = run((0.0, 0.0, 0.0, speed, p.max_steer_rad), 0, 1, 1)
    turn = state[2]
    # The curvature is capped at max_lateral / v^2, far below what full lock would give.
    assert turn == pytest.approx(speed * (p.max_lateral_mps2 / speed**2) * DT)
    assert turn < speed * math.tan(p.max_steer_rad) / p.wheelbase_m * DT / 10
