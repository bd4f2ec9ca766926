"""The bilingual demo portfolio that `cdps run` loads on first start (`cdps seed --demo`).

A dozen Welsh public bodies and about forty projects spread over every phase, each with a year of
history: phase changes, health changes, updates, engagements and milestones (one reached, and for a
project still under way the next gate's, some of them overdue). Deterministic (seeded), and
written through the same commands as the API, so every change obeys the same rules and has its
event. Each change is checked against the day it describes, and event times are moved back to
those days inside each project's transaction, before the relay can see them.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any, Literal

import asyncpg

from services.portfolio import commands, contacts, conversations, funding, measures, phases
from services.portfolio.assessments import (
    GATES,
    ActionClosing,
    AssessmentChanges,
    NewAction,
    NewAssessment,
    PanelMemberInput,
    RatingInput,
)
from services.portfolio.contacts import NewContact
from services.portfolio.conversations import NewComment
from services.portfolio.domain import (
    EngagementChanges,
    EngagementEnding,
    NewEngagement,
    NewPartner,
    NewPerson,
    NewProject,
    NewUpdate,
)
from services.portfolio.funding_rules import NewFunding
from services.portfolio.measure_rules import NameIn, NewMeasure, NewValues, ValueIn
from services.portfolio.milestones import Gate, NewMilestone
from shared import standards
from shared.bilingual import LongIn, ShortIn
from shared.db import init_connection
from shared.events import SYSTEM, Actor, Phase
from shared.identity import Identity
from shared.vocabulary import PHASES, name

LEAD_PEOPLE = [("Catrin Evans", "catrin.evans"), ("Dafydd Rees", "dafydd.rees"), ("Sioned Roberts", "sioned.roberts"),
               ("Owain Pritchard", "owain.pritchard")]  # fmt: skip
"""The demo's delivery leads: people of the portfolio, whose ids projects name as their lead."""

PARTNERS: list[tuple[str, str, str, Any]] = [
    ("dhcw", "Digital Health and Care Wales", "Iechyd a Gofal Digidol Cymru", "health"),
    ("betsi-cadwaladr", "Betsi Cadwaladr University Health Board", "Bwrdd Iechyd Prifysgol Betsi Cadwaladr", "health"),
    (
        "cardiff-vale-uhb",
        "Cardiff and Vale University Health Board",
        "Bwrdd Iechyd Prifysgol Caerdydd a'r Fro",
        "health",
    ),
    ("velindre", "Velindre University NHS Trust", "Ymddiriedolaeth GIG Prifysgol Felindre", "health"),
    ("wlga", "Welsh Local Government Association", "Cymdeithas Llywodraeth Leol Cymru", "national_body"),
    ("wra", "Welsh Revenue Authority", "Awdurdod Cyllid Cymru", "national_body"),
    ("cardiff-council", "Cardiff Council", "Cyngor Caerdydd", "local_authority"),
    ("gwynedd", "Gwynedd Council", "Cyngor Gwynedd", "local_authority"),
    ("monmouthshire", "Monmouthshire County Council", "Cyngor Sir Fynwy", "local_authority"),
    ("nrw", "Natural Resources Wales", "Cyfoeth Naturiol Cymru", "national_body"),
    ("social-care-wales", "Social Care Wales", "Gofal Cymdeithasol Cymru", "national_body"),
    ("tenovus", "Tenovus Cancer Care", "Gofal Canser Tenovus", "third_sector"),
]

