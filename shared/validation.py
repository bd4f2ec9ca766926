"""Every problem of a request at once, each in words written for people that name the field, in
Welsh and English.

msgspec (through Litestar) stops at a body's first problem and says it in its own words
("Expected `str` of length <= 200"). :func:`problems` checks a decoded body against its Struct one
field at a time, with msgspec's own constraints (so the rules stay declared once, on the Struct),
and :func:`explain` turns each of msgspec's findings into a sentence about the field. The 422
handler (``shared/http.py``) and the CSV importer use both; query and path parameters, which
Litestar already reports one by one, get the same sentences.

What a field is called, in both languages, is in :data:`LABELS` (tests/test_validation.py checks
every field of every API body has a name there). Checks that are not a type's constraint (a
U+0000 anywhere, say) are :data:`VALUE_CHECKS`: each looks at a field's raw value first and may
report a problem of its own.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from shared import welsh


class FieldError(msgspec.Struct, frozen=True):
    """One bad field: its name (a dotted path inside a nested object) and what is wrong, in both languages."""

    field: str
    message_en: str
    message_cy: str


@dataclass(frozen=True)
class Label:
    """A field's name as a noun phrase, as it reads inside a sentence: "the title in English"."""

    en: str
    cy: str
    """With its article where it has one ("y teitl yn Saesneg"): the forms Welsh grammar needs
    after "i" and as an object are made from it (:func:`after_i`, :func:`as_object`)."""


