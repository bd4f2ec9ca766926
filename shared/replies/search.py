"""What the search service answers: the reply Structs its clients (the web) decode.

Counting is bounded as Elasticsearch's ``track_total_hits`` is: ``total`` is exact up to the
installation's cap (``CDPS_SEARCH_COUNT_CAP``, 10,000 by default) and ``total_relation`` says
``"gte"`` above it ("more than 10,000"); the facets then count the first cap matches and say so
with ``facets_approximate``. The ranking is always over every match.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import msgspec

SearchKind = Literal[
    "partner", "project", "update", "engagement", "support_request", "weeknote", "assessment", "measure", "phase_change"
]
TotalRelation = Literal["eq", "gte"]


class FacetCount(msgspec.Struct, frozen=True):
    value: str
    count: int


class SearchHit(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: SearchKind
    slug: str
    project_id: uuid.UUID | None
    partner_id: uuid.UUID | None
    title_en: str
    title_cy: str
    snippet_en: str
    """HTML: the escaped text with matches in <mark>."""
    snippet_cy: str
    phase: str | None
    health: str | None
    tags: list[str]
    occurred_on: dt.date
    rank: float
    """3: the title matches as typed; 2: the title matches a mutated, plural or singular form;
    1: the text matches as typed; 0: the text matches another form. Newest first within each."""


class SearchResults(msgspec.Struct, kw_only=True):
    query: str
    total: int
    """Exact when ``total_relation`` is "eq"; otherwise the cap, and there are more."""
    total_relation: TotalRelation = "eq"
    items: list[SearchHit]
    facets: dict[str, list[FacetCount]]
    facets_approximate: bool = False
    """True when the cap was reached: the facets count the first ``total`` matches, not all."""
    corrected: str | None = None
    """Set when nothing matched as typed and these are the results for the nearest title words."""