# (slug, partner, English title, Welsh title, tags)
PROJECTS: list[tuple[str, str, str, str, list[Any]]] = [
    ("wlga-schools-mis-discovery", "wlga", "Schools management information system discovery",
     "Darganfod system gwybodaeth reoli ysgolion", ["procurement", "shared-platforms"]),
    ("wra-land-transaction-tax", "wra", "Digital land transaction tax returns",
     "Ffurflenni treth trafodiadau tir digidol", ["forms", "shared-platforms"]),
    ("wra-landfill-disposals-tax", "wra", "Landfill disposals tax for operators",
     "Treth gwarediadau tirlenwi i weithredwyr", ["forms"]),
    ("dhcw-outpatient-booking", "dhcw", "Booking outpatient appointments online",
     "Trefnu apwyntiadau cleifion allanol ar-lein", ["shared-functionality"]),
    ("dhcw-nhs-wales-app-content", "dhcw", "Content for the NHS Wales App",
     "Cynnwys ar gyfer Ap GIG Cymru", ["content"]),
    ("betsi-waiting-list-support", "betsi-cadwaladr", "Waiting well: support while on a waiting list",
     "Aros yn iach: cymorth tra ar restr aros", ["content", "shared-functionality"]),
    ("cardiff-vale-patient-letters", "cardiff-vale-uhb", "Clearer patient letters in Cardiff",
     "Llythyrau cliriach i gleifion yng Nghaerdydd", ["content"]),
    ("velindre-cancer-referrals", "velindre", "Cancer referral tracking",
     "Olrhain atgyfeiriadau canser", ["shared-functionality"]),
    ("cardiff-council-tax-reduction", "cardiff-council", "Applying for council tax reduction",
     "Gwneud cais am ostyngiad treth gyngor", ["forms"]),
    ("cardiff-council-bins", "cardiff-council", "Reporting a missed bin collection",
     "Rhoi gwybod am gasgliad bin a fethwyd", ["forms", "shared-platforms"]),
    ("gwynedd-welsh-first-forms", "gwynedd", "Welsh-first online forms in Gwynedd",
     "Ffurflenni ar-lein Cymraeg yn gyntaf yng Ngwynedd", ["forms", "content"]),
    ("gwynedd-cloud-migration", "gwynedd", "Moving Gwynedd's services to the cloud",
     "Symud gwasanaethau Gwynedd i'r cwmwl", ["cloud"]),
    ("monmouthshire-blue-badges", "monmouthshire", "Blue badge applications",
     "Ceisiadau bathodyn glas", ["forms"]),
    ("monmouthshire-agile-coaching", "monmouthshire", "Agile coaching for service teams",
     "Hyfforddiant ystwyth i dimau gwasanaeth", ["agile-working", "skills-and-staffing"]),
    ("nrw-fishing-licences", "nrw", "Rod fishing licences",
     "Trwyddedau pysgota â gwialen", ["forms", "shared-functionality"]),
    ("nrw-flood-alerts", "nrw", "Flood warnings you can act on",
     "Rhybuddion llifogydd y gallwch weithredu arnynt", ["content"]),
    ("scw-workforce-register", "social-care-wales", "Registering the social care workforce",
     "Cofrestru'r gweithlu gofal cymdeithasol", ["shared-functionality", "forms"]),
    ("scw-learning-platform", "social-care-wales", "Learning platform for care workers",
     "Platfform dysgu i weithwyr gofal", ["skills-and-staffing", "shared-platforms"]),
    ("tenovus-volunteer-signup", "tenovus", "Volunteer sign-up",
     "Cofrestru gwirfoddolwyr", ["forms"]),
    ("wlga-shared-identity", "wlga", "One sign-in for council services",
     "Un mewngofnodi ar gyfer gwasanaethau cynghorau", ["shared-functionality"]),
    ("wlga-digital-skills", "wlga", "Digital skills for council leaders",
     "Sgiliau digidol i arweinwyr cynghorau", ["skills-and-staffing"]),
    ("wlga-procurement-pipeline", "wlga", "Buying digital services together",
     "Prynu gwasanaethau digidol gyda'n gilydd", ["procurement"]),
    ("dhcw-cyber-resilience", "dhcw", "Cyber resilience for GP practices",
     "Cydnerthedd seiber i bractisau meddygon teulu", ["cyber-and-net-zero"]),
    ("dhcw-net-zero-hosting", "dhcw", "Lower-carbon hosting",
     "Cynnal gyda llai o garbon", ["cyber-and-net-zero", "cloud"]),
    ("velindre-measuring-outcomes", "velindre", "Measuring what matters to patients",
     "Mesur yr hyn sy'n bwysig i gleifion", ["funding-and-measuring"]),
    ("betsi-staff-rostering", "betsi-cadwaladr", "Staff rostering in North Wales",
     "Rhestru staff yng Ngogledd Cymru", ["shared-platforms"]),
    ("cardiff-vale-visiting", "cardiff-vale-uhb", "Booking hospital visits",
     "Trefnu ymweliadau ysbyty", ["forms"]),
    ("cardiff-council-school-admissions", "cardiff-council", "School admissions in Cardiff",
     "Derbyniadau ysgol yng Nghaerdydd", ["forms", "content"]),
    ("gwynedd-housing-repairs", "gwynedd", "Reporting a housing repair",
     "Rhoi gwybod am atgyweiriad tai", ["forms"]),
    ("monmouthshire-care-assessments", "monmouthshire", "Asking for a care assessment",
     "Gofyn am asesiad gofal", ["shared-functionality"]),
    ("nrw-permits", "nrw", "Environmental permits",
     "Trwyddedau amgylcheddol", ["forms", "procurement"]),
    ("scw-funding-dashboard", "social-care-wales", "Where social care funding goes",
     "Ble mae cyllid gofal cymdeithasol yn mynd", ["funding-and-measuring"]),
    ("tenovus-shop-donations", "tenovus", "Donating goods to charity shops",
     "Rhoi nwyddau i siopau elusen", ["content"]),
    ("wra-agent-accounts", "wra", "Accounts for tax agents",
     "Cyfrifon i asiantau treth", ["shared-functionality"]),
    ("wlga-welsh-content-design", "wlga", "Welsh content design community",
     "Cymuned dylunio cynnwys Cymraeg", ["content", "skills-and-staffing"]),
    ("dhcw-pharmacy-prescriptions", "dhcw", "Repeat prescriptions online",
     "Presgripsiynau amlroddadwy ar-lein", ["shared-functionality"]),
    ("velindre-blood-donation", "velindre", "Booking a blood donation",
     "Trefnu rhoi gwaed", ["forms"]),
    ("gwynedd-agile-procurement", "gwynedd", "Agile contracts for small suppliers",
     "Contractau ystwyth i gyflenwyr bach", ["procurement", "agile-working"]),
    ("cardiff-council-cloud-landing-zone", "cardiff-council", "A cloud landing zone",
     "Parth glanio yn y cwmwl", ["cloud"]),
    ("nrw-data-sharing", "nrw", "Sharing environmental data",
     "Rhannu data amgylcheddol", ["shared-platforms"]),
]  # fmt: skip

