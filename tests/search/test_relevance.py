"""A bilingual relevance set: queries in Welsh and English with the projects a person expects.

Each query is run as the public against the real index; recall@10 (the expected projects found in
the first ten hits, over all queries) and the false matches (hits nobody expected) are printed,
query by query, and held to recall ≥ 0.98 with at most 2 false matches. The projects are written
as CDPS writes them, in both languages, with mutated place names, plurals and look-alike words
(dŵr and tŵr, tân and dan, the Welsh "plant" beside the English "water treatment plant").
"""

from __future__ import annotations

from shared.events import ProjectCreated
from tests.helpers import snapshot
from tests.search.conftest import Search

# slug: (title_en, title_cy, summary_en, summary_cy)
PROJECTS = {
    "school-admissions": ("School admissions in Powys", "Derbyniadau ysgol ym Mhowys",
                          "Parents apply for a school place online.", "Rhieni'n gwneud cais am le mewn ysgol ar-lein."),
    "school-transport": ("School transport in Gwynedd", "Cludiant i ysgolion yng Ngwynedd",
                         "Booking buses for pupils.", "Trefnu bysiau i ddisgyblion."),
    "welsh-medium-schools": ("Finding a Welsh-medium school", "Dod o hyd i ysgol Gymraeg",
                             "A map of Welsh-medium schools in Cardiff.", "Map o ysgolion Cymraeg yng Nghaerdydd."),
    "school-meals": ("Free school meals in Conwy", "Prydau ysgol am ddim yng Nghonwy",
                     "Families claim free meals for their children.", "Teuluoedd yn hawlio prydau am ddim i'w plant."),
    "childcare-funding": ("Childcare funding for working parents", "Cyllid gofal plant i rieni sy'n gweithio",
                          "Apply for 30 hours of childcare.", "Gwneud cais am 30 awr o ofal plant."),
    "safeguarding": ("Safeguarding children", "Diogelu plant",
                     "Reporting a concern about a child.", "Rhoi gwybod am bryder am blentyn."),
    "social-housing": ("Social housing register in Wrexham", "Cofrestr tai cymdeithasol yn Wrecsam",
                       "Apply for a council house.", "Gwneud cais am dŷ cyngor."),
    "housing-repairs": ("Housing repairs for tenants", "Atgyweiriadau tai i denantiaid",
                        "Report a repair in your home.", "Rhoi gwybod am atgyweiriad yn eich cartref."),
    "river-water": ("River water quality", "Ansawdd dŵr afonydd",
                    "Sampling rivers across Wales.", "Samplu afonydd ledled Cymru."),
    "water-treatment": ("Water treatment plant upgrade", "Uwchraddio gwaith trin dŵr",
                        "Replacing the filters at the water treatment plant.", "Newid yr hidlwyr yn y gwaith trin dŵr."),
    "clock-tower": ("Restoring the clock tower", "Adfer tŵr y cloc",
                    "Heritage repairs in the town centre.", "Gwaith treftadaeth yng nghanol y dref."),
    "digital-team": ("Building a digital team", "Adeiladu tîm digidol",
                     "Recruiting a multidisciplinary team.", "Recriwtio tîm amlddisgyblaethol."),
    "fire-safety": ("Home fire safety checks", "Gwiriadau diogelwch tân yn y cartref",
                    "Booking a free home fire safety visit.", "Trefnu ymweliad diogelwch tân am ddim."),
    "young-fares": ("Bus fares for under-18s", "Tocynnau bws i bobl dan 18",
                    "Cheaper fares for young people.", "Prisiau rhatach i bobl ifanc."),
    "library-online": ("Library services online", "Gwasanaethau llyfrgell ar-lein",
                       "Borrow e-books from your local library.", "Benthyg e-lyfrau o'ch llyfrgell leol."),
    "cardiff-libraries": ("Cardiff libraries app", "Ap llyfrgelloedd Caerdydd",
                          "Opening hours and events.", "Oriau agor a digwyddiadau."),
    "bins": ("Bin collections in Swansea", "Casgliadau biniau yn Abertawe",
             "Check your collection day.", "Gwirio eich diwrnod casglu."),
    "blue-badges": ("Blue badge applications", "Ceisiadau am fathodynnau glas",
                    "Disabled people apply for a blue badge.", "Pobl anabl yn gwneud cais am fathodyn glas."),
    "young-carers": ("Support for young carers", "Cymorth i ofalwyr ifanc",
                     "Young carers get a break.", "Gofalwyr ifanc yn cael seibiant."),
    "farm-permits": ("Environmental permits for farmers", "Trwyddedau amgylcheddol i ffermwyr",
                     "Farmers apply for a permit.", "Ffermwyr yn gwneud cais am drwydded."),
    "fishing": ("Fishing licences", "Trwyddedau pysgota",
                "Buy a rod licence online.", "Prynu trwydded wialen ar-lein."),
    "hospital-visits": ("Visiting hospital in Bangor", "Ymweld â'r ysbyty ym Mangor",
                        "Booking visits to Ysbyty Gwynedd.", "Trefnu ymweliadau ag Ysbyty Gwynedd."),
    "waiting-lists": ("Hospital waiting lists", "Rhestrau aros ysbytai",
                      "Patients see how long they will wait.", "Cleifion yn gweld pa mor hir y byddant yn aros."),
    "prescriptions": ("Repeat prescriptions", "Presgripsiynau amlroddadwy",
                      "Order your repeat prescription from your GP.",
                      "Archebu eich presgripsiwn amlroddadwy gan eich meddyg teulu."),
    "flood-warnings": ("Flood warnings in the Conwy valley", "Rhybuddion llifogydd yn Nyffryn Conwy",
                       "Text alerts when rivers rise.", "Negeseuon testun pan fydd afonydd yn codi."),
    "council-tax": ("Council tax in Torfaen", "Treth gyngor yn Nhorfaen",
                    "Paying council tax online.", "Talu'r dreth gyngor ar-lein."),
    "planning": ("Planning applications in Ceredigion", "Ceisiadau cynllunio yng Ngheredigion",
                 "Track a planning application.", "Dilyn cais cynllunio."),
    "parking": ("Parking permits in Newport", "Trwyddedau parcio yng Nghasnewydd",
                "Residents renew their permit.", "Trigolion yn adnewyddu eu trwydded."),
    "older-bus-passes": ("Bus passes for older people", "Tocynnau bws i bobl hŷn",
                         "Apply for a free bus pass.", "Gwneud cais am docyn bws am ddim."),
    "welsh-services": ("Promoting Welsh language services", "Hyrwyddo gwasanaethau Cymraeg",
                       "Services that work in Welsh first.", "Gwasanaethau sy'n gweithio yn Gymraeg yn gyntaf."),
    "tenant-portal": ("Tenants' online portal", "Porth ar-lein i denantiaid",
                      "Tenants pay rent and ask for help.", "Tenantiaid yn talu rhent ac yn gofyn am help."),
    "volunteering": ("Volunteering in your community", "Gwirfoddoli yn eich cymuned",
                     "Find a local group.", "Dod o hyd i grŵp lleol."),
    "nhs-app": ("NHS Wales app", "Ap GIG Cymru",
                "Book GP appointments through the NHS app.", "Trefnu apwyntiadau meddyg teulu drwy ap y GIG."),
    "affordable-homes": ("Affordable homes in Pembrokeshire", "Tai fforddiadwy yn Sir Benfro",
                         "Homes for local families.", "Cartrefi i deuluoedd lleol."),
    "powys-data": ("Data platform for Powys schools", "", "Shared reporting for head teachers.", ""),
}  # fmt: skip