LABELS: dict[str, Label] = {
    "active": Label("the setting “active”", "y gosodiad “gweithredol”"),
    "assessment": Label("the outcome of the assessment", "canlyniad yr asesiad"),
    "assessment_url": Label("the link to the assessment report", "y ddolen i adroddiad yr asesiad"),
    "body_cy": Label("the update in Welsh", "y diweddariad yn Gymraeg"),
    "body_en": Label("the update in English", "y diweddariad yn Saesneg"),
    "contact_email": Label("your email address", "eich cyfeiriad e-bost"),
    "contact_name": Label("your name", "eich enw"),
    "comment": Label("the comment", "y sylw"),
    "contacts": Label("the contacts", "y cysylltiadau"),
    "body": Label("the request body", "corff y cais"),
    "cursor": Label("the cursor", "y cyrchwr"),
    "description": Label("the description", "y disgrifiad"),
    "due_on": Label("the due date", "y dyddiad cau"),
    "cy": Label("the text in Welsh", "y testun yn Gymraeg"),
    "en": Label("the text in English", "y testun yn Saesneg"),
    "effective": Label("the date it takes effect", "y dyddiad y daw i rym"),
    "enabled": Label("the setting “enabled”", "y gosodiad “wedi'i alluogi”"),
    "email": Label("the email address", "y cyfeiriad e-bost"),
    "event_types": Label("the event types", "y mathau o ddigwyddiad"),
    "evidence_cy": Label("the evidence in Welsh", "y dystiolaeth yn Gymraeg"),
    "evidence_en": Label("the evidence in English", "y dystiolaeth yn Saesneg"),
    "ended_on": Label("the end date", "y dyddiad gorffen"),
    "engagement": Label("the engagement", "yr ymgysylltiad"),
    "field": Label("the text to translate", "y testun i'w gyfieithu"),
    "gate": Label("the gate", "y porth"),
    "gate_override_reason": Label(
        "the reason for passing the gate all the same", "y rheswm dros basio'r porth er hynny"
    ),
    "health": Label("the health", "yr iechyd"),
    "health_reason": Label("the reason for the health", "y rheswm dros yr iechyd"),
    "held_on": Label("the date it was held", "y dyddiad y'i cynhaliwyd"),
    "hidden": Label("the hidden items", "yr eitemau cudd"),
    "internal": Label("the setting “internal”", "y gosodiad “mewnol”"),
    "intro_cy": Label("the introduction in Welsh", "y cyflwyniad yn Gymraeg"),
    "intro_en": Label("the introduction in English", "y cyflwyniad yn Saesneg"),
    "id": Label("the record", "y cofnod"),
    "kind": Label("the kind", "y math"),
    "lang": Label("the language", "yr iaith"),
    "language": Label("the language", "yr iaith"),
    "lead": Label("the delivery lead", "yr arweinydd cyflawni"),
    "lead_id": Label("the delivery lead", "yr arweinydd cyflawni"),
    "limit": Label("the number of results", "nifer y canlyniadau"),
    "name": Label("the name", "yr enw"),
    "name_cy": Label("the name in Welsh", "yr enw yn Gymraeg"),
    "name_en": Label("the name in English", "yr enw yn Saesneg"),
    "need_language": Label("the language your request is written in", "iaith eich cais"),
    "need": Label("the description of what you need help with", "y disgrifiad o'r help sydd ei angen arnoch"),
    "organisation": Label("the name of your organisation", "enw eich sefydliad"),
    "outcome": Label("the outcome", "y canlyniad"),
    "override_reason": Label("the reason for overriding the outcome", "y rheswm dros newid y canlyniad"),
    "owner": Label("who owns the action", "perchennog y cam gweithredu"),
    "panel": Label("the panel", "y panel"),
    "panel_outcome": Label("the panel's outcome", "canlyniad y panel"),
    "part": Label("the standard or panel member", "y safon neu aelod o'r panel"),
    "partner": Label("the partner", "y partner"),
    "partner_id": Label("the partner", "y partner"),
    "phase": Label("the phase", "y cam"),
    "posted_on": Label("the date of the update", "dyddiad y diweddariad"),
    "project_emails": Label("whether they get project emails", "a ydyn nhw'n cael negeseuon e-bost am brosiectau"),
    "project_id": Label("the project", "y prosiect"),
    "q": Label("the search words", "y geiriau chwilio"),
    "rating": Label("the rating", "y sgôr"),
    "ratings": Label("the ratings", "y sgoriau"),
    "reason": Label("the reason", "y rheswm"),
    "column": Label("the roadmap column", "colofn y map ffordd"),
    "recommendations_cy": Label("the recommendations in Welsh", "yr argymhellion yn Gymraeg"),
    "recommendations_en": Label("the recommendations in English", "yr argymhellion yn Saesneg"),
    "recipient": Label("the recipient", "y derbynnydd"),
    "rhythm": Label("how often emails are sent", "amlder yr e-byst"),
    "role": Label("the role", "y rôl"),
    "slug": Label("the short name", "yr enw byr"),
    "standard": Label("the standard", "y safon"),
    "start_date": Label("the start date", "y dyddiad dechrau"),
    "started_on": Label("the start date", "y dyddiad dechrau"),
    "state": Label("the state", "y cyflwr"),
    "status": Label("the status", "y statws"),
    "summary_cy": Label("the summary in Welsh", "y crynodeb yn Gymraeg"),
    "summary_en": Label("the summary in English", "y crynodeb yn Saesneg"),
    "tag": Label("the challenge area", "y maes her"),
    "tags": Label("the challenge areas", "y meysydd her"),
    "target_id": Label("the project or partner to follow", "y prosiect neu'r partner i'w ddilyn"),
    "target_kind": Label("what to follow", "yr hyn i'w ddilyn"),
    "target": Label("the target month or day", "y mis neu'r diwrnod targed"),
    "text_cy": Label("the action in Welsh", "y cam gweithredu yn Gymraeg"),
    "text_en": Label("the action in English", "y cam gweithredu yn Saesneg"),
    "text": Label("the translation", "y cyfieithiad"),
    "title_cy": Label("the title in Welsh", "y teitl yn Gymraeg"),
    "title_en": Label("the title in English", "y teitl yn Saesneg"),
    "to_phase": Label("the phase to move to", "y cam i symud iddo"),
    "urgency": Label("the urgency", "y brys"),
    "url": Label("the URL", "yr URL"),
    "visibility": Label("the visibility", "y gwelededd"),
    "website": Label("the website", "y wefan"),
    "wellbeing_goals": Label("the wellbeing goals", "y nodau llesiant"),
    "catalogue": Label("the measure from the catalogue", "y mesur o'r catalog"),
    "unit": Label("the unit", "yr uned"),
    "direction": Label("which way is better", "pa ffordd sy'n well"),
    "target_value": Label("the target", "y targed"),
    "published": Label("whether it is published", "a yw wedi'i gyhoeddi"),
    "values": Label("the values", "y gwerthoedd"),
    "month": Label("the month", "y mis"),
    "value": Label("the value", "y gwerth"),
    "source": Label("where the money comes from", "o ble daw'r arian"),
    "amount": Label("the amount", "y swm"),
    "starts": Label("the first month", "y mis cyntaf"),
    "ends": Label("the last month", "y mis olaf"),
    "goal": Label("the wellbeing goal", "y nod llesiant"),
    "week": Label("the week", "yr wythnos"),
}


