"""What each event means for the search index. Pure: events in, documents out, no I/O."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence

import msgspec

from services.search.welsh import analyser, tokenise
from shared import vocabulary
from shared.events import (
    AssessmentPublished,
    AssessmentSnapshot,
    AssessmentTranslated,
    EngagementEnded,
    EngagementRecorded,
    EngagementUpdated,
    EventData,
    Header,
    MeasureChanged,
    MeasureDefined,
    MeasureRemoved,
    MeasureSnapshot,
    MeasureValuesRecorded,
    PartnerRegistered,
    PartnerUpdated,
    ProjectCreated,
    ProjectGateReasonTranslated,
    ProjectHealthChanged,
    ProjectPhaseChanged,
    ProjectPhaseReasonTranslated,
    ProjectRoadmapPlaced,
    ProjectSnapshot,
    ProjectUpdated,
    ProjectUpdatePosted,
    ProjectUpdateTranslated,
    SupportNeedCorrected,
    SupportRequested,
    SupportTranslated,
    SupportTriaged,
    WeeknotePublished,
)
from shared.vocabulary import ASSESSMENT_KINDS, ENGAGEMENT_KINDS, PHASES, RATINGS, both_names, name

MIN_TERM_LENGTH = 3
"""Shorter title words are not worth correcting (and would match almost anything by trigrams)."""

_tokens = functools.lru_cache(maxsize=65_536)(tokenise)


# Every event of a project repeats its title and summary, so the Welsh analysis of a text is worked
# out once and reused (it is pure; the rebuild spends most of its Python time here otherwise).
@functools.lru_cache(maxsize=65_536)
def welsh_terms(welsh: str, english: str) -> str:
    """The Welsh terms of a field (a tsvector literal): its Welsh text analysed as Welsh, and the
    Welsh place names of its English text."""
    return analyser().index_vector(welsh, english)


# An engagement document is titled with its kind in both languages; "Other" says nothing as a title.
ENGAGEMENT_TITLES = {code: both_names(ENGAGEMENT_KINDS, code) for code in ENGAGEMENT_KINDS}
ENGAGEMENT_TITLES["other"] = ("Engagement", "Ymgysylltiad")

UNTITLED = ("update", "measure", "phase_change")
"""Documents shown under their project's title and matched on their own words only (a search for
the project's title finds the project, not each of its updates, measures and phase changes)."""
NAMED_BY_TEXT = ("measure",)
"""Untitled documents whose text is a name (short, chosen, and misspelt like a title): their words
join the typo lexicon. An update's or a reason's prose would only add noise to it."""
FOLLOW_THEIR_PROJECT = ("update", "assessment", "measure", "phase_change")
"""Documents whose audience is their project's, whatever their own event said."""