SCHOOLS = {"school-admissions", "school-transport", "welsh-medium-schools", "school-meals"}
CHILDREN = {"school-meals", "childcare-funding", "safeguarding"}
# query: the projects a person expects to find
QUERIES: dict[str, set[str]] = {
    # Welsh: plurals both ways, mutations, circumflexes, place names in either field
    "ysgol": SCHOOLS, "ysgolion": SCHOOLS, "Ysgolion Cymraeg": {"welsh-medium-schools"},
    "blant": CHILDREN, "plentyn": CHILDREN, "tai": {"social-housing", "housing-repairs", "affordable-homes"},
    "tŷ": {"social-housing", "housing-repairs", "affordable-homes"}, "dŵr": {"river-water", "water-treatment"},
    "dwr": {"river-water", "water-treatment"}, "tŵr": {"clock-tower"}, "tîm digidol": {"digital-team"},
    "tân": {"fire-safety"}, "gwasanaethau llyfrgell": {"library-online"},
    "llyfrgelloedd": {"library-online", "cardiff-libraries"}, "Abertawe": {"bins"}, "bathodyn glas": {"blue-badges"},
    "gofalwyr": {"young-carers"}, "ofalwyr": {"young-carers"}, "ffermwr": {"farm-permits"},
    "trwydded": {"farm-permits", "fishing", "parking"}, "ysbyty": {"hospital-visits", "waiting-lists"},
    "ysbytai": {"hospital-visits", "waiting-lists"}, "Bangor": {"hospital-visits"}, "ym Mangor": {"hospital-visits"},
    "presgripsiwn": {"prescriptions"}, "llifogydd Conwy": {"flood-warnings"},
    "yng Nghonwy": {"school-meals", "flood-warnings"}, "Nhorfaen": {"council-tax"}, "Ceredigion": {"planning"},
    "Casnewydd": {"parking"}, "pobl hŷn": {"older-bus-passes"}, "tocyn bws": {"young-fares", "older-bus-passes"},
    "Cymraeg": {"welsh-medium-schools", "welsh-services"}, "tenant": {"housing-repairs", "tenant-portal"},
    "tenantiaid": {"housing-repairs", "tenant-portal"}, "cymunedau": {"volunteering"}, "GIG": {"nhs-app"},
    "Sir Benfro": {"affordable-homes"}, "Mhowys": {"school-admissions", "powys-data"},
    "Caerdydd": {"welsh-medium-schools", "cardiff-libraries"}, "Gwynedd": {"school-transport", "hospital-visits"},
    "Wrecsam": {"social-housing"}, "ysgolon": SCHOOLS,  # a typo
    # English, and Welsh names and acronyms typed in English
    "school": SCHOOLS | {"powys-data"}, "schools": SCHOOLS | {"powys-data"}, "children": {"school-meals", "safeguarding"},
    "housing": {"social-housing", "housing-repairs"}, "water": {"river-water", "water-treatment"},
    "water treatment plant": {"water-treatment"}, "tower": {"clock-tower"}, "team": {"digital-team"},
    "fire": {"fire-safety"}, "library": {"library-online", "cardiff-libraries"}, "Swansea": {"bins"},
    "blue badge": {"blue-badges"}, "carers": {"young-carers"}, "farmers": {"farm-permits"}, "fishing": {"fishing"},
    "hospital": {"hospital-visits", "waiting-lists"}, "prescription": {"prescriptions"}, "flood": {"flood-warnings"},
    "council tax": {"council-tax"}, "planning": {"planning"}, "parking": {"parking"}, "Newport": {"parking"},
    "bus": {"school-transport", "young-fares", "older-bus-passes"}, "tenants": {"housing-repairs", "tenant-portal"},
    "NHS": {"nhs-app"}, "Pembrokeshire": {"affordable-homes"}, "Powys": {"school-admissions", "powys-data"},
    "Cardiff": {"welsh-medium-schools", "cardiff-libraries"}, "Wrexham": {"social-housing"},
    "prescriptons": {"prescriptions"},  # a typo
}  # fmt: skip
RECALL_AT_10 = 0.98
FALSE_MATCHES = 2