_IN_LANGUAGE = {"en": ("in English", "yn Saesneg"), "cy": ("in Welsh", "yn Gymraeg")}
"""How a bilingual text's language is named after the field (``reason.cy``: "the reason in Welsh")."""


def label(field: str) -> Label:
    """The field's name (the last part of a dotted path; for the ``en`` or ``cy`` of a bilingual text,
    the text's name and the language); a field without one is named as it is sent."""
    parts = [re.sub(r"\[\d+\]$", "", part) for part in field.split(".")]
    if len(parts) > 1 and parts[-1] in _IN_LANGUAGE and parts[-2] in LABELS:
        name, (en, cy) = LABELS[parts[-2]], _IN_LANGUAGE[parts[-1]]
        return Label(f"{name.en} {en}", f"{name.cy} {cy}")
    return LABELS.get(parts[-1]) or Label(f"the field “{field}”", f"y maes “{field}”")


_NO_MUTATION = ("y", "yr", "eich", "ei", "eu", "ein", "fy")


def as_object(phrase: str) -> str:
    """The phrase as the object of a command ("Rhowch ..."): soft mutation, unless an article or a
    possessive leads it ("y teitl", "eich enw" stay as they are)."""
    first = phrase.split(" ", 1)[0]
    return phrase if first in _NO_MUTATION else welsh.mutate(phrase, "soft")


def after_i(phrase: str) -> str:
    """The phrase after "i" ("Rhaid i'r teitl ..."): "i" joins an article or a possessive ("i'r",
    "i'ch"), else the phrase takes the soft mutation ("i ganlyniad")."""
    first, _, rest = phrase.partition(" ")
    joined = {"y": "i'r", "yr": "i'r", "eich": "i'ch", "ein": "i'n", "ei": "i'w", "eu": "i'w"}.get(first)
    return f"{joined} {rest}" if joined else f"i {as_object(phrase)}"


@dataclass(frozen=True)
class Sentence:
    """A problem, as two templates: ``{en}``/``{En}`` is the English label (capitalised), ``{i}`` the
    Welsh after "i", ``{obj}`` the Welsh as an object, ``{cy}`` the Welsh as it is; other names are
    the problem's own values."""

    en: str
    cy: str

    def about(self, field: str, **values: object) -> FieldError:
        name = label(field)
        words = {"en": name.en, "En": name.en[:1].upper() + name.en[1:], "i": after_i(name.cy),
                 "obj": as_object(name.cy), "cy": name.cy, **values}  # fmt: skip
        message_cy = self.cy.format(**words)
        return FieldError(field, self.en.format(**words), message_cy[:1].upper() + message_cy[1:])


MISSING = Sentence("Enter {en}", "Rhowch {obj}")
TOO_LONG = Sentence("{En} must be {n} characters or fewer", "Rhaid {i} fod yn {n} nod neu lai")
TOO_SHORT = Sentence("{En} must be at least {n} characters long", "Rhaid {i} fod o leiaf {n} nod o hyd")
TOO_MANY = Sentence("{En} can have at most {n} items", "Ni all {cy} gynnwys mwy na {n} eitem")
TOO_FEW = Sentence("{En} must have at least {n} items", "Rhaid {i} gynnwys o leiaf {n} eitem")
NUL = Sentence("{En} must not contain the character U+0000", "Ni all {cy} gynnwys y nod U+0000")
SLUG = Sentence("{En} must be lower-case letters, numbers and hyphens only",
                "Rhaid {i} fod yn llythrennau bach, rhifau a chysylltnodau yn unig")  # fmt: skip
