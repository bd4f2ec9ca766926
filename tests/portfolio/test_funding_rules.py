"""Spreading a funding record over financial years (services/portfolio/funding_rules.py), as
specifications: pure, so no servers. UK public bodies budget by financial year, 1 April to 31 March;
an amount (in pence) is split pro rata by days, and its parts always add up to it exactly."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.portfolio.funding_rules import financial_year_name, spread_by_financial_year

specification = settings(max_examples=300, deadline=None)
amounts = st.integers(min_value=0, max_value=10**13)
days = st.dates(min_value=dt.date(1999, 1, 1), max_value=dt.date(2090, 12, 31))
lengths = st.integers(min_value=0, max_value=3000)


def split(amount: int, first: dt.date, last: dt.date) -> list[tuple[str, int, int]]:
    return [(s.financial_year, s.days, s.amount_pence) for s in spread_by_financial_year(amount, first, last)]


KNOWN = [
    # £1,000 over the calendar year 2025: January to March are 90 days of 2024-25, the rest 275 of 2025-26.
    (100_000, dt.date(2025, 1, 1), dt.date(2025, 12, 31), [("2024-25", 90, 24658), ("2025-26", 275, 75342)]),
    # One financial year exactly: all of it there.
    (1_250_050, dt.date(2026, 4, 1), dt.date(2027, 3, 31), [("2026-27", 365, 1_250_050)]),
    # The last day of one year and the first of the next: a penny each, the odd penny to the earlier.
    (3, dt.date(2026, 3, 31), dt.date(2026, 4, 1), [("2025-26", 1, 2), ("2026-27", 1, 1)]),
    (2, dt.date(2026, 3, 31), dt.date(2026, 4, 1), [("2025-26", 1, 1), ("2026-27", 1, 1)]),
    # A leap year's 29 February counts as a day of 2023-24.
    (36_600, dt.date(2023, 4, 1), dt.date(2024, 3, 31), [("2023-24", 366, 36_600)]),
    (100, dt.date(2024, 2, 29), dt.date(2024, 4, 1), [("2023-24", 32, 97), ("2024-25", 1, 3)]),
    # 1p over four years: 2025-26 and 2026-27 have the equal largest fractions, and the earlier wins.
    (1, dt.date(2025, 3, 31), dt.date(2027, 4, 1),
     [("2024-25", 1, 0), ("2025-26", 365, 1), ("2026-27", 365, 0), ("2027-28", 1, 0)]),
    # Largest-remainder rounding's known limit (the "population paradox"): a day more at the end can move
    # a penny into an earlier year (2019-20 here), though the earlier years together never gain.
    (69, dt.date(2020, 2, 27), dt.date(2021, 7, 17), [("2019-20", 34, 4), ("2020-21", 365, 50), ("2021-22", 108, 15)]),
    (69, dt.date(2020, 2, 27), dt.date(2021, 7, 18), [("2019-20", 34, 5), ("2020-21", 365, 49), ("2021-22", 109, 15)]),
    (0, dt.date(2025, 1, 1), dt.date(2026, 1, 1), [("2024-25", 90, 0), ("2025-26", 276, 0)]),
]  # fmt: skip


@pytest.mark.parametrize(("amount", "first", "last", "expected"), KNOWN)
def test_known_periods_split_as_a_finance_team_would(
    amount: int, first: dt.date, last: dt.date, expected: list[tuple[str, int, int]]
) -> None:
    assert split(amount, first, last) == expected


def test_financial_years_are_written_with_the_next_years_last_two_digits() -> None:
    assert [financial_year_name(y) for y in (2025, 1999, 2009)] == ["2025-26", "1999-00", "2009-10"]


@specification
@given(amounts, days, lengths)
def test_the_parts_add_up_to_the_whole_in_pence_and_none_is_negative(amount: int, first: dt.date, length: int) -> None:
    parts = spread_by_financial_year(amount, first, first + dt.timedelta(days=length))
    assert sum(p.amount_pence for p in parts) == amount
    assert all(p.amount_pence >= 0 for p in parts)


@specification
@given(amounts, days, lengths)
def test_every_day_of_the_period_is_counted_once_in_consecutive_years(amount: int, first: dt.date, length: int) -> None:
    parts = spread_by_financial_year(amount, first, first + dt.timedelta(days=length))
    assert sum(p.days for p in parts) == length + 1 and all(p.days > 0 for p in parts)
    starts = [int(p.financial_year[:4]) for p in parts]
    assert starts == list(range(starts[0], starts[0] + len(parts)))
    assert starts[0] == (first.year if first.month >= 4 else first.year - 1)


@specification
@given(amounts, days, lengths)
def test_each_part_is_within_a_penny_of_its_exact_share_of_the_days(amount: int, first: dt.date, length: int) -> None:
    parts = spread_by_financial_year(amount, first, first + dt.timedelta(days=length))
    for p in parts:
        assert abs(p.amount_pence - Fraction(amount * p.days, length + 1)) < 1


@specification
@given(amounts, st.integers(min_value=1999, max_value=2090), st.integers(0, 364), st.integers(0, 364))
def test_a_period_inside_one_financial_year_is_one_part_equal_to_the_whole(
    amount: int, year: int, a: int, b: int
) -> None:
    start = dt.date(year, 4, 1)
    first, last = sorted((start + dt.timedelta(days=a), start + dt.timedelta(days=b)))
    assert split(amount, first, last) == [(financial_year_name(year), (last - first).days + 1, amount)]


@specification
@given(amounts, days, lengths)
def test_a_day_more_at_the_end_never_moves_money_back_into_the_years_before_that_day(
    amount: int, first: dt.date, length: int
) -> None:
    """The years before the one the extra day falls in, together, never gain (any one of them may gain a
    penny from another: see the population paradox case above); and the year it falls in never loses."""
    last = first + dt.timedelta(days=length)
    before, after = split(amount, first, last), split(amount, first, last + dt.timedelta(days=1))
    earlier = len(after) - 1
    assert sum(p for _, _, p in after[:earlier]) <= sum(p for _, _, p in before[:earlier])
    if len(after) == len(before):
        assert after[-1][2] >= before[-1][2]
