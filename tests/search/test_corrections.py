"""Search: "did you mean" only ever suggests a word of a record the caller may see.

Every role (anonymous, a partner, another partner, a lead, an admin) against every audience a title
word can have: public projects, internal projects, partner-only projects of each partner, support
requests' organisations (staff only) and inactive partners (staff only). A correction that came
from a hidden record would reveal the word; a correction missing only for a word that exists would
confirm it, so both are checked.
"""

from __future__ import annotations

import uuid

from shared.bilingual import Bilingual
from shared.events import (
    PartnerRegistered,
    PartnerSnapshot,
    ProjectCreated,
    ProjectUpdated,
    Role,
    SupportRequested,
)
from tests.helpers import snapshot
from tests.search.conftest import Search

A, B = uuid.uuid4(), uuid.uuid4()
ROLES: dict[str, tuple[Role, uuid.UUID | None]] = {
    "anonymous": ("public", None), "partner A": ("partner", A), "partner B": ("partner", B),
    "lead": ("lead", None), "admin": ("admin", None),
}  # fmt: skip
EVERYONE, STAFF = set(ROLES), {"lead", "admin"}
# (typo, the title word it is near, who may see the record holding that word)
TYPOS = [
    ("lighthose", "lighthouse", EVERYONE),  # a public project
    ("zephykiln", "zephyrkiln", STAFF),  # an internal project
    ("quilwort", "quillwort", STAFF | {"partner A"}),  # partner A's partner-only project
    ("marowfat", "marrowfat", STAFF | {"partner B"}),  # partner B's partner-only project
    ("brakenridge", "brackenridge", STAFF),  # a support request's organisation
    ("halloweay", "halloway", STAFF),  # an inactive partner
]


def organisation(name: str, *, active: bool) -> PartnerRegistered:
    return PartnerRegistered(partner=PartnerSnapshot(slug=name.lower(), name_en=f"{name} Borough",
                                                     name_cy=f"Bwrdeistref {name}", kind="local_authority",
                                                     website=None, active=active))  # fmt: skip


async def index_every_audience(search: Search) -> None:
    await search.publish(ProjectCreated(project=snapshot(title_en="Lighthouse rota", title_cy="Rota goleudy")))
    await search.publish(ProjectCreated(project=snapshot(title_en="Zephyrkiln foundry", visibility="internal")))
    await search.publish(ProjectCreated(project=snapshot(title_en="Quillwort meadows", partner_id=A,
                                                         visibility="partner")), partner_id=A)  # fmt: skip
    await search.publish(ProjectCreated(project=snapshot(title_en="Marrowfat orchards", partner_id=B,
                                                         visibility="partner")), partner_id=B)  # fmt: skip
    await search.publish(SupportRequested(organisation="Brackenridge Trust", contact_name="Ann",
                                          contact_email="ann@example.org", language="en",
                                          need=Bilingual(en="Advice on a discovery"), urgency="low"))  # fmt: skip
    await search.publish(organisation("Halloway", active=False))
    last = await search.publish(organisation("Thistledown", active=True))
    await search.query(search.as_("admin"), after=last)


async def test_a_correction_only_comes_from_records_the_caller_may_see(search: Search) -> None:
    await index_every_audience(search)
    wrong = []
    for who, (role, partner) in ROLES.items():
        headers = search.as_(role, partner) if role != "public" else {}
        for typo, word, audience in TYPOS:
            answer = await search.query(headers, q=typo)
            expected = word if who in audience else None
            if answer["corrected"] != expected or (expected is None and answer["total"] != 0):
                wrong.append((who, typo, answer["corrected"], answer["total"]))
    assert wrong == []


async def test_a_word_the_caller_may_not_see_is_never_confirmed_nor_put_into_a_mixed_query(search: Search) -> None:
    await index_every_audience(search)
    # The hidden word itself, typed exactly, is treated like any unknown word: no hit, no correction.
    exact = await search.query(q="zephyrkiln")
    assert (exact["total"], exact["corrected"]) == (0, None)
    # Mixed with a visible word: only the visible one is corrected, and only visible records found.
    mixed = await search.query(q="zephykiln or lighthose")
    assert mixed["corrected"] == "zephykiln or lighthouse"
    assert [hit["title_en"] for hit in mixed["items"]] == ["Lighthouse rota"]
    staff = await search.query(search.as_("lead"), q="zephykiln or lighthose")
    assert staff["corrected"] == "zephyrkiln or lighthouse" and staff["total"] == 2


async def test_a_renamed_or_hidden_record_no_longer_lends_its_old_words(search: Search) -> None:
    renamed, hidden = uuid.uuid4(), uuid.uuid4()
    await search.publish(ProjectCreated(project=snapshot(title_en="Kestrel survey")), aggregate_id=renamed)
    await search.publish(ProjectCreated(project=snapshot(title_en="Puffin census")), aggregate_id=hidden)
    await search.publish(ProjectUpdated(project=snapshot(title_en="Osprey survey"), changed=["title_en"]),
                         aggregate_id=renamed, seq=2)  # fmt: skip
    last = await search.publish(
        ProjectUpdated(project=snapshot(title_en="Puffin census", visibility="internal"), changed=["visibility"]),
        aggregate_id=hidden, seq=2,
    )  # fmt: skip
    await search.query(after=last)
    assert (await search.query(q="kestrl"))["corrected"] is None
    assert (await search.query(q="ospry"))["corrected"] == "osprey"
    assert (await search.query(q="pufin"))["corrected"] is None
    assert (await search.query(search.as_("lead"), q="pufin"))["corrected"] == "puffin"