GOALS_BY_TAG: dict[str, list[Any]] = {
    "skills-and-staffing": ["prosperous"],
    "procurement": ["prosperous"],
    "forms": ["more_equal"],
    "shared-functionality": ["more_equal"],
    "content": ["vibrant_culture"],
    "cloud": ["resilient"],
    "cyber-and-net-zero": ["resilient", "globally_responsible"],
    "funding-and-measuring": ["prosperous"],
}
GOALS_BY_KIND: dict[str, list[Any]] = {"health": ["healthier"], "local_authority": ["cohesive_communities"]}


def demo_goals(owner: str, tags: list[str]) -> list[Any]:
    """The wellbeing goals a demo project serves: from its partner's kind and its challenge areas (no
    random draw, so the rest of the demo stays as it was)."""
    kind = next(k for slug, _en, _cy, k in PARTNERS if slug == owner)
    wanted = {g for t in tags for g in GOALS_BY_TAG.get(t, [])} | set(GOALS_BY_KIND.get(kind, []))
    if owner == "nrw":
        wanted |= {"resilient", "globally_responsible"}
    return sorted(wanted)


UPDATES = [
    ("Finished a round of user research with {n} people.", "Wedi gorffen rownd o ymchwil defnyddwyr gyda {n} o bobl."),
    ("Show and tell with the partner's service team.", "Dangos a dweud gyda thîm gwasanaeth y partner."),
    ("Tested the prototype in Welsh and English.", "Wedi profi'r prototeip yn Gymraeg ac yn Saesneg."),
    ("Mapped the current journey end to end.", "Wedi mapio'r daith bresennol o'r dechrau i'r diwedd."),
    ("Agreed the measures of success with the partner.", "Wedi cytuno ar fesurau llwyddiant gyda'r partner."),
]
STOP_REASON = ShortIn(en="Discovery found that an existing service meets the need: no new service will be built.",
                      cy="Canfu'r cam darganfod fod gwasanaeth sy'n bod eisoes yn diwallu'r angen: ni fydd "
                         "gwasanaeth newydd yn cael ei adeiladu.")  # fmt: skip
PANEL = [PanelMemberInput(name="Siân Evans", role=ShortIn(en="Lead assessor", cy="Prif aseswr")),
         PanelMemberInput(name="Rhys Morgan", role=ShortIn(en="User research", cy="Ymchwil defnyddwyr")),
         PanelMemberInput(name="Carys Hughes", role=ShortIn(en="Technology", cy="Technoleg"))]  # fmt: skip
"""Each member's part in both languages."""
DRAFTING_PANEL = [*PANEL[:2], PanelMemberInput(name="Carys Hughes", role=ShortIn(en="Technology"))]
"""The panel of the assessment being drafted, the part of its newest member written in English only so
far: its report shows the "Yn Saesneg yn unig" note, and Missing translations lists it."""
EVIDENCE: dict[str, tuple[str, str]] = {
    "met": ("The team showed this clearly, with examples from its research and its backlog.",
            "Dangosodd y tîm hyn yn glir, gydag enghreifftiau o'i ymchwil a'i ôl-groniad."),
    "partly_met": ("The team has started on this, but it is not yet part of how it works every week.",
                   "Mae'r tîm wedi dechrau ar hyn, ond nid yw eto'n rhan o'r ffordd mae'n gweithio bob wythnos."),
    "not_met": ("The panel saw no evidence of this yet.", "Ni welodd y panel dystiolaeth o hyn eto."),
}  # fmt: skip
RECOMMENDATIONS = (
    "Make this part of every sprint and show the panel what changed at the next assessment.",
    "Gwnewch hyn yn rhan o bob sbrint a dangoswch i'r panel beth newidiodd yn yr asesiad nesaf.",
)
SUMMARY_CY = "Cyfarfu'r panel â'r tîm a pherchennog y gwasanaeth am hanner diwrnod."
OVERRIDE_REASON = ShortIn(en="The partner's board asked for the public beta to open before the winter peak; the panel "
                             "reviews it again in eight weeks.")  # fmt: skip
"""Written in English only, as some text is: a Welsh page shows it with the "Yn Saesneg yn unig" note."""
OVERRIDDEN = PROJECTS[5][0]
"""The project that entered public beta on a lead's override, without a published assessment."""
ENDS = [
    "discovery", "discovery", "alpha", "alpha", "private_beta", "public_beta", "public_beta", "live", "live", "retired",
    "stopped",
]  # fmt: skip