EMAIL = Sentence("Enter {en} in the correct format, like name@example.com",
                 "Rhowch {obj} yn y ffurf gywir, fel enw@example.com")  # fmt: skip
URL = Sentence("{En} must be a web address starting with http:// or https://",
               "Rhaid {i} fod yn gyfeiriad gwe sy'n dechrau gyda http:// neu https://")  # fmt: skip
FORMAT = Sentence("{En} is not in the correct format", "Rhaid {i} fod yn y ffurf gywir")
EACH_A_CHOICE = Sentence("{En} may only be: {choices}", "Dim ond y rhain a ganiateir ar gyfer {cy}: {choices}")
CHOICE = Sentence("{En} must be one of: {choices}", "Rhaid {i} fod yn un o'r rhain: {choices}")
NOT_A_CHOICE = Sentence("{En} must be one of the values this API lists for it",
                        "Rhaid {i} fod yn un o'r gwerthoedd y mae'r API hwn yn eu rhestru ar ei gyfer")  # fmt: skip
AT_LEAST = Sentence("{En} must be {n} or more", "Rhaid {i} fod yn {n} neu fwy")
AT_MOST = Sentence("{En} must be {n} or less", "Rhaid {i} fod yn {n} neu lai")
ABOVE = Sentence("{En} must be more than {n}", "Rhaid {i} fod yn fwy na {n}")
BELOW = Sentence("{En} must be less than {n}", "Rhaid {i} fod yn llai na {n}")
KIND = Sentence("{En} must be {kind_en}", "Rhaid {i} fod yn {kind_cy}")
UNKNOWN = Sentence("This request has no field called “{name}”", "Nid oes maes o'r enw “{name}” yn y cais hwn")
INVALID = Sentence("Check {en}", "Gwiriwch {obj}")
NOT_AN_OBJECT = Sentence("Send {en} as a JSON object", "Anfonwch {obj} fel gwrthrych JSON")

KINDS = {
    "str": ("text", "destun"),
    "int": ("a whole number", "rhif cyfan"),
    "float": ("a number", "rhif"),
    "bool": ("true or false", "true neu false"),
    "array": ("a list", "rhestr"),
    "object": ("a JSON object", "wrthrych JSON"),
    "date": ("a date like 2026-03-31", "ddyddiad fel 2026-03-31"),
    "datetime": ("a date and time like 2026-03-31T09:30:00Z", "ddyddiad ac amser fel 2026-03-31T09:30:00Z"),
    "uuid": ("an id (a UUID)", "ddynodydd (UUID)"),
}

# What a pattern of ours means, by its text (the patterns live on the Structs' Meta).
_PATTERNS: list[tuple[Callable[[str], bool], Sentence]] = [
    (lambda p: p.startswith("^[a-z0-9]+"), SLUG),
    (lambda p: "@" in p, EMAIL),
    (lambda p: p.startswith("^https?://"), URL),
    (lambda p: p.startswith(r"^\s*[^\s"), MISSING),  # not blank
    (lambda p: p == r"^[^\x00]*$", NUL),
]

_AT = re.compile(r" - at `\$((?:\.[^`\[]+|\[\d+\])*)`$")
_EXPECTED_LENGTH = re.compile(r"^Expected `(\w+)` of length (<=|>=) (\d+)$")
_EXPECTED_BOUND = re.compile(r"^Expected `\w+` (>=|<=|>|<) (\S+)$")
_EXPECTED_PATTERN = re.compile(r"^Expected `str` matching regex '(.*)'$")
_EXPECTED_KIND = re.compile(r"^Expected `([^`]+)`, got `(\w+)`$")
_INVALID_ENUM = re.compile(r"^Invalid enum value (.+)$")
_INVALID_FORMAT = re.compile(r"^Invalid (?:RFC3339 encoded )?(date|datetime|time|UUID)")
_MISSING_FIELD = re.compile(r"^Object missing required field `(.+)`$")
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `(.+)`$")


