"""A deterministic generator of a large, realistic portfolio history, as real event envelopes.

The same seed and sizes always give the same events, ids and times, so two runs (and the search
and weeknotes benchmarks) see identical data. Everything is bilingual, with Welsh place names in
their mutated forms ("yng Nghaerdydd", "ym Mhowys"), so Welsh-aware search does real work.

    for envelope, event in generate(Size(projects=10_000, events=1_000_000)):
        ...

The history: partners are registered and projects created during the first tenth of a three-year
span; then come updates, phase and health changes, edits, engagements and support requests,
spread evenly in time. Phase changes follow the portfolio's rules (advance one phase, go back with
a reason, pause, resume, stop, reopen), so consumers that check transitions accept every one.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from shared.bilingual import EMPTY, Bilingual
from shared.events import (
    Actor,
    EngagementRecorded,
    Envelope,
    EventData,
    Health,
    PartnerKind,
    PartnerRegistered,
    PartnerSnapshot,
    ProjectCreated,
    ProjectHealthChanged,
    ProjectPhaseChanged,
    ProjectSnapshot,
    ProjectUpdated,
    ProjectUpdatePosted,
    SupportRequested,
)

SEED = 20_260_101
START = dt.datetime(2023, 1, 2, 9, 0, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=3 * 365)

# (English, Welsh name, Welsh after "yn" with its nasal mutation)
PLACES = [
    ("Cardiff", "Caerdydd", "yng Nghaerdydd"), ("Gwynedd", "Gwynedd", "yng Ngwynedd"),
    ("Powys", "Powys", "ym Mhowys"), ("Swansea", "Abertawe", "yn Abertawe"),
    ("Anglesey", "Ynys Môn", "yn Ynys Môn"), ("Wrexham", "Wrecsam", "yn Wrecsam"),
    ("Ceredigion", "Ceredigion", "yng Ngheredigion"), ("Pembrokeshire", "Sir Benfro", "yn Sir Benfro"),
    ("Bridgend", "Pen-y-bont ar Ogwr", "ym Mhen-y-bont ar Ogwr"), ("Conwy", "Conwy", "yng Nghonwy"),
    ("Torfaen", "Torfaen", "yn Nhorfaen"), ("Denbighshire", "Sir Ddinbych", "yn Sir Ddinbych"),
    ("Carmarthenshire", "Sir Gâr", "yn Sir Gâr"), ("Newport", "Casnewydd", "yng Nghasnewydd"),
    ("Blaenau Gwent", "Blaenau Gwent", "ym Mlaenau Gwent"), ("Merthyr Tydfil", "Merthyr Tudful", "ym Merthyr Tudful"),
    ("Caerphilly", "Caerffili", "yng Nghaerffili"), ("Monmouthshire", "Sir Fynwy", "yn Sir Fynwy"),
    ("Flintshire", "Sir y Fflint", "yn Sir y Fflint"),
    ("Rhondda Cynon Taf", "Rhondda Cynon Taf", "yn Rhondda Cynon Taf"),
    ("Neath Port Talbot", "Castell-nedd Port Talbot", "yng Nghastell-nedd Port Talbot"),
    ("Vale of Glamorgan", "Bro Morgannwg", "ym Mro Morgannwg"),
]  # fmt: skip
ORGANISATIONS: list[tuple[str, str, PartnerKind]] = [
    ("Council", "Cyngor", "local_authority"), ("Health Board", "Bwrdd Iechyd", "health"),
    ("Housing Association", "Cymdeithas Tai", "third_sector"), ("Fire and Rescue Service", "Gwasanaeth Tân ac Achub",
    "national_body"), ("Citizens Advice", "Cyngor ar Bopeth", "third_sector"), ("Library Service",
    "Gwasanaeth Llyfrgell", "local_authority"), ("Community Trust", "Ymddiriedolaeth Gymunedol", "other"),
]  # fmt: skip
VERBS = [
    ("Applying for", "Gwneud cais am"), ("Booking", "Trefnu"), ("Reporting problems with", "Rhoi gwybod am broblemau"
    " gyda"), ("Paying for", "Talu am"), ("Finding out about", "Dysgu am"), ("Renewing", "Adnewyddu"),
]  # fmt: skip
OBJECTS = [
    ("outpatient appointments", "apwyntiadau cleifion allanol"), ("school admissions", "derbyniadau ysgol"),
    ("blue badges", "bathodynnau glas"), ("housing repairs", "atgyweiriadau tai"),
    ("fishing licences", "trwyddedau pysgota"), ("council tax", "treth gyngor"),
    ("flood warnings", "rhybuddion llifogydd"), ("care assessments", "asesiadau gofal"),
    ("bin collections", "casgliadau biniau"), ("planning applications", "ceisiadau cynllunio"),
    ("library services", "gwasanaethau llyfrgell"), ("parking permits", "trwyddedau parcio"),
    ("free school meals", "prydau ysgol am ddim"), ("support for carers", "cymorth i ofalwyr"),
    ("waiting lists", "rhestrau aros"), ("repeat prescriptions", "presgripsiynau amlroddadwy"),
    ("volunteering", "gwirfoddoli"), ("bus passes", "tocynnau bws"),
    ("childcare funding", "cyllid gofal plant"), ("environmental permits", "trwyddedau amgylcheddol"),
]  # fmt: skip
AUDIENCES = [
    ("", ""), (" for older people", " i bobl hŷn"), (" for young carers", " i ofalwyr ifanc"),
    (" for small businesses", " i fusnesau bach"), (" for tenants", " i denantiaid"), (" for farmers", " i ffermwyr"),
]  # fmt: skip
UPDATES = [
    ("Finished a round of user research with {n} people {place}.",
     "Wedi gorffen rownd o ymchwil defnyddwyr gyda {n} o bobl {place_cy}."),
    ("Show and tell with the partner's service team about {object}.",
     "Dangos a dweud gyda thîm gwasanaeth y partner am {object_cy}."),
    ("Tested the prototype for {object} in Welsh and English with {n} users.",
     "Wedi profi'r prototeip ar gyfer {object_cy} yn Gymraeg ac yn Saesneg gyda {n} o ddefnyddwyr."),
    ("Mapped the current journey for {object} end to end.",
     "Wedi mapio'r daith bresennol ar gyfer {object_cy} o'r dechrau i'r diwedd."),
    ("Agreed {n} measures of success with the partner.", "Wedi cytuno ar {n} mesur llwyddiant gyda'r partner."),
    ("Accessibility audit found {n} issues; fixing them this sprint.",
     "Daeth archwiliad hygyrchedd o hyd i {n} o broblemau; rydym yn eu trwsio'r sbrint hwn."),
    ("Content designers rewrote {n} pages about {object}.",
     "Ailysgrifennodd dylunwyr cynnwys {n} tudalen am {object_cy}."),
    ("Procurement for the new platform started; {n} suppliers replied.",
     "Dechreuodd caffael ar gyfer y platfform newydd; atebodd {n} o gyflenwyr."),
]  # fmt: skip
TAGS = ["skills-and-staffing", "shared-platforms", "cloud", "content", "forms", "agile-working", "procurement",
        "shared-functionality", "funding-and-measuring", "cyber-and-net-zero"]  # fmt: skip
PHASES: tuple[Any, ...] = ("discovery", "alpha", "private_beta", "public_beta", "live", "retired")
HEALTHS: tuple[Health, ...] = ("green", "amber", "red")
LEADS = [Actor(id=f"lead-{n}", role="lead") for n in ("catrin", "dafydd", "sioned", "owain", "rhys", "elin")]
ENGAGEMENT_KINDS = ["discovery_support", "training", "advice", "assessment", "other"]
# Weights of what happens after the projects exist (sums to 100).
MIX = {"update": 35, "phase": 20, "health": 20, "edit": 10, "engagement": 12, "support": 3}


@dataclass(frozen=True)
class Size:
    projects: int
    events: int
    """All events, the partners' and projects' creation included."""
    partners: int = 0

    def partner_count(self) -> int:
        return self.partners or max(5, min(len(PLACES) * len(ORGANISATIONS), self.projects // 20))


@dataclass
class _Project:
    id: uuid.UUID
    snapshot: ProjectSnapshot
    seq: int
    object_index: int
    place_index: int


@dataclass
class _State:
    rng: random.Random
    size: Size
    index: int = 0
    partners: list[tuple[uuid.UUID, PartnerSnapshot, int]] = field(default_factory=list)
    projects: list[_Project] = field(default_factory=list)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _at(state: _State) -> dt.datetime:
    return START + SPAN * (state.index / max(1, state.size.events))


def _envelope(
    state: _State, data: EventData, aggregate_id: uuid.UUID, seq: int, partner_id: uuid.UUID | None
) -> tuple[Envelope, EventData]:
    envelope = Envelope(
        id=_uuid(state.rng), type=data.type, version=data.version, occurred_at=_at(state),
        actor=LEADS[state.index % len(LEADS)], aggregate_id=aggregate_id, aggregate_seq=seq,
        partner_id=partner_id, data=msgspec.to_builtins(data),
    )  # fmt: skip
    state.index += 1
    return envelope, data


def _partner(state: _State, i: int) -> tuple[Envelope, EventData]:
    place_en, place_cy, _ = PLACES[i % len(PLACES)]
    org_en, org_cy, kind = ORGANISATIONS[(i // len(PLACES)) % len(ORGANISATIONS)]
    suffix = "" if i < len(PLACES) * len(ORGANISATIONS) else f" {i}"
    snapshot = PartnerSnapshot(
        slug=f"{place_en}-{org_en}-{i}".lower().replace(" ", "-"), name_en=f"{place_en} {org_en}{suffix}",
        name_cy=f"{org_cy} {place_cy}{suffix}", kind=kind, website=f"https://partner{i}.example.gov.wales",
        active=True,
    )  # fmt: skip
    partner_id = _uuid(state.rng)
    state.partners.append((partner_id, snapshot, 1))
    return _envelope(state, PartnerRegistered(partner=snapshot), partner_id, 1, partner_id)


def _project(state: _State, i: int) -> tuple[Envelope, EventData]:
    rng = state.rng
    verb, obj, audience = rng.randrange(len(VERBS)), rng.randrange(len(OBJECTS)), rng.randrange(len(AUDIENCES))
    partner_id, partner, _ = state.partners[rng.randrange(len(state.partners))]
    place = next(p for p, (en, _, _) in enumerate(PLACES) if partner.name_en.startswith(en))
    title_en = f"{VERBS[verb][0]} {OBJECTS[obj][0]}{AUDIENCES[audience][0]} in {PLACES[place][0]}"
    title_cy = f"{VERBS[verb][1]} {OBJECTS[obj][1]}{AUDIENCES[audience][1]} {PLACES[place][2]}"
    snapshot = ProjectSnapshot(
        slug=f"project-{i}", partner_id=partner_id, title_en=title_en, title_cy=title_cy,
        summary_en=f"{title_en}: a catalyst project with {partner.name_en}.",
        summary_cy=f"{title_cy}: prosiect catalydd gyda {partner.name_cy}.",
        lead_id=LEADS[i % len(LEADS)].id, phase="discovery", state="active", health="green", health_reason=EMPTY,
        tags=rng.sample(TAGS, rng.randint(1, 3)), visibility="partner" if i % 7 == 3 else "public",
        start_date=_at(state).date(),
    )  # fmt: skip
    project = _Project(id=_uuid(rng), snapshot=snapshot, seq=1, object_index=obj, place_index=place)
    state.projects.append(project)
    return _envelope(state, ProjectCreated(project=snapshot), project.id, 1, partner_id)


def _phase_change(state: _State, project: _Project) -> EventData:
    rng, now = state.rng, project.snapshot
    reason, kind, to_phase, to_state = EMPTY, "advance", now.phase, now.state
    if now.phase == "retired" or now.state == "stopped":
        kind, reason = "reopen", Bilingual(en="The partner asked us to pick this up again.",
                                           cy="Gofynnodd y partner i ni ailgydio yn hyn.")  # fmt: skip
        to_phase, to_state = ("live" if now.phase == "retired" else now.phase), "active"
    elif now.state == "paused":
        kind, to_state = ("resume", "active") if rng.random() < 0.8 else ("stop", "stopped")
        reason = EMPTY if kind == "resume" else Bilingual(en="Funding ended.", cy="Daeth y cyllid i ben.")
    else:
        roll, index = rng.random(), PHASES.index(now.phase)
        if roll < 0.65:
            kind, to_phase = "advance", PHASES[index + 1]
        elif roll < 0.75 and index > 0:
            kind, to_phase = "go_back", PHASES[rng.randrange(index)]
            reason = Bilingual(en="The assessment asked for more research.")  # English only, as some are
        elif roll < 0.95:
            kind, to_state = "pause", "paused"
        else:
            kind, to_state = "stop", "stopped"
            reason = Bilingual(en="An existing service meets the need.",
                               cy="Mae gwasanaeth sy'n bod eisoes yn diwallu'r angen.")  # fmt: skip
    project.snapshot = msgspec.structs.replace(now, phase=to_phase, state=to_state)
    return ProjectPhaseChanged(
        project=project.snapshot, kind=kind, from_phase=now.phase, to_phase=to_phase,  # type: ignore[arg-type]
        from_state=now.state, to_state=to_state, effective=_at(state).date(), reason=reason,
        assessment="met" if kind == "advance" and to_phase != "retired" else None,
    )  # fmt: skip


def _project_event(state: _State, what: str) -> tuple[Envelope, EventData]:
    rng = state.rng
    project = state.projects[rng.randrange(len(state.projects))]
    now = project.snapshot
    data: EventData
    if what == "update":
        en, cy = UPDATES[rng.randrange(len(UPDATES))]
        words = {"n": rng.randint(3, 40), "place": f"in {PLACES[project.place_index][0]}",
                 "place_cy": PLACES[project.place_index][2], "object": OBJECTS[project.object_index][0],
                 "object_cy": OBJECTS[project.object_index][1]}  # fmt: skip
        data = ProjectUpdatePosted(
            project=now, update_id=_uuid(rng), posted_on=_at(state).date(), body_en=en.format(**words),
            body_cy=cy.format(**words),
        )  # fmt: skip
    elif what == "phase":
        data = _phase_change(state, project)
    elif what == "health":
        to = rng.choice([h for h in HEALTHS if h != now.health])
        reason = EMPTY if to == "green" else Bilingual(en="Waiting on a supplier", cy="Aros am gyflenwr")
        project.snapshot = msgspec.structs.replace(now, health=to, health_reason=reason)
        data = ProjectHealthChanged(project=project.snapshot, from_health=now.health, to_health=to, reason=reason)
    else:
        summary = f"{now.title_en}: a catalyst project, now in {now.phase} (revision {project.seq})."
        project.snapshot = msgspec.structs.replace(now, summary_en=summary)
        data = ProjectUpdated(project=project.snapshot, changed=["summary_en"])
    project.seq += 1
    return _envelope(state, data, project.id, project.seq, now.partner_id)


def _record_event(state: _State, what: str) -> tuple[Envelope, EventData]:
    rng = state.rng
    partner_id, partner, _ = state.partners[rng.randrange(len(state.partners))]
    obj_en, obj_cy = OBJECTS[rng.randrange(len(OBJECTS))]
    data: EventData
    if what == "engagement":
        project = state.projects[rng.randrange(len(state.projects))] if rng.random() < 0.5 else None
        data = EngagementRecorded(
            partner_id=partner_id, project_id=project.id if project else None,
            kind=rng.choice(ENGAGEMENT_KINDS),  # type: ignore[arg-type]
            summary_en=f"Worked with {partner.name_en} on {obj_en}.",
            summary_cy=f"Wedi gweithio gyda {partner.name_cy} ar {obj_cy}.", started_on=_at(state).date(),
            ended_on=None,
        )  # fmt: skip
        return _envelope(state, data, _uuid(rng), 1, partner_id)
    data = SupportRequested(
        organisation=partner.name_en, contact_name="A. Person", contact_email=f"person{state.index}@example.org",
        language=rng.choice(["cy", "en"]), need=Bilingual(en=f"We need help redesigning {obj_en}."),
        urgency=rng.choice(["low", "medium", "high"]),
    )  # fmt: skip
    return _envelope(state, data, _uuid(rng), 1, None)


def generate(size: Size, seed: int = SEED) -> Iterator[tuple[Envelope, EventData]]:
    """Every event of the history in order, each with its typed data (no need to decode it again)."""
    state = _State(rng=random.Random(seed), size=size)
    partners = size.partner_count()
    for i in range(partners):
        yield _partner(state, i)
    for i in range(size.projects):
        yield _project(state, i)
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    choose = state.rng.choices
    while state.index < size.events:
        # Drawn in blocks: one call to choices() per thousand events instead of one per event.
        for what in choose(kinds, weights, k=min(1000, size.events - state.index)):
            if what in ("update", "phase", "health", "edit"):
                yield _project_event(state, what)
            else:
                yield _record_event(state, what)


def envelopes(size: Size, seed: int = SEED) -> Iterator[Envelope]:
    for envelope, _ in generate(size, seed):
        yield envelope