CONTACTS: list[tuple[str, str, str, str, Literal["cy", "en", "both"], bool]] = [
    # partner, name, role, mailbox, the language of their emails, whether they get project emails
    ("dhcw", "Rhian Hughes", "Head of digital services", "rhian.hughes", "en", True),
    ("dhcw", "Owain Pritchard", "Service owner", "owain.pritchard", "cy", True),
    ("betsi-cadwaladr", "Gwenllian Parry", "Pennaeth trawsnewid digidol", "gwenllian.parry", "cy", True),
    ("betsi-cadwaladr", "Mark Edwards", "Programme manager", "mark.edwards", "en", False),
    ("cardiff-vale-uhb", "Sarah Thomas", "Digital transformation lead", "sarah.thomas", "en", True),
    ("velindre", "Huw Jenkins", "Chief digital officer", "huw.jenkins", "both", True),
    ("wlga", "Catrin Lewis", "Digital programme lead", "catrin.lewis", "cy", True),
    ("wra", "Dafydd Morgan", "Pennaeth gwasanaethau digidol", "dafydd.morgan", "cy", True),
    ("cardiff-council", "Emma Roberts", "Service design manager", "emma.roberts", "en", True),
    ("gwynedd", "Elin Williams", "Rheolwr trawsnewid", "elin.williams", "cy", True),
    ("monmouthshire", "James Price", "Head of digital", "james.price", "en", True),
    ("nrw", "Sioned Rees", "Product manager", "sioned.rees", "both", True),
    ("social-care-wales", "Ffion Davies", "Pennaeth digidol", "ffion.davies", "cy", True),
    ("tenovus", "Rachel Evans", "Digital manager", "rachel.evans", "en", False),
]
"""The people at each partner CDPS keeps in touch with (addresses under the partner's demo domain)."""


async def seed_demo(dsn: str, *, today: dt.date | None = None) -> int:
    """Load the demo portfolio once; returns the number of projects it holds."""
    today = today or dt.datetime.now(dt.UTC).date()
    rng = random.Random(2026)
    conn = await asyncpg.connect(dsn, server_settings={"search_path": "portfolio,public"})
    await init_connection(conn)
    try:
        if await conn.fetchval("SELECT count(*) FROM projects WHERE slug = $1", PROJECTS[0][0]):
            return len(PROJECTS)  # already loaded
        leads = []
        for name, mailbox in LEAD_PEOPLE:
            person, _ = await commands.add_person(
                conn, SYSTEM, NewPerson(name=name, email=f"{mailbox}@cdps.example", kind="lead", language="both")
            )
            leads.append(Actor(id=str(person.id), role="lead"))
            await _backdate(conn, person.id, today - dt.timedelta(days=400))
        partner_ids = {}
        for slug, name_en, name_cy, kind in PARTNERS:
            partner, _ = await commands.register_partner(
                conn, leads[0], NewPartner(slug=slug, name_en=name_en, name_cy=name_cy, kind=kind)
            )
            partner_ids[slug] = partner.id
            await _backdate(conn, partner.id, today - dt.timedelta(days=400))
        for slug, name, role, mailbox, language, emails in CONTACTS:
            contact = NewContact(name=name, role=role, email=f"{mailbox}@{slug}.example", language=language,
                                 project_emails=emails)  # fmt: skip
            added, _ = await contacts.add_contact(conn, leads[0], partner_ids[slug], contact)
            await _backdate(conn, added.id, today - dt.timedelta(days=390))
        names = {slug: (name_en, name_cy) for slug, name_en, name_cy, _ in PARTNERS}
        for index, (slug, owner, title_en, title_cy, tags) in enumerate(PROJECTS):
            await _project_with_history(
                conn, rng, today, leads, NewProject(
                    slug=slug, title_en=title_en, title_cy=title_cy, partner_id=partner_ids[owner], tags=tags,
                    wellbeing_goals=demo_goals(owner, tags),
                    summary_en=f"{title_en}: a catalyst project with {names[owner][0]}.",
                    summary_cy=f"{title_cy}: prosiect catalydd gyda {names[owner][1]}.",
                    visibility="partner" if index % 7 == 3 else "public",
                    start_date=today - dt.timedelta(days=rng.randint(200, 365)),
                ), ENDS[index % len(ENDS)],
            )  # fmt: skip
        await _assessments_under_way(conn, today, leads[0], partner_ids)
        await _other_engagements(conn, today, leads[0], partner_ids)
        await _measures(conn, today, leads[0])
        await _funding(conn, today, leads[0])
        await _conversations(conn, today, leads[0], partner_ids)
    finally:
        await conn.close()
    return len(PROJECTS)


