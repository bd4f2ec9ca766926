"""Funding records: the inputs and their rules (pure). An amount is written in pounds ("12500" or
"12500.50") and kept in pence, an integer, so no sum ever rounds."""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from services.portfolio.domain import Input
from services.portfolio.measure_rules import Month, parse_month
from shared.events import FundingKind, FundingSnapshot, FundingSource
from shared.http import FieldError
from shared.replies.portfolio import FinancialYearShare, Funding

Pounds = Annotated[str, msgspec.Meta(max_length=20, pattern=r"^[0-9][0-9,]*(\.[0-9]{1,2})?$")]
"""An amount in pounds, like 12500, 12,500 or 12500.50."""
MAX_PENCE = 10**13
"""£100 billion: more than any catalyst project; a bigger figure is a typing slip."""


class NewFunding(Input, kw_only=True):
    source: FundingSource
    amount: Pounds
    starts: Month
    ends: Month
    kind: FundingKind
    published: bool = False


class FundingChanges(Input, kw_only=True):
    source: FundingSource | UnsetType = UNSET
    amount: Pounds | UnsetType = UNSET
    starts: Month | UnsetType = UNSET
    ends: Month | UnsetType = UNSET
    kind: FundingKind | UnsetType = UNSET
    published: bool | UnsetType = UNSET


def pence(amount: str) -> int:
    """12,500.5 -> 1250050 (the pattern accepted it)."""
    return int(Decimal(amount.replace(",", "")) * 100)


def pounds(amount_pence: int) -> str:
    return f"{amount_pence // 100}.{amount_pence % 100:02d}"


def errors_of(amount: str | UnsetType, starts: str | UnsetType, ends: str | UnsetType,
              current: FundingSnapshot | None = None) -> list[FieldError]:  # fmt: skip
    """A real amount above nothing, real months, and a period that does not end before it starts."""
    errors = []
    if isinstance(amount, str) and not 0 < pence(amount) <= MAX_PENCE:
        errors.append(FieldError("amount", "Enter an amount more than £0 and no more than £100,000,000,000",
                                 "Rhowch swm mwy na £0 a dim mwy na £100,000,000,000"))  # fmt: skip
    first = parse_month(starts) if isinstance(starts, str) else (current.starts_on if current else None)
    last = parse_month(ends) if isinstance(ends, str) else (current.ends_on if current else None)
    for field, given, month in (("starts", starts, first), ("ends", ends, last)):
        if isinstance(given, str) and month is None:
            errors.append(FieldError(field, "Enter a real month, like 2026-05", "Rhowch fis go iawn, fel 2026-05"))
    if first is not None and last is not None and last < first:
        errors.append(FieldError("ends", "The period must not end before it starts",
                                 "Ni all y cyfnod ddod i ben cyn iddo ddechrau"))  # fmt: skip
    return errors


def snapshot_of(project_id: uuid.UUID, new: NewFunding) -> FundingSnapshot:
    starts, ends = parse_month(new.starts), parse_month(new.ends)
    assert starts is not None and ends is not None  # errors_of refused them otherwise
    return FundingSnapshot(project_id=project_id, source=new.source, amount_pence=pence(new.amount), starts_on=starts,
                           ends_on=ends, kind=new.kind, published=new.published)  # fmt: skip


def changed_fields(current: FundingSnapshot, changes: FundingChanges) -> dict[str, object]:
    given = {k: v for k, v in msgspec.structs.asdict(changes).items() if v is not UNSET}
    fields: dict[str, object] = {}
    for name, value in given.items():
        if name == "amount":
            fields["amount_pence"] = pence(str(value))
        elif name in ("starts", "ends"):
            fields[f"{name}_on"] = parse_month(str(value))
        else:
            fields[name] = value
    return {k: v for k, v in fields.items() if getattr(current, k) != v}


def financial_year_of(day: dt.date) -> int:
    """The calendar year the financial year holding ``day`` starts in (UK public bodies: 1 April to 31 March)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_name(starts: int) -> str:
    """2025 -> "2025-26" (1999 -> "1999-00"), as written in English and in Welsh."""
    return f"{starts}-{(starts + 1) % 100:02d}"


def spread_by_financial_year(amount_pence: int, first: dt.date, last: dt.date) -> list[FinancialYearShare]:
    """``amount_pence`` over the days ``first`` to ``last`` (both included), split pro rata by the days
    in each financial year, oldest first. The parts add up to the whole exactly: each year gets the
    pence of its exact share rounded down, and the pence left over go one each to the years with
    the largest fractions left (the earlier year first when two are equal)."""
    assert amount_pence >= 0 and first <= last  # errors_of refused anything else
    days: list[tuple[int, int]] = []
    for year in range(financial_year_of(first), financial_year_of(last) + 1):
        year_first, year_last = max(first, dt.date(year, 4, 1)), min(last, dt.date(year + 1, 3, 31))
        days.append((year, (year_last - year_first).days + 1))
    total = sum(d for _, d in days)
    shares = [divmod(amount_pence * d, total) for _, d in days]
    left = amount_pence - sum(whole for whole, _ in shares)
    extra = set(sorted(range(len(days)), key=lambda i: (-shares[i][1], i))[:left])
    return [FinancialYearShare(financial_year=financial_year_name(year), days=d,
                               amount_pence=shares[i][0] + (1 if i in extra else 0))
            for i, (year, d) in enumerate(days)]  # fmt: skip


def last_day_of_month(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def reply(funding_id: uuid.UUID, snapshot: FundingSnapshot, version: int) -> Funding:
    """The record with its amount in pounds and spread over its financial years (its period runs from the
    first day of ``starts_on``'s month to the last day of ``ends_on``'s)."""
    shares = spread_by_financial_year(snapshot.amount_pence, snapshot.starts_on, last_day_of_month(snapshot.ends_on))
    return Funding(id=funding_id, version=version, amount=pounds(snapshot.amount_pence), by_financial_year=shares,
                   **msgspec.structs.asdict(snapshot))  # fmt: skip
