"""The rules of a measure's series, for any values: whether the target is met, which way it is going,
and whether the newest value has just crossed the target, either way (what the weeknotes mention)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from services.portfolio import measure_rules
from shared.events import MonthValue
from shared.measures import Direction

values = st.floats(min_value=0, max_value=1e6, allow_nan=False)
directions = st.sampled_from(["up", "down"])


def series(numbers: list[float], start: int = 0) -> list[MonthValue]:
    return [MonthValue(month=dt.date(2025 + (start + i) // 12, (start + i) % 12 + 1, 1), value=v)
            for i, v in enumerate(numbers)]  # fmt: skip


@given(st.lists(values, min_size=1, max_size=6), values, directions)
def test_met_reads_the_newest_value_on_the_better_side_of_the_target(numbers: list[float], target: float,
                                                                   direction: str) -> None:  # fmt: skip
    met = measure_rules.met(series(numbers), target, direction)  # type: ignore[arg-type]
    assert met == (numbers[-1] >= target if direction == "up" else numbers[-1] <= target)
    assert measure_rules.met([], target, direction) is None  # type: ignore[arg-type]
    assert measure_rules.met(series(numbers), None, direction) is None  # type: ignore[arg-type]


@given(values, values, directions)
def test_the_trend_is_better_when_the_value_moves_the_good_way(before: float, now: float, direction: str) -> None:
    trend = measure_rules.trend(series([before, now]), direction)  # type: ignore[arg-type]
    if before == now:
        assert trend == "same"
    else:
        assert (trend == "better") == ((now > before) == (direction == "up"))


def crossing(before: list[float], added: list[float], target: float | None, direction: Direction) -> str | None:
    old = series(before)
    return measure_rules.crossing(old, measure_rules.merged(old, series(added, start=len(before))), target, direction)


def mirrored(numbers: list[float]) -> list[float]:
    """The same series seen the other way up (what is better for one direction is worse for the other)."""
    return [-v for v in numbers]


@given(st.lists(values, max_size=5), st.lists(values, min_size=1, max_size=5), values, directions)
def test_a_crossing_is_only_a_change_of_side_of_the_target_between_the_newest_values(
    before: list[float], added: list[float], target: float, direction: Direction
) -> None:
    crossed = crossing(before, added, target, direction)
    now = measure_rules.meets(added[-1], target, direction)
    was = bool(before) and measure_rules.meets(before[-1], target, direction)
    assert crossed == ("reached" if now and not was else "fell_back" if was and not now else None)
    assert crossing(before, added, None, direction) is None  # no target, nothing to cross


@given(st.lists(values, max_size=5), st.lists(values, min_size=1, max_size=5), values)
def test_up_is_good_and_down_is_good_cross_alike_when_the_series_is_mirrored(
    before: list[float], added: list[float], target: float
) -> None:
    """Lower being better is higher being better turned upside down (the target itself meets it either way)."""
    assert crossing(before, added, target, "up") == crossing(mirrored(before), mirrored(added), -target, "down")


@given(st.lists(values, min_size=1, max_size=5), st.lists(values, min_size=1, max_size=5), values, directions)
def test_a_fall_back_undone_is_a_reach_and_the_way_back_is_a_fall(
    before: list[float], added: list[float], target: float, direction: Direction
) -> None:
    """Swapping the newest value before and after turns a reach into a fall back and back again."""
    there = crossing([before[-1]], [added[-1]], target, direction)
    back = crossing([added[-1]], [before[-1]], target, direction)
    assert {there, back} in ({None}, {"reached", "fell_back"})


KNOWN: list[tuple[list[float], list[float], float | None, Direction, str | None]] = [
    # before, added, target, direction, crossing
    ([80, 83.5], [86], 85, "up", "reached"),  # satisfaction up to its target
    ([86], [84.5], 85, "up", "fell_back"),  # and below it again
    ([], [90], 85, "up", "reached"),  # a first value already on target
    ([], [70], 85, "up", None),  # a first value short of it: nothing to fall back from
    ([84], [85], 85, "up", "reached"),  # the target itself meets it
    ([85], [85], 85, "up", None),
    ([4.10], [3.80], 4, "down", "reached"),  # cost per transaction down to its target
    ([3.80], [4.20], 4, "down", "fell_back"),  # and above it again
    ([3.80], [3.50], 4, "down", None),  # better still: no new crossing
    ([90], [95], None, "up", None),  # no target
]


def test_known_crossings() -> None:
    for before, added, target, direction, expected in KNOWN:
        got = crossing(before, added, target, direction)
        assert got == expected, (before, added, target, direction)


def test_a_correction_of_an_older_month_crosses_nothing() -> None:
    """Only the newest value counts: a month before it corrected to any value changes no side."""
    old = series([80, 90])
    corrected = measure_rules.merged(old, [MonthValue(month=old[0].month, value=10)])
    assert measure_rules.crossing(old, corrected, 85, "up") is None


@given(st.lists(values, min_size=1, max_size=6), st.lists(values, min_size=1, max_size=6))
def test_recording_a_month_again_keeps_one_value_for_it_in_month_order(first: list[float], second: list[float]) -> None:
    merged = measure_rules.merged(series(first), series(second))
    assert [v.month for v in merged] == sorted({v.month for v in series(first) + series(second)})
    assert [v.value for v in merged[: len(second)]] == second


def test_a_month_is_a_real_one() -> None:
    assert measure_rules.parse_month("2026-05") == dt.date(2026, 5, 1)
    assert measure_rules.parse_month("2026-13") is None and measure_rules.parse_month("2026-5") is None