# Engagements beside the projects: (partner, kind, summary in English, in Welsh, days ago it started,
# days ago it ended or None while it goes on). One is changed after it was recorded.
OTHER_ENGAGEMENTS: list[tuple[str, Any, str, str, int, int | None]] = [
    ("gwynedd", "training", "Agile working training for the digital team",
     "Hyfforddiant gweithio ystwyth i'r tîm digidol", 150, 120),
    ("wra", "advice", "Advice on buying a case management system",
     "Cyngor ar brynu system rheoli achosion", 90, None),
    ("monmouthshire", "discovery_support", "Support for a discovery of school transport",
     "Cymorth ar gyfer darganfod ym maes cludiant ysgol", 60, None),
    ("dhcw", "assessment", "Peer review of the patient portal before its beta",
     "Adolygiad gan gymheiriaid o borth y cleifion cyn ei beta", 45, 44),
    ("wlga", "training", "Service design training for council teams",
     "Hyfforddiant dylunio gwasanaethau i dimau cynghorau", 30, None),
]  # fmt: skip


async def _other_engagements(
    conn: asyncpg.Connection, today: dt.date, lead: Actor, partner_ids: dict[str, uuid.UUID]
) -> None:
    """Training, advice and support that are no project: some ended, one changed after it was recorded."""
    for slug, kind, summary_en, summary_cy, started, ended in OTHER_ENGAGEMENTS:
        started_on = today - dt.timedelta(days=started)
        engagement, _ = await commands.record_engagement(
            conn, lead, NewEngagement(partner_id=partner_ids[slug], kind=kind, summary_en=summary_en,
                                      summary_cy=summary_cy, started_on=started_on),
        )  # fmt: skip
        if kind == "advice":
            changes = EngagementChanges(summary_en=f"{summary_en}, and on writing its requirements",
                                        summary_cy=f"{summary_cy}, ac ar ysgrifennu ei ofynion")  # fmt: skip
            engagement, _ = await commands.edit_engagement(conn, lead, engagement.id, changes, engagement.version)
        await _backdate(conn, engagement.id, started_on + dt.timedelta(days=1))
        if ended is not None:
            ending = EngagementEnding(ended_on=today - dt.timedelta(days=ended))
            engagement, _ = await commands.end_engagement(conn, lead, engagement.id, ending, engagement.version)
            await conn.execute(
                "UPDATE events SET occurred_at = $3 WHERE aggregate_id = $1 AND aggregate_seq = $2",
                engagement.id, engagement.version, dt.datetime.combine(ending.ended_on, dt.time(16), dt.UTC),
            )  # fmt: skip


DEMO_MEASURES: list[tuple[Any, float, float, float | None]] = [
    # (catalogue measure, first month's value, change a month, target)
    ("user_satisfaction", 71.0, 1.4, 85.0),
    ("completion_rate", 64.0, 1.9, 80.0),
    ("digital_take_up", 38.0, 2.6, 60.0),
    ("cost_per_transaction", 9.40, -0.35, 6.0),
    ("welsh_take_up", 9.0, 0.45, 15.0),
]


async def _measures(conn: asyncpg.Connection, today: dt.date, lead: Actor) -> None:
    """For each service in beta or live, three measures with a value for each of the last twelve
    months (some reach their target during the year); the public projects publish theirs."""
    rng = random.Random(23)  # its own draw: the rest of the demo stays as it was
    who = Identity(sub=lead.id, role="lead")
    rows = await conn.fetch("SELECT id, visibility FROM projects WHERE phase IN ('private_beta', 'public_beta', "
                            "'live') AND state = 'active' ORDER BY slug")  # fmt: skip
    this_month = today.replace(day=1)
    months = [this_month.replace(year=this_month.year - (this_month.month - 1 - i < 0),
                                 month=(this_month.month - 1 - i) % 12 + 1) for i in range(12, 0, -1)]  # fmt: skip
    for index, row in enumerate(rows):
        chosen = [DEMO_MEASURES[(index + k) % len(DEMO_MEASURES)] for k in range(3)]
        for code, start, step, target in chosen:
            published = row["visibility"] == "public"
            new = NewMeasure(catalogue=code, target_value=target, published=published)
            measure, _ = await measures.define(conn, lead, row["id"], new)
            value, given = start * rng.uniform(0.9, 1.1), []
            for month in months:
                value = max(0.0, value + step * rng.uniform(0.2, 1.8))
                shown = min(value, 99.0) if code != "cost_per_transaction" else value
                given.append(ValueIn(month=f"{month.year:04d}-{month.month:02d}", value=round(shown, 2)))
            await measures.record_values(conn, who, row["id"], measure.id, NewValues(values=given), today)
            await _backdate(conn, measure.id, months[-1])
        users = NewMeasure(name=NameIn(en="Calls to the helpline", cy="Galwadau i'r llinell gymorth"), unit="count",
                           direction="down", published=False) if index % 4 == 0 else None  # fmt: skip
        if users is not None:
            measure, _ = await measures.define(conn, lead, row["id"], users)
            calls = [ValueIn(month=f"{m.year:04d}-{m.month:02d}", value=float(900 - 40 * i + rng.randint(-30, 30)))
                     for i, m in enumerate(months)]  # fmt: skip
            await measures.record_values(conn, who, row["id"], measure.id, NewValues(values=calls), today)
            await _backdate(conn, measure.id, months[-1])