class Document(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    aggregate_id: uuid.UUID
    aggregate_seq: int
    visibility: str
    occurred_on: dt.date
    slug: str = ""
    partner_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    title_en: str = ""
    title_cy: str = ""
    body_en: str = ""
    body_cy: str = ""
    phase: str | None = None
    health: str | None = None
    state: str | None = None
    tags: list[str] = []
    partner_only: bool = False
    """Read only by staff and the project's own partner, even when the project is public (an
    unpublished measure, the reason for a phase change: its project's history)."""

    @property
    def title_terms(self) -> str:
        """An update is matched on its own words: the title it shows is its project's."""
        return "" if self.kind in UNTITLED else welsh_terms(self.title_cy, self.title_en)

    @property
    def body_terms(self) -> str:
        return welsh_terms(self.body_cy, self.body_en)

    @property
    def tags_text(self) -> str:
        return " ".join(self.tags)

    @property
    def audience(self) -> tuple[str, uuid.UUID | None]:
        return self.visibility, self.partner_id

    @property
    def titles(self) -> tuple[str, str]:
        return self.title_en, self.title_cy

    def lexicon_words(self) -> set[str]:
        """The folded words the typo lexicon learns from this record: both titles, or a measure's name
        (its text: a measure shows its project's title, but is looked for by its own name)."""
        if self.kind in NAMED_BY_TEXT:
            words = (*_tokens(self.body_en), *_tokens(self.body_cy))
        elif self.kind in UNTITLED:
            return set()
        else:
            words = (*_tokens(self.title_en), *_tokens(self.title_cy))
        return {word for word in words if len(word) >= MIN_TERM_LENGTH}


class Retext(msgspec.Struct, kw_only=True):
    """A document's text in both languages, written anew (a translation filled in, or a text moved to
    the language it is really in); the rest of the document stays as the index holds it."""

    id: uuid.UUID
    body_en: str
    body_cy: str

    @property
    def body_terms(self) -> str:
        return welsh_terms(self.body_cy, self.body_en)


class Indexing(msgspec.Struct, kw_only=True):
    """What to write for one event.

    ``record`` is the document of the event's own aggregate, applied only if the event is newer
    than what the index holds (every snapshot is complete, so the newest wins). ``extra`` are
    documents of their own (a posted update) written whatever the order, keyed by their own id.
    """

    record: Document | None = None
    extra: list[Document] = []
    state: str | None = None
    """For events that only change a document's state (a triaged support request)."""
    retexts: list[Retext] = []
    """For events that only change a document's text: its record's own (by ``aggregate_seq``, as a
    state is), or a standalone document's (a translated update: after the update, whatever the order)."""
    removed: bool = False
    """The event's record is gone (a removed measure): its document leaves the index."""


def _body(project: ProjectSnapshot, lang: vocabulary.Lang) -> str:
    """The summary, then the wellbeing goals the project serves and why its health is what it is, so a
    search for a goal or for the reason finds it."""
    goals = [vocabulary.name(vocabulary.WELLBEING_GOALS, g, lang) for g in project.wellbeing_goals]
    reason = project.health_reason.en if lang == "en" else project.health_reason.cy
    return "\n".join(text for text in (project.summary_en if lang == "en" else project.summary_cy, *goals, reason)
                     if text)  # fmt: skip


def audience(project: ProjectSnapshot, partner_only: bool) -> str:
    """Who sees a document of a project: whoever sees the project, but a text for its partner and
    staff only (``Document.partner_only``) never the public. The same rule, in SQL, is in the
    consumer: a project's documents follow it when its audience changes."""
    return "partner" if partner_only and project.visibility == "public" else project.visibility


def untitled_document(
    project: ProjectSnapshot, *, id: uuid.UUID, kind: str, aggregate_id: uuid.UUID, aggregate_seq: int,
    occurred_on: dt.date, project_id: uuid.UUID, body_en: str, body_cy: str, partner_only: bool = False,
) -> Document:  # fmt: skip
    """A document of a project's that shows its project's title and is matched on its own text (``UNTITLED``)."""
    return Document(
        id=id, kind=kind, aggregate_id=aggregate_id, aggregate_seq=aggregate_seq,
        visibility=audience(project, partner_only), occurred_on=occurred_on, slug=project.slug,
        partner_id=project.partner_id, project_id=project_id, title_en=project.title_en, title_cy=project.title_cy,
        body_en=body_en, body_cy=body_cy, phase=project.phase, health=project.health, tags=list(project.tags),
        partner_only=partner_only,
    )  # fmt: skip


def measure_document(envelope: Header, measure: MeasureSnapshot, project: ProjectSnapshot) -> Document:
    """A measure is found by its name (the catalogue's, or the project's own), by whoever may see it:
    a published one as its project is, an unpublished one by staff and the project's partner only
    (``services.portfolio.measure_store.VISIBLE``)."""
    if measure.catalogue is None:
        name_en, name_cy = measure.name.en, measure.name.cy
    else:
        name_en, name_cy = both_names(vocabulary.MEASURES, measure.catalogue)
    return untitled_document(
        project, id=envelope.aggregate_id, kind="measure", aggregate_id=envelope.aggregate_id,
        aggregate_seq=envelope.aggregate_seq, occurred_on=envelope.occurred_at.date(), project_id=measure.project_id,
        body_en=name_en, body_cy=name_cy, partner_only=not measure.published,
    )  # fmt: skip


def project_document(envelope: Header, project: ProjectSnapshot) -> Document:
    return Document(
        id=envelope.aggregate_id, kind="project", aggregate_id=envelope.aggregate_id,
        aggregate_seq=envelope.aggregate_seq, visibility=project.visibility,
        occurred_on=envelope.occurred_at.date(), slug=project.slug, partner_id=project.partner_id,
        project_id=envelope.aggregate_id, title_en=project.title_en, title_cy=project.title_cy,
        body_en=_body(project, "en"), body_cy=_body(project, "cy"),
        phase=project.phase, health=project.health, state=project.state, tags=list(project.tags),
    )  # fmt: skip


def assessment_document(envelope: Header, now: AssessmentSnapshot, project: ProjectSnapshot) -> Document:
    """A published assessment is found as its project is (same visibility): its gate, kind and outcome
    in both languages, and its summary; never the panel's names."""
    en = f"{name(PHASES, now.from_phase, 'en')} to {name(PHASES, now.to_phase, 'en').lower()}"
    cy = f"{name(PHASES, now.from_phase, 'cy')} i {name(PHASES, now.to_phase, 'cy').lower()}"
    outcome_en, outcome_cy = both_names(RATINGS, now.outcome or "")
    kind_en, kind_cy = both_names(ASSESSMENT_KINDS, now.kind)
    return Document(
        id=envelope.aggregate_id, kind="assessment", aggregate_id=envelope.aggregate_id,
        aggregate_seq=envelope.aggregate_seq, visibility=project.visibility, occurred_on=now.held_on,
        slug=project.slug, partner_id=project.partner_id, project_id=now.project_id,
        title_en=f"{project.title_en}: assessment, {en}", title_cy=f"{project.title_cy}: asesiad, {cy}",
        body_en=f"{kind_en}. {outcome_en}. {now.summary_en}", body_cy=f"{kind_cy}. {outcome_cy}. {now.summary_cy}",
        phase=project.phase, tags=list(project.tags),
    )  # fmt: skip


_GATE_REASONS = uuid.UUID("0b7d3c1e-6a54-4f0e-9d2b-7e1f5a8c3d60")


def gate_reason_id(phase_change_id: uuid.UUID) -> uuid.UUID:
    """The document of a phase change's reason to pass a gate: its own, beside the reason's (which has
    the phase change's id), since each is translated by an event that carries only its own text."""
    return uuid.uuid5(_GATE_REASONS, str(phase_change_id))


def indexing_for(envelope: Header, event: EventData) -> Indexing:
    on = envelope.occurred_at.date()
    seq = envelope.aggregate_seq
    if isinstance(event, PartnerRegistered | PartnerUpdated):
        partner = event.partner
        return Indexing(record=Document(
            id=envelope.aggregate_id, kind="partner", aggregate_id=envelope.aggregate_id, aggregate_seq=seq,
            visibility="public" if partner.active else "internal", occurred_on=on, slug=partner.slug,
            partner_id=envelope.aggregate_id, title_en=partner.name_en, title_cy=partner.name_cy,
            body_en=partner.website or "",
            state="active" if partner.active else "inactive",
        ))  # fmt: skip
    if isinstance(event, ProjectPhaseChanged) and not (event.reason.blank and event.gate_override_reason.blank):
        # The reason, and the reason to pass a gate without a met assessment, are read in the
        # project's history: by staff and its partner. A translation of either
        # (portfolio.project.phase_reason_translated, gate_reason_translated) rewrites its text, as an
        # update's does.
        texts = [(envelope.id, event.reason)]
        if not event.gate_override_reason.blank:  # its id is a hash: worked out only when it is needed
            texts.append((gate_reason_id(envelope.id), event.gate_override_reason))
        reasons = [
            untitled_document(
                event.project, id=doc_id, kind="phase_change", aggregate_id=envelope.aggregate_id, aggregate_seq=seq,
                occurred_on=event.effective, project_id=envelope.aggregate_id, body_en=reason.en, body_cy=reason.cy,
                partner_only=True,
            )
            for doc_id, reason in texts if not reason.blank
        ]  # fmt: skip
        return Indexing(record=project_document(envelope, event.project), extra=reasons)
    if isinstance(event, ProjectCreated | ProjectUpdated | ProjectPhaseChanged | ProjectHealthChanged
                  | ProjectRoadmapPlaced):  # fmt: skip
        return Indexing(record=project_document(envelope, event.project))
    if isinstance(event, ProjectUpdateTranslated):
        return Indexing(record=project_document(envelope, event.project),
                        retexts=[Retext(id=event.update_id, body_en=event.body_en, body_cy=event.body_cy)])  # fmt: skip
    if isinstance(event, ProjectUpdatePosted):
        update = untitled_document(
            event.project, id=event.update_id, kind="update", aggregate_id=envelope.aggregate_id, aggregate_seq=seq,
            occurred_on=event.posted_on, project_id=envelope.aggregate_id, body_en=event.body_en, body_cy=event.body_cy,
        )  # fmt: skip
        return Indexing(record=project_document(envelope, event.project), extra=[update])
    if isinstance(event, ProjectPhaseReasonTranslated):
        translated = Retext(id=event.phase_change_id, body_en=event.reason.en, body_cy=event.reason.cy)
        return Indexing(record=project_document(envelope, event.project), retexts=[translated])
    if isinstance(event, ProjectGateReasonTranslated):
        gate = event.gate_override_reason
        translated = Retext(id=gate_reason_id(event.phase_change_id), body_en=gate.en, body_cy=gate.cy)
        return Indexing(record=project_document(envelope, event.project), retexts=[translated])
    if isinstance(event, MeasureDefined | MeasureChanged | MeasureValuesRecorded):
        return Indexing(record=measure_document(envelope, event.measure, event.for_project))
    if isinstance(event, MeasureRemoved):
        return Indexing(removed=True)
    if isinstance(event, EngagementRecorded | EngagementUpdated | EngagementEnded):
        # Edited and ended engagements are found as they now stand (the newest sequence wins).
        engagement = event if isinstance(event, EngagementRecorded) else event.engagement
        kind_en, kind_cy = ENGAGEMENT_TITLES[engagement.kind]
        return Indexing(record=Document(
            id=envelope.aggregate_id, kind="engagement", aggregate_id=envelope.aggregate_id, aggregate_seq=seq,
            visibility="partner", occurred_on=engagement.started_on, partner_id=engagement.partner_id,
            project_id=engagement.project_id, title_en=kind_en, title_cy=kind_cy, body_en=engagement.summary_en,
            body_cy=engagement.summary_cy,
        ))  # fmt: skip
    if isinstance(event, SupportRequested):
        # Staff only. The contact's name and email are not indexed: search needs the organisation and the need,
        # in the language it is written in (Welsh analysis only for Welsh text).
        return Indexing(record=Document(
            id=envelope.aggregate_id, kind="support_request", aggregate_id=envelope.aggregate_id, aggregate_seq=seq,
            visibility="internal", occurred_on=on, title_en=event.organisation, title_cy=event.organisation,
            body_en=event.need.en, body_cy=event.need.cy,
            state="new",
        ))  # fmt: skip
    if isinstance(event, AssessmentPublished) or (
        isinstance(event, AssessmentTranslated) and event.assessment.status == "published"
    ):
        # A published assessment's translation is the assessment as it now stands: its document anew.
        return Indexing(record=assessment_document(envelope, event.assessment, event.for_project))
    if isinstance(event, WeeknotePublished):
        return Indexing(record=Document(
            id=envelope.aggregate_id, kind="weeknote", aggregate_id=envelope.aggregate_id, aggregate_seq=seq,
            visibility="public", occurred_on=event.week, slug=event.week.isoformat(), title_en=event.title_en,
            title_cy=event.title_cy, body_en=event.content_en, body_cy=event.content_cy,
        ))  # fmt: skip
    if isinstance(event, SupportTriaged):
        return Indexing(state=event.outcome)
    if isinstance(event, SupportTranslated | SupportNeedCorrected):  # the need is indexed, the reason is not
        return Indexing(retexts=[Retext(id=envelope.aggregate_id, body_en=event.need.en, body_cy=event.need.cy)])
    return Indexing()


class Changes(msgspec.Struct, kw_only=True):
    """What one batch of events changes in the index, once folded together."""

    documents: list[Document]
    """Records newer than the index holds (one per record: its newest), and standalone documents."""
    states: dict[uuid.UUID, str]
    """State-only changes of records whose document is not rewritten in this batch."""
    sequences: dict[uuid.UUID, int]
    """The newest aggregate_seq now applied, per record."""
    retexts: list[Retext] = []
    """Text-only changes of documents not rewritten in this batch."""
    removed: list[uuid.UUID] = []
    """Records whose newest event removed them (their documents leave the index)."""


def changes_for(events: Sequence[tuple[Header, Indexing]], indexed: dict[uuid.UUID, int]) -> Changes:
    """Fold a batch: per record, only events newer than ``indexed`` (what the index already holds)
    count, in aggregate_seq order, so duplicates and late arrivals change nothing; the newest
    snapshot wins and a later state-only or text-only event (a triage, a translation) amends it.
    Standalone documents (posted updates) are keyed by their own id and written whatever the order,
    and so are their translations, which come after them."""
    standalone: dict[uuid.UUID, Document] = {}
    translated: dict[uuid.UUID, Retext] = {}
    newer: dict[uuid.UUID, dict[int, Indexing]] = {}
    for envelope, indexing in events:
        for doc in indexing.extra:
            standalone[doc.id] = doc
        for retext in indexing.retexts:
            if retext.id != envelope.aggregate_id:
                translated[retext.id] = retext
        if envelope.aggregate_seq > indexed.get(envelope.aggregate_id, 0):
            newer.setdefault(envelope.aggregate_id, {})[envelope.aggregate_seq] = indexing
    records: dict[uuid.UUID, Document] = {}
    removed: list[uuid.UUID] = []
    states: dict[uuid.UUID, str] = {}
    sequences: dict[uuid.UUID, int] = {}
    for aggregate_id, by_seq in newer.items():
        record: Document | None = None
        state: str | None = None
        own: Retext | None = None
        gone = False
        for seq in sorted(by_seq):
            indexing = by_seq[seq]
            if indexing.record is not None or indexing.removed:
                record, state, own, gone = indexing.record, None, None, indexing.removed
            if indexing.state is not None:
                state = indexing.state
            own = next((r for r in indexing.retexts if r.id == aggregate_id), own)
        if gone:
            removed.append(aggregate_id)
        elif record is not None:
            if own is not None:
                record = msgspec.structs.replace(record, body_en=own.body_en, body_cy=own.body_cy)
            records[aggregate_id] = record if state is None else msgspec.structs.replace(record, state=state)
        else:
            if state is not None:
                states[aggregate_id] = state
            if own is not None:
                translated[aggregate_id] = own
        sequences[aggregate_id] = max(by_seq)
    for doc_id, retext in list(translated.items()):
        if doc_id in standalone:  # the update and its translation in one batch
            standalone[doc_id] = msgspec.structs.replace(standalone.pop(doc_id), body_en=retext.body_en,
                                                         body_cy=retext.body_cy)  # fmt: skip
            del translated[doc_id]
    return Changes(documents=[*records.values(), *standalone.values()], states=states, sequences=sequences,
                   retexts=list(translated.values()), removed=removed)  # fmt: skip