def split_path(message: str) -> tuple[str, str, bool]:
    """(msgspec's message without its location, the dotted path it names: "" for the value itself,
    whether it is about an item of a list)."""
    match = _AT.search(message)
    if match is None:
        return message, "", False
    path = re.sub(r"\[\d+\]", "", match[1]).lstrip(".")
    return message[: match.start()], path, match[1].endswith("]")


def explain(field: str, message: str, annotation: Any = None) -> FieldError:
    """One of msgspec's messages about ``field`` as a sentence naming the field; ``annotation`` (the
    field's type), where known, lets a refused choice list the choices."""
    text, path, item = split_path(message)
    if match := _MISSING_FIELD.match(text):
        return MISSING.about(_join(field, path, match[1]))
    if match := _UNKNOWN_FIELD.match(text):
        return UNKNOWN.about(_join(field, path, match[1]), name=_join(field, path, match[1]))
    where = _join(field, path)
    if match := _EXPECTED_LENGTH.match(text):
        n = int(match[3])
        if match[1] == "str":
            return (TOO_LONG if match[2] == "<=" else MISSING if n == 1 else TOO_SHORT).about(where, n=f"{n:,}")
        return (TOO_MANY if match[2] == "<=" else TOO_FEW).about(where, n=f"{n:,}")
    if match := _EXPECTED_BOUND.match(text):
        bound = {">=": AT_LEAST, "<=": AT_MOST, ">": ABOVE, "<": BELOW}[match[1]]
        return bound.about(where, n=match[2])
    if match := _EXPECTED_PATTERN.match(text):
        pattern = match[1].encode().decode("unicode_escape")
        sentence = next((s for matches, s in _PATTERNS if matches(pattern)), FORMAT)
        return sentence.about(where)
    if _INVALID_ENUM.match(text):
        choices = choices_of(annotation)
        if choices:
            return (EACH_A_CHOICE if item else CHOICE).about(where, choices=", ".join(choices))
        return NOT_A_CHOICE.about(where)
    if match := _INVALID_FORMAT.match(text):
        kind_en, kind_cy = KINDS[match[1].lower()]
        return KIND.about(where, kind_en=kind_en, kind_cy=kind_cy)
    if match := _EXPECTED_KIND.match(text):
        if match[2] == "null":
            return MISSING.about(where)
        expected = [k.strip() for k in match[1].split("|") if k.strip() != "null"]
        if choices := choices_of(annotation):
            return CHOICE.about(where, choices=", ".join(choices))
        kind_en, kind_cy = KINDS.get(expected[0] if expected else "", ("valid", "ddilys"))
        return KIND.about(where, kind_en=kind_en, kind_cy=kind_cy)
    return INVALID.about(where)


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def choices_of(annotation: Any) -> list[str]:
    """The values a Literal (or a list of Literals, or an optional one) allows, in its order."""
    if annotation is None:
        return []
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return [str(v) for v in typing.get_args(annotation)]
    if origin is typing.Annotated or origin in (list, typing.Union, types.UnionType):
        return [c for arg in typing.get_args(annotation) for c in choices_of(arg)]
    return []


ValueCheck = Callable[[str, Any], FieldError | None]


def no_nul(field: str, value: Any) -> FieldError | None:
    """PostgreSQL text cannot hold U+0000: said so for any text, wherever it is in the value."""
    if isinstance(value, str):
        return NUL.about(field) if "\x00" in value else None
    if isinstance(value, list):
        return next((found for item in value if (found := no_nul(field, item)) is not None), None)
    return None