# A few projects' conversations: (project, partner, [(who, internal, English, Welsh)]), oldest first.
CONVERSATIONS: list[tuple[str, str, list[tuple[str, bool, str, str]]]] = [
    ("wra-land-transaction-tax", "wra", [
        ("partner", False, "", "Pryd mae'r sesiwn ymchwil nesaf gyda chyfreithwyr?"),
        ("lead", False, "On **Tuesday** at 10:00, in Treforest and online.",
         "Ddydd **Mawrth** am 10:00, yn Nhrefforest ac ar-lein."),
        ("lead", True, "Their supplier has not replied for two weeks: worth raising at the board.", ""),
    ]),
    ("wlga-schools-mis-discovery", "wlga", [
        ("lead", False, "We have shared the draft findings: comments by Friday, please.",
         "Rydym wedi rhannu'r canfyddiadau drafft: sylwadau erbyn dydd Gwener, os gwelwch yn dda."),
        ("partner", False, "Thanks: three councils want to join the show and tell.", ""),
    ]),
]  # fmt: skip


async def _conversations(
    conn: asyncpg.Connection, today: dt.date, lead: Actor, partner_ids: dict[str, uuid.UUID]
) -> None:
    """A partner's team and a lead talk on a project, with a staff-only note among them."""
    window = dt.timedelta(minutes=10)
    for slug, owner, said in CONVERSATIONS:
        project_id = await conn.fetchval("SELECT id FROM projects WHERE slug = $1", slug)
        for days_ago, (who, internal, text_en, text_cy) in zip(range(len(said) * 3, 0, -3), said, strict=True):
            team = Identity(sub=f"demo-team-{owner}", role="partner", partner_id=partner_ids[owner])
            viewer = Identity(sub=lead.id, role="lead") if who == "lead" else team
            new = NewComment(comment=LongIn(en=text_en, cy=text_cy), internal=internal)
            comment, _ = await conversations.post_comment(conn, viewer, project_id, new, window)
            moment = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(11), dt.UTC)
            await conn.execute("UPDATE comments SET created_at = $2 WHERE id = $1", comment.id, moment)
            await conn.execute("UPDATE events SET occurred_at = $2 WHERE aggregate_id = $1", comment.id, moment)


FUNDING_SOURCES: list[Any] = ["cdps", "partner", "welsh_government", "cdps", "other"]


async def _funding(conn: asyncpg.Connection, today: dt.date, lead: Actor) -> None:
    """Project funding for every project from its start, and continuous improvement for those in beta
    and live; the public projects' CDPS funding is published."""
    rng = random.Random(2315)  # its own draw: the rest of the demo stays as it was
    rows = await conn.fetch("SELECT id, phase, state, visibility, start_date FROM projects ORDER BY slug")
    for index, row in enumerate(rows):
        start = row["start_date"].replace(day=1)
        source = FUNDING_SOURCES[index % len(FUNDING_SOURCES)]
        first = NewFunding(source=source, amount=str(rng.randrange(40, 250) * 1000), starts=start.strftime("%Y-%m"),
                           ends=min(today, start + dt.timedelta(days=180)).strftime("%Y-%m"), kind="project",
                           published=row["visibility"] == "public" and source == "cdps")  # fmt: skip
        record, _ = await funding.record(conn, lead, row["id"], first)
        await _backdate(conn, record.id, start)
        if row["phase"] in ("private_beta", "public_beta", "live") and row["state"] == "active":
            since = today.replace(day=1) - dt.timedelta(days=150)
            more = NewFunding(source="partner" if index % 2 else "welsh_government",
                              amount=f"{rng.randrange(20, 90) * 1000}.50", starts=since.strftime("%Y-%m"),
                              ends=today.strftime("%Y-%m"), kind="continuous_improvement")  # fmt: skip
            record, _ = await funding.record(conn, lead, row["id"], more)
            await _backdate(conn, record.id, since)


async def _assessments_under_way(
    conn: asyncpg.Connection, today: dt.date, lead: Actor, partner_ids: dict[str, uuid.UUID]
) -> None:
    """Work in progress for the gates view: a panel's draft half rated, and a partner team's
    self-assessment submitted to CDPS, each at the next gate of a project that is waiting at it."""
    ids = {r["slug"]: (r["id"], r["phase"]) for r in await conn.fetch("SELECT slug, id, phase FROM projects")}
    half_rated = [RatingInput(standard=n, rating="met", evidence_en=EVIDENCE["met"][0], evidence_cy=EVIDENCE["met"][1])
                  for n in range(1, 7)]  # fmt: skip
    for (slug, owner, *_rest), kind in ((PROJECTS[6], "formal_assessment"), (PROJECTS[2], "self_assessment")):
        project_id, phase = ids[slug]
        gate = phases.next_phase(phase)
        if gate not in GATES:
            continue
        who = (Identity(sub=lead.id, role="lead") if kind == "formal_assessment"
               else Identity(sub=f"demo-team-{owner}", role="partner", partner_id=partner_ids[owner]))  # fmt: skip
        new = NewAssessment(to_phase=gate, kind=kind, held_on=today, ratings=half_rated,  # type: ignore[arg-type]
                            panel=DRAFTING_PANEL if kind == "formal_assessment" else [])  # fmt: skip
        drafted, _ = await commands.draft_assessment(conn, who, project_id, new, today=today)
        if kind == "self_assessment":
            # The partner's team wrote its evidence in both languages, the last standard's in English only so far.
            en, cy = EVIDENCE["partly_met"]
            rest = [RatingInput(standard=n, rating="partly_met", evidence_en=en, evidence_cy="" if n == 12 else cy)
                    for n in range(7, 13)]  # fmt: skip
            changed, _ = await commands.edit_assessment(
                conn, who, drafted.id, AssessmentChanges(ratings=rest), None, today
            )
            await commands.submit_assessment(conn, who, drafted.id, changed.version)
        await _backdate(conn, drafted.id, today)


