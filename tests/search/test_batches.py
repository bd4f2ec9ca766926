"""Folding a batch of events into index changes: the index ends the same however the stream is cut
into batches (the live consumer's small ones, the rebuild's large ones), and duplicates and late
deliveries of a record's events change nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Sequence

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from services.search.domain import Document, Indexing, changes_for, indexing_for
from shared.bilingual import EMPTY, Bilingual
from shared.events import (
    Actor,
    Envelope,
    Header,
    MeasureChanged,
    MeasureRemoved,
    MeasureSnapshot,
    ProjectUpdated,
    ProjectUpdatePosted,
    ProjectUpdateTranslated,
    SupportRequested,
    SupportTranslated,
    SupportTriaged,
    make_envelope,
)
from tests.helpers import snapshot

PROJECTS = [uuid.UUID(int=n) for n in range(1, 4)]
LEAD = Actor(id="lead-1", role="lead")


class Index:
    """What the consumer's writes do to the tables, in memory."""

    def __init__(self) -> None:
        self.documents: dict[uuid.UUID, Document] = {}
        self.sequences: dict[uuid.UUID, int] = {}

    def apply(self, batch: Sequence[tuple[Header, Indexing]]) -> None:
        changes = changes_for(list(batch), self.sequences)
        for record in changes.removed:
            self.documents.pop(record, None)
        for doc in changes.documents:
            self.documents[doc.id] = doc
        for record, state in changes.states.items():
            if record in self.documents:
                self.documents[record] = msgspec.structs.replace(self.documents[record], state=state)
        for text in changes.retexts:
            if text.id in self.documents:
                self.documents[text.id] = msgspec.structs.replace(self.documents[text.id], body_en=text.body_en,
                                                                  body_cy=text.body_cy)  # fmt: skip
        self.sequences.update(changes.sequences)


def edit(project: int, seq: int) -> tuple[Envelope, Indexing]:
    data = ProjectUpdated(project=snapshot(title_en=f"Revision {seq}"), changed=["title_en"])
    envelope = make_envelope(data, actor=LEAD, aggregate_id=PROJECTS[project], aggregate_seq=seq, partner_id=None)
    return envelope, indexing_for(envelope, data)


deliveries = st.lists(st.tuples(st.integers(0, len(PROJECTS) - 1), st.integers(1, 8)), min_size=1, max_size=30)


@given(deliveries, st.lists(st.integers(0, 30), max_size=5))
def test_the_newest_snapshot_of_each_record_wins_however_the_stream_is_cut(
    delivered: list[tuple[int, int]], cuts: list[int]
) -> None:
    events = [edit(project, seq) for project, seq in delivered]
    batched = Index()
    bounds = [0, *sorted(set(cuts)), len(events)]
    for start, end in itertools.pairwise(bounds):
        batched.apply(events[start:end])
    newest = {PROJECTS[p]: max(s for q, s in delivered if q == p) for p, _ in delivered}
    assert {doc.id: doc.title_en for doc in batched.documents.values()} == {
        project: f"Revision {seq}" for project, seq in newest.items()
    }
    assert batched.sequences == newest


def measure_event(measure: int, seq: int, removed: bool) -> tuple[Envelope, Indexing]:
    snapshot_ = MeasureSnapshot(project_id=PROJECTS[0], catalogue=None, name=Bilingual(en=f"Name {seq}", cy="Enw"),
                                unit="count", direction="up", target=None, published=True)  # fmt: skip
    data: MeasureChanged | MeasureRemoved = (
        MeasureRemoved(measure=snapshot_, reason=Bilingual(en="Gone"), for_project=snapshot()) if removed
        else MeasureChanged(measure=snapshot_, changed=["name"], for_project=snapshot())
    )  # fmt: skip
    envelope = make_envelope(data, actor=LEAD, aggregate_id=PROJECTS[measure], aggregate_seq=seq, partner_id=None)
    return envelope, indexing_for(envelope, data)