DIRECTION_CONTROLS = r"\u202a-\u202e\u2066-\u2069"
"""The bidirectional embedding, override and isolate controls, as a regex character range: in a
name or title they can make it read as something else (a spoofed title), so names refuse them."""
_DIRECTION_CONTROL = re.compile(f"[{DIRECTION_CONTROLS}]")
NAMES = frozenset({"title_en", "title_cy", "name_en", "name_cy", "name", "organisation", "contact_name"})
DIRECTION = Sentence(
    "{En} must not contain characters that change the direction of text (U+202A to U+202E, U+2066 to U+2069)",
    "Ni all {cy} gynnwys nodau sy'n newid cyfeiriad testun (U+202A i U+202E, U+2066 i U+2069)",
)


def no_direction_controls(field: str, value: Any) -> FieldError | None:
    """A name or title with a direction control: said so (its pattern refuses it, see DIRECTION_CONTROLS)."""
    if field.rsplit(".", 1)[-1] in NAMES and isinstance(value, str) and _DIRECTION_CONTROL.search(value):
        return DIRECTION.about(field)
    return None


VALUE_CHECKS: list[ValueCheck] = [no_nul, no_direction_controls]
"""Run on each field's raw value before its type is checked; the first problem found is the field's."""


def problems(struct: type[msgspec.Struct], raw: Any, prefix: str = "") -> list[FieldError]:
    """Every problem of ``raw`` (a decoded JSON body) as ``struct``, in the order of its fields:
    missing fields, bad values, then fields it does not know. Empty when ``raw`` converts."""
    if not isinstance(raw, Mapping):
        return [NOT_AN_OBJECT.about(prefix or "body")]
    found: list[FieldError] = []
    known = set()
    for info in msgspec.structs.fields(struct):
        known.add(info.encode_name)
        field = _join(prefix, info.encode_name)
        if info.encode_name not in raw:
            if info.required:
                found.append(MISSING.about(field))
            continue
        value = raw[info.encode_name]
        checked = next((p for check in VALUE_CHECKS if (p := check(field, value)) is not None), None)
        found += [checked] if checked is not None else _problems_of(field, value, info.type)
    if struct.__struct_config__.forbid_unknown_fields:
        found += [UNKNOWN.about(_join(prefix, str(k)), name=_join(prefix, str(k))) for k in raw if k not in known]
    if not found:
        try:
            msgspec.convert(raw, struct, strict=False)
        except msgspec.ValidationError as exc:  # a rule across fields (``__post_init__``)
            found.append(explain(prefix or "body", str(exc)))
    return found


def body_struct(handler: Any) -> type[msgspec.Struct] | None:
    """The Struct a route handler takes as its body (its ``data``), if it takes one."""
    data = handler.parsed_fn_signature.parameters.get("data")
    body = data.annotation if data is not None else None
    return body if isinstance(body, type) and issubclass(body, msgspec.Struct) else None


def _problems_of(field: str, value: Any, annotation: Any) -> list[FieldError]:
    nested = _struct_in(annotation)
    if nested is not None and isinstance(value, Mapping):
        return problems(nested, value, field)
    try:
        msgspec.convert(value, annotation, strict=False)
    except msgspec.ValidationError as exc:
        items = _items_in(annotation)
        if _struct_in(items) is not None and isinstance(value, list) and " - at `$[" in str(exc):  # an item's fault
            return [e for i, item in enumerate(value) for e in _problems_of(f"{field}[{i}]", item, items)]
        return [explain(field, str(exc), annotation)]
    return []


def _items_in(annotation: Any) -> Any:
    """What a list field holds (``Annotated[list[X], ...] | UnsetType`` holds ``X``), if it is a list."""
    origin = typing.get_origin(annotation)
    if origin is list:
        return typing.get_args(annotation)[0]
    if origin is typing.Annotated:
        return _items_in(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return next((i for arg in typing.get_args(annotation) if (i := _items_in(arg)) is not None), None)
    return None


def _struct_in(annotation: Any) -> type[msgspec.Struct] | None:
    """The Struct a field holds (``NewEngagement | None`` holds ``NewEngagement``), if it holds one."""
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return next((s for arg in typing.get_args(annotation) if (s := _struct_in(arg)) is not None), None)
    return None