async def _project_with_history(
    conn: asyncpg.Connection, rng: random.Random, today: dt.date, leads: list[Actor], new: NewProject, end: str
) -> None:
    lead = rng.choice(leads)
    assert new.start_date is not None
    async with conn.transaction():
        project, _ = await commands.create_project(conn, lead, new)
        times = [new.start_date]
        path = list(phases.PHASE_ORDER)
        target = path.index(end) if end in path else 0
        day = new.start_date
        for phase in path[1 : target + 1]:
            day = min(today, day + dt.timedelta(days=rng.randint(25, 70)))
            override: ShortIn | str = ""
            if phase == "public_beta" and new.slug == OVERRIDDEN:
                override = OVERRIDE_REASON  # the one project that went ahead on a lead's reason
            elif phase in GATES:
                await _assess(conn, rng, project.id, phase, day - dt.timedelta(days=3), lead, met=True, today=today,
                              english_only=new.slug == OVERRIDDEN)  # fmt: skip
            advance = phases.Transition(kind="advance", to_phase=phase, effective=day, gate_override_reason=override)
            await commands.change_phase(conn, lead, project.id, advance, None, today=day, gate_rule="require")
            times.append(day)
            await _post_update(conn, rng, project.id, day, lead)
            times.append(day)
        following = phases.next_phase(end) if end in path else None
        if following in phases.GATED and rng.random() < 0.5:
            # Some projects wait at their next gate: assessed and not met, with recommendations to act on.
            day = min(today, day + dt.timedelta(days=rng.randint(10, 30)))
            await _assess(conn, rng, project.id, following, day, lead, met=False, today=today)
        if end == "stopped":
            day = min(today, day + dt.timedelta(days=rng.randint(20, 40)))
            stop = phases.Transition(kind="stop", effective=day, reason=STOP_REASON)
            await commands.change_phase(conn, lead, project.id, stop, None, today=day, gate_rule="require")
            times.append(day)
        for _ in range(rng.randint(1, 3)):
            day = min(today, day + dt.timedelta(days=rng.randint(5, 30)))
            await _post_update(conn, rng, project.id, day, lead)
            times.append(day)
        await _milestones(conn, rng, today, lead, project.id, new.start_date, path[target + 1 : target + 2], end)
        engagement, _ = await commands.record_engagement(
            conn, lead, NewEngagement(partner_id=new.partner_id or uuid.uuid4(), project_id=project.id,
                                      kind="catalyst_project", summary_en=f"Catalyst project: {new.title_en}",
                                      summary_cy=f"Prosiect catalydd: {new.title_cy}", started_on=new.start_date),
        )  # fmt: skip
        await _backdate(conn, engagement.id, new.start_date)
        # Spread the project's events over the dates they describe (the outbox stamped them "now").
        await conn.execute(
            """UPDATE events e SET occurred_at = (d.day::timestamp + interval '10 hours') AT TIME ZONE 'Europe/London'
               FROM unnest($2::date[]) WITH ORDINALITY AS d(day, seq)
               WHERE e.aggregate_id = $1 AND e.aggregate_seq = d.seq""",
            project.id, times,
        )  # fmt: skip