async def test_the_bilingual_relevance_set_holds_its_recall_and_precision(search: Search) -> None:
    last = None
    for slug, (title_en, title_cy, summary_en, summary_cy) in PROJECTS.items():
        last = await search.publish(ProjectCreated(project=snapshot(
            slug=slug, title_en=title_en, title_cy=title_cy, summary_en=summary_en, summary_cy=summary_cy,
        )))  # fmt: skip
    await search.query(after=last)
    expected_total = found_total = false_total = 0
    lines = [f"{'query':28} {'recall':>7} false"]
    for query, expected in QUERIES.items():
        hits = [hit["slug"] for hit in (await search.query(q=query, limit=10))["items"]]
        found, false = expected.intersection(hits), [slug for slug in hits if slug not in expected]
        expected_total, found_total, false_total = expected_total + len(expected), found_total + len(found), \
            false_total + len(false)  # fmt: skip
        missing = sorted(expected - found)
        lines.append(f"{query:28} {len(found)}/{len(expected):<5} {', '.join(false)}"
                     + (f"  (missing: {', '.join(missing)})" if missing else ""))  # fmt: skip
    recall = found_total / expected_total
    lines.append(f"recall@10 {recall:.3f} over {len(QUERIES)} queries ({found_total}/{expected_total}), "
                 f"{false_total} false matches")  # fmt: skip
    print("\n".join(lines))
    assert recall >= RECALL_AT_10 and false_total <= FALSE_MATCHES, "\n".join(lines)
