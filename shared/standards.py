"""The Digital Service Standards for Wales, as versioned sets: what an assessment rates a service against.

CDPS revises the standards, so each set has a version and every assessment records the version it
used: an assessment made against an older set keeps reading as it was made. The titles follow the
standards' own wording; the guidance is ours, a few plain lines on what a panel looks for, written
in English and in Welsh (not translated by machine). Every service reads them from here: the
portfolio checks ratings against them, the web shows them beside the form and on the report, the
notifier names them in emails.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Group = Literal["user_needs", "teams", "technology"]

GROUPS: dict[Group, tuple[str, str]] = {
    "user_needs": ("Meeting user needs", "Diwallu anghenion defnyddwyr"),
    "teams": ("Creating good digital teams", "Creu timau digidol da"),
    "technology": ("Using the right technology", "Defnyddio'r dechnoleg iawn"),
}
"""Each group's name in (English, Welsh), in the order the standards list them."""


class Standard(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    group: Group
    title_en: str
    title_cy: str
    guidance_en: str
    guidance_cy: str


_2024: tuple[Standard, ...] = (
    Standard(
        number=1, group="user_needs",
        title_en="Focus on current and future wellbeing of people in Wales",
        title_cy="Canolbwyntio ar lesiant pobl Cymru heddiw ac yn y dyfodol",
        guidance_en="Show how the service helps people now without storing up problems for later, in line with "
                    "the Well-being of Future Generations Act: its effect on communities, the environment and "
                    "the people who will use it in years to come.",
        guidance_cy="Dangoswch sut mae'r gwasanaeth yn helpu pobl heddiw heb greu problemau ar gyfer y dyfodol, "
                    "yn unol â Deddf Llesiant Cenedlaethau'r Dyfodol: ei effaith ar gymunedau, ar yr amgylchedd "
                    "ac ar y bobl a fydd yn ei ddefnyddio ymhen blynyddoedd.",
    ),
    Standard(
        number=2, group="user_needs",
        title_en="Promote the Welsh language", title_cy="Hyrwyddo'r Gymraeg",
        guidance_en="Design and test the service in Welsh from the start, not as a translation at the end. Welsh "
                    "speakers should get a service that is just as good, and should be able to choose Welsh at "
                    "every step.",
        guidance_cy="Dyluniwch a phrofwch y gwasanaeth yn Gymraeg o'r dechrau, nid fel cyfieithiad ar y diwedd. "
                    "Dylai siaradwyr Cymraeg gael gwasanaeth sydd cystal bob tamaid, a gallu dewis y Gymraeg ym "
                    "mhob cam.",
    ),
    Standard(
        number=3, group="user_needs",
        title_en="Understand users and their needs", title_cy="Deall defnyddwyr a'u hanghenion",
        guidance_en="Do research with the people who will really use the service, including those who find it "
                    "hardest, and show how what you learnt has changed what you are building.",
        guidance_cy="Gwnewch ymchwil gyda'r bobl a fydd yn defnyddio'r gwasanaeth go iawn, gan gynnwys y rhai sy'n "
                    "ei chael hi anoddaf, a dangoswch sut mae'r hyn a ddysgoch wedi newid yr hyn rydych yn ei "
                    "adeiladu.",
    ),
    Standard(
        number=4, group="user_needs",
        title_en="Provide a joined up experience", title_cy="Darparu profiad cydgysylltiedig",
        guidance_en="Look at the whole journey, across organisations and channels, online and offline. People "
                    "should not have to understand how the public sector is organised to get what they need.",
        guidance_cy="Edrychwch ar y daith gyfan, ar draws sefydliadau a sianeli, ar-lein ac all-lein. Ni ddylai "
                    "fod yn rhaid i bobl ddeall sut mae'r sector cyhoeddus wedi'i drefnu er mwyn cael yr hyn sydd "
                    "ei angen arnynt.",
    ),
    Standard(
        number=5, group="user_needs",
        title_en="Make sure everyone can use the service",
        title_cy="Sicrhau bod pawb yn gallu defnyddio'r gwasanaeth",
        guidance_en="Meet accessibility standards, test with disabled people and with people who have little "
                    "confidence online, and offer support for those who cannot use the digital service.",
        guidance_cy="Bodlonwch y safonau hygyrchedd, profwch gyda phobl anabl a gyda phobl sydd â fawr o hyder "
                    "ar-lein, a chynigiwch gymorth i'r rhai na allant ddefnyddio'r gwasanaeth digidol.",
    ),
    Standard(
        number=6, group="teams",
        title_en="Have an empowered service owner", title_cy="Cael perchennog gwasanaeth sydd wedi'i rymuso",
        guidance_en="One person owns the service and can make decisions about it: what to build, what to stop, "
                    "and how money and people are used. They are close enough to the team to decide quickly.",
        guidance_cy="Mae un person yn berchen ar y gwasanaeth ac yn gallu gwneud penderfyniadau amdano: beth i'w "
                    "adeiladu, beth i roi'r gorau iddo, a sut i ddefnyddio arian a phobl. Maen nhw'n ddigon agos "
                    "at y tîm i benderfynu'n gyflym.",
    ),
    Standard(
        number=7, group="teams",
        title_en="Have a multidisciplinary team", title_cy="Cael tîm amlddisgyblaethol",
        guidance_en="The team has the skills the phase needs, such as user research, design, content, "
                    "development and delivery, and keeps the knowledge inside the organisation.",
        guidance_cy="Mae gan y tîm y sgiliau sydd eu hangen ar gyfer y cam, fel ymchwil defnyddwyr, dylunio, "
                    "cynnwys, datblygu a chyflawni, ac mae'n cadw'r wybodaeth o fewn y sefydliad.",
    ),
    Standard(
        number=8, group="teams",
        title_en="Iterate and improve frequently", title_cy="Ailadrodd a gwella'n aml",
        guidance_en="Release small changes often, learn from how people use them, and keep improving the service "
                    "after it goes live rather than waiting for a big redesign.",
        guidance_cy="Rhyddhewch newidiadau bach yn aml, dysgwch o'r ffordd mae pobl yn eu defnyddio, a daliwch "
                    "ati i wella'r gwasanaeth ar ôl iddo fynd yn fyw yn hytrach nag aros am ailgynllunio mawr.",
    ),
    Standard(
        number=9, group="teams",
        title_en="Work in the open", title_cy="Gweithio'n agored",
        guidance_en="Share what you are doing and what you have learnt, through show and tells, weeknotes and "
                    "open code where you can, so that others can reuse your work and avoid your mistakes.",
        guidance_cy="Rhannwch yr hyn rydych yn ei wneud a'r hyn rydych wedi'i ddysgu, drwy sesiynau dangos a "
                    "dweud, nodiadau wythnos a chod agored lle gallwch, fel bod eraill yn gallu ailddefnyddio "
                    "eich gwaith ac osgoi eich camgymeriadau.",
    ),
    Standard(
        number=10, group="technology",
        title_en="Use scalable technology", title_cy="Defnyddio technoleg y gellir ei hehangu",
        guidance_en="Choose technology that can grow with demand and change with the service, prefer open "
                    "standards and shared platforms, and avoid being locked in to one supplier.",
        guidance_cy="Dewiswch dechnoleg sy'n gallu tyfu gyda'r galw a newid gyda'r gwasanaeth, rhowch flaenoriaeth "
                    "i safonau agored a llwyfannau a rennir, ac osgowch gael eich clymu wrth un cyflenwr.",
    ),
    Standard(
        number=11, group="technology",
        title_en="Consider ethics, privacy and security throughout",
        title_cy="Ystyried moeseg, preifatrwydd a diogelwch drwy gydol y gwaith",
        guidance_en="Know what data you hold and why, protect it, and think about who could be harmed by the "
                    "service or left out by it, from the first discovery to the day it is retired.",
        guidance_cy="Gwybyddwch pa ddata sydd gennych a pham, diogelwch y data, ac ystyriwch pwy allai gael ei "
                    "niweidio gan y gwasanaeth neu ei adael allan ohono, o'r darganfod cyntaf hyd at y diwrnod y "
                    "daw i ben.",
    ),
    Standard(
        number=12, group="technology",
        title_en="Use data to make decisions", title_cy="Defnyddio data i wneud penderfyniadau",
        guidance_en="Decide what success looks like, measure it from the start, and use the figures together "
                    "with what users tell you to decide what to do next.",
        guidance_cy="Penderfynwch sut beth yw llwyddiant, mesurwch hynny o'r dechrau, a defnyddiwch y ffigurau "
                    "ynghyd â'r hyn mae defnyddwyr yn ei ddweud wrthych i benderfynu beth i'w wneud nesaf.",
    ),
)  # fmt: skip

SETS: dict[str, tuple[Standard, ...]] = {"2024": _2024}
"""Every version of the standards, oldest first: a version, once used, is never changed."""
CURRENT = "2024"
"""The version a new assessment uses."""


def standards(version: str = CURRENT) -> tuple[Standard, ...]:
    """The standards of ``version``, numbered from 1 (KeyError for a version CDPS never published)."""
    return SETS[version]


def numbers(version: str = CURRENT) -> tuple[int, ...]:
    return tuple(s.number for s in standards(version))