async def _assess(
    conn: asyncpg.Connection, rng: random.Random, project_id: uuid.UUID, gate: Phase, day: dt.date, lead: Actor,
    *, met: bool, today: dt.date, english_only: bool = False,
) -> None:  # fmt: skip
    """A published assessment at the gate into ``gate``, held on ``day``: met (some standards partly
    met), or not met on one or two standards. Its texts are in both languages; with ``english_only``
    its summary is in English only (the overridden project's, whose lead writes in English)."""
    ratings = []
    failing = set(rng.sample(range(1, 13), rng.randint(1, 2))) if not met else set()
    for standard in standards.numbers():
        rating = "not_met" if standard in failing else "partly_met" if rng.random() < 0.25 else "met"
        en, cy = EVIDENCE[rating]
        advice = RECOMMENDATIONS if rating != "met" else ("", "")
        ratings.append(RatingInput(standard=standard, rating=rating, evidence_en=en, evidence_cy=cy,  # type: ignore[arg-type]
                                   recommendations_en=advice[0], recommendations_cy=advice[1]))  # fmt: skip
    kind: Any = "peer_review" if gate == "alpha" else "formal_assessment"
    new = NewAssessment(to_phase=gate, kind=kind, held_on=day, panel=PANEL, ratings=ratings,
                        summary_en="The panel met the team and the service owner for half a day.",
                        summary_cy="" if english_only else SUMMARY_CY)  # fmt: skip
    who = Identity(sub=lead.id, role="lead")
    drafted, _ = await commands.draft_assessment(conn, who, project_id, new, today=day)
    await commands.publish_assessment(conn, who, drafted.id, None)
    await conn.execute(
        "UPDATE assessments SET created_at = $2, updated_at = $2, published_at = $2 WHERE id = $1",
        drafted.id, dt.datetime.combine(day, dt.time(15), dt.UTC),
    )  # fmt: skip
    await _backdate(conn, drafted.id, day)
    # The first recommendations become actions; those of long-past assessments are mostly done.
    for advised in [r for r in ratings if r.rating != "met"][:2]:
        due = None if advised.rating == "partly_met" else day + dt.timedelta(days=60)
        action, _ = await commands.add_action(conn, who, drafted.id, NewAction(
            standard=advised.standard, text_en=RECOMMENDATIONS[0], text_cy=RECOMMENDATIONS[1],
            owner="Service owner / Perchennog y gwasanaeth", due_on=due,
        ), today)  # fmt: skip
        if (today - day).days > 120 and rng.random() < 0.7:
            await commands.close_action(conn, who, action.id, ActionClosing(state="done"), None, today)
        await _backdate(conn, action.id, day)


MILESTONE_GATES: tuple[Gate, ...] = ("alpha", "private_beta", "public_beta", "live")


async def _milestones(
    conn: asyncpg.Connection, rng: random.Random, today: dt.date, lead: Actor, project_id: uuid.UUID,
    start: dt.date, upcoming: list[Phase], end: str,
) -> None:  # fmt: skip
    """A milestone reached early on; for a project under way, the next gate's, one in four of them overdue."""
    early = start + dt.timedelta(days=rng.randint(10, 30))
    first, _ = await commands.add_milestone(conn, lead, project_id, NewMilestone(
        title_en="Research plan agreed with the partner", title_cy="Cynllun ymchwil wedi'i gytuno gyda'r partner",
        target=early.isoformat()), today=start)  # fmt: skip
    await commands.complete_milestone(conn, lead, project_id, first.id, None, today=early)
    await _backdate(conn, first.id, early)
    gate = next((g for g in MILESTONE_GATES if upcoming == [g]), None)
    if gate is None or end == "stopped":
        return
    overdue = rng.random() < 0.25
    when = today - dt.timedelta(days=40) if overdue else today + dt.timedelta(days=rng.randint(20, 150))
    upcoming_milestone, _ = await commands.add_milestone(conn, lead, project_id, NewMilestone(
        title_en=f"Ready for the assessment to move to {name(PHASES, gate, 'en')}",
        title_cy=f"Yn barod ar gyfer yr asesiad i symud i {name(PHASES, gate, 'cy')}",
        target=when.strftime("%Y-%m"), gate=gate), today=today)  # fmt: skip
    await _backdate(conn, upcoming_milestone.id, min(today, start + dt.timedelta(days=60)))


HEALTH_REASONS = (
    ShortIn(en="Waiting on a supplier", cy="Aros am gyflenwr"),
    ShortIn(en="More research with users is needed", cy="Mae angen rhagor o ymchwil gyda defnyddwyr"),
    ShortIn(en="The hosting contract is not signed yet"),
    ShortIn(
        en="Two of the team are on leave until the end of the month", cy="Mae dau o'r tîm ar wyliau tan ddiwedd y mis"
    ),
    ShortIn(cy="Mae'r partner yn ailstrwythuro ei dîm digidol"),
)
"""Mostly in both languages; one in English only and one in Welsh only, which the other language's
pages, emails and weeknotes show with the note that says so."""


async def _post_update(
    conn: asyncpg.Connection, rng: random.Random, project_id: uuid.UUID, day: dt.date, lead: Actor
) -> None:
    en, cy = rng.choice(UPDATES)
    n = rng.randint(5, 15)
    health = rng.choices(["green", "amber", "red"], weights=[6, 3, 1])[0]
    reason: ShortIn | str = "" if health == "green" else HEALTH_REASONS[n % len(HEALTH_REASONS)]
    update = NewUpdate(body_en=en.format(n=n), body_cy=cy.format(n=n), posted_on=day, health=health,  # type: ignore[arg-type]
                       health_reason=reason)  # fmt: skip
    await commands.post_update(conn, lead, project_id, update, today=day)


async def _backdate(conn: asyncpg.Connection, aggregate_id: uuid.UUID, day: dt.date) -> None:
    await conn.execute(
        "UPDATE events SET occurred_at = $2 WHERE aggregate_id = $1",
        aggregate_id, dt.datetime.combine(day, dt.time(10), dt.UTC),
    )  # fmt: skip