@given(st.lists(st.tuples(st.integers(0, len(PROJECTS) - 1), st.integers(1, 8), st.booleans()), min_size=1,
                max_size=30), st.lists(st.integers(0, 30), max_size=5))  # fmt: skip
def test_a_removed_measure_stays_removed_however_the_stream_is_cut(
    delivered: list[tuple[int, int, bool]], cuts: list[int]
) -> None:
    """A measure's newest event decides: its name as changed, or no document once it was removed,
    whatever came before or is delivered late. (Each sequence is one event: a redelivery is the same.)"""
    by_seq = {(measure, seq): removed for measure, seq, removed in delivered}
    events = [measure_event(measure, seq, by_seq[measure, seq]) for measure, seq, _ in delivered]
    index = Index()
    for start, end in itertools.pairwise([0, *sorted(set(cuts)), len(events)]):
        index.apply(events[start:end])
    newest = {PROJECTS[m]: max(s for n, s in by_seq if n == m) for m, _ in by_seq}
    assert {doc.id: doc.body_en for doc in index.documents.values()} == {
        measure: f"Name {seq}" for measure, seq in newest.items() if not by_seq[PROJECTS.index(measure), seq]
    }


def test_a_triage_in_the_same_batch_as_the_request_amends_the_new_document() -> None:
    request = uuid.uuid4()
    asked = make_envelope(
        SupportRequested(organisation="Powys Council", contact_name="Ann", contact_email="ann@example.org",
                         language="cy", need=Bilingual(en="School transport"), urgency="high"),
        actor=LEAD, aggregate_id=request, aggregate_seq=1, partner_id=None,
    )  # fmt: skip
    triaged = make_envelope(
        SupportTriaged(outcome="accepted", reason=EMPTY, engagement_id=None), actor=LEAD, aggregate_id=request,
        aggregate_seq=2, partner_id=None,
    )  # fmt: skip
    for batches in ([[asked, triaged]], [[asked], [triaged]], [[asked, triaged, asked]]):
        index = Index()
        for batch in batches:
            index.apply([(envelope, indexing_for(envelope, envelope.payload())) for envelope in batch])
        assert index.documents[request].state == "accepted", batches


def test_a_translation_reaches_its_document_however_the_stream_is_cut() -> None:
    """A support request's need and an update's body, each translated: the index ends with both
    languages whether the translation comes in the batch of its record, the next, or twice; and a
    triage between keeps its state."""
    request, project, update = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    need = Bilingual(en="School transport")
    stream = [
        make_envelope(data, actor=LEAD, aggregate_id=aggregate, aggregate_seq=seq, partner_id=None)
        for data, aggregate, seq in (
            (SupportRequested(organisation="Powys Council", contact_name="Ann", contact_email="ann@example.org",
                              language="cy", need=need, urgency="high"), request, 1),
            (SupportTriaged(outcome="accepted", reason=EMPTY, engagement_id=None), request, 2),
            (SupportTranslated(field="need", lang="cy", need=Bilingual(en=need.en, cy="Cludiant i'r ysgol"),
                               reason=EMPTY), request, 3),
            (ProjectUpdatePosted(project=snapshot(), update_id=update, posted_on=dt.date(2026, 11, 20),
                                 body_en="Met the panel", body_cy=""), project, 1),
            (ProjectUpdateTranslated(project=snapshot(), update_id=update, lang="cy", body_en="Met the panel",
                                     body_cy="Wedi cwrdd â'r panel"), project, 2),
        )
    ]  # fmt: skip
    for cuts in itertools.chain.from_iterable(itertools.combinations(range(1, len(stream)), n) for n in range(4)):
        index = Index()
        for start, end in itertools.pairwise([0, *cuts, len(stream)]):
            index.apply([(envelope, indexing_for(envelope, envelope.payload())) for envelope in stream[start:end]])
        index.apply([(stream[2], indexing_for(stream[2], stream[2].payload()))])  # a translation delivered again
        assert (index.documents[request].body_cy, index.documents[request].state) == ("Cludiant i'r ysgol", "accepted")
        assert index.documents[update].body_cy == "Wedi cwrdd â'r panel", cuts
