"""The rules of a measure's series, for any values: whether the target is met, which way it is going,
and whether the newest value has just crossed the target (what the weeknotes mention)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from services.portfolio import measure_rules
from shared.events import MonthValue

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


@given(st.lists(values, max_size=5), st.lists(values, min_size=1, max_size=5), values, directions)
def test_crossing_is_meeting_now_and_not_before(before: list[float], added: list[float], target: float,
                                                direction: str) -> None:  # fmt: skip
    old = series(before)
    after = measure_rules.merged(old, series(added, start=len(before)))
    crossed = measure_rules.crossed(old, after, target, direction)  # type: ignore[arg-type]
    now_meets = measure_rules.meets(after[-1].value, target, direction)  # type: ignore[arg-type]
    was_meeting = bool(old) and measure_rules.meets(old[-1].value, target, direction)  # type: ignore[arg-type]
    assert crossed == (now_meets and not was_meeting)
    assert not measure_rules.crossed(old, after, None, direction)  # type: ignore[arg-type]


@given(st.lists(values, min_size=1, max_size=6), st.lists(values, min_size=1, max_size=6))
def test_recording_a_month_again_keeps_one_value_for_it_in_month_order(first: list[float], second: list[float]) -> None:
    merged = measure_rules.merged(series(first), series(second))
    assert [v.month for v in merged] == sorted({v.month for v in series(first) + series(second)})
    assert [v.value for v in merged[: len(second)]] == second


def test_a_month_is_a_real_one() -> None:
    assert measure_rules.parse_month("2026-05") == dt.date(2026, 5, 1)
    assert measure_rules.parse_month("2026-13") is None and measure_rules.parse_month("2026-5") is None
