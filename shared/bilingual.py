"""Text people write, in English, in Welsh or in both: one type for every free-text field.

A reason, an update, a summary, a note is a :class:`Bilingual`: an English value and a Welsh value,
either of which may be empty. The language of each value is known because each has its own slot;
nothing is ever kept in "whatever language it was typed in". How the pattern is carried:

- **In events and API replies** the field is one object ``{"en": "...", "cy": "..."}``
  (``reason: Bilingual``). Where a field that used to be one string became this object, its
  event type's version went up and :func:`read` is what the upcaster (``shared/events.py``) uses
  to read the old string forward: its language is told by ``shared.language`` from its text.
- **In SQL** the field is two columns, ``<field>_en`` and ``<field>_cy``, both
  ``text NOT NULL DEFAULT ''`` (:func:`columns` names them, :func:`from_row` reads them back), so
  a query can find what lacks a language (``(x_en = '') <> (x_cy = '')``) without unpacking JSON.
- **In API requests** the field takes either that object (the languages stated) or a plain string
  whose language is left unspecified: :func:`given` tells it from the text (``shared.language``), and
  staff correct it later by moving it to the other language. :class:`ShortIn` and :class:`LongIn`
  are the objects with a length limit; ``ShortText``/``LongText`` are the unions a body declares.
- **On pages, in emails, feeds and weeknotes** a reader gets their language when it exists,
  otherwise the other one with a visible "English only"/"Welsh only" note and its true ``lang``
  (:func:`shown`); where both are shown, Welsh comes first (:func:`welsh_first`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, NamedTuple, Protocol

import msgspec

Lang = Literal["cy", "en"]
LANGS: tuple[Lang, Lang] = ("cy", "en")
"""Welsh first: the order in which both languages are shown."""

NO_NUL = r"^[^\x00]*$"
"""PostgreSQL text cannot hold U+0000."""


def other(lang: Lang) -> Lang:
    return "en" if lang == "cy" else "cy"


class Bilingual(msgspec.Struct, frozen=True, kw_only=True):
    """A text people wrote: its English and its Welsh ('' where not written in that language)."""

    en: str = ""
    cy: str = ""

    def get(self, lang: Lang) -> str:
        return self.cy if lang == "cy" else self.en

    def has(self, lang: Lang) -> bool:
        return bool(self.get(lang).strip())

    @property
    def blank(self) -> bool:
        """Written in neither language."""
        return not (self.has("en") or self.has("cy"))

    @property
    def languages(self) -> tuple[Lang, ...]:
        """The languages it is written in, Welsh first."""
        return tuple(lang for lang in LANGS if self.has(lang))

    @property
    def missing(self) -> Lang | None:
        """The language it still lacks, when it is written in the other one only (for translators)."""
        written = self.languages
        return other(written[0]) if len(written) == 1 else None

    def stripped(self) -> Bilingual:
        return Bilingual(en=self.en.strip(), cy=self.cy.strip())

    def with_text(self, lang: Lang, text: str) -> Bilingual:
        """The same text with ``lang``'s value replaced (a translation filled in)."""
        return Bilingual(en=text, cy=self.cy) if lang == "en" else Bilingual(en=self.en, cy=text)


EMPTY = Bilingual()


def written(text: str, lang: Lang | None = None) -> Bilingual:
    """``text`` as written in ``lang``; when the language is not said, in the one it is told to be in."""
    text = text.strip()
    if not text:
        return EMPTY
    if lang is None:
        from shared import language  # the model is loaded only where a language must be told

        lang = language.detect(text)
    return Bilingual(en=text) if lang == "en" else Bilingual(cy=text)


def read(value: Any) -> Bilingual:
    """A stored or received value as :class:`Bilingual`: the object itself, a mapping with ``en``/``cy``,
    or one string from before the field was bilingual (its language told from its text)."""
    if isinstance(value, Bilingual):
        return value
    if isinstance(value, Mapping):
        return Bilingual(en=str(value.get("en") or ""), cy=str(value.get("cy") or ""))
    if isinstance(value, str):
        return written(value)
    return EMPTY


def upcast(value: Any) -> dict[str, str]:
    """For an upcaster: the field's value in its current shape, as event data holds it."""
    text = read(value)
    return {"en": text.en, "cy": text.cy}


# Requests ----------------------------------------------------------------------------------------

Short = Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)]
Long = Annotated[str, msgspec.Meta(max_length=10000, pattern=NO_NUL)]


class ShortIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A short text (a reason) as a request states it, in English, Welsh or both."""

    en: Short = ""
    cy: Short = ""


class LongIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A longer text (a note, a need) as a request states it, in English, Welsh or both."""

    en: Long = ""
    cy: Long = ""


ShortText = ShortIn | Short
"""A short text in a request body: ``{"en": ..., "cy": ...}``, or one string whose language is told from it."""
LongText = LongIn | Long


def given(value: ShortIn | LongIn | str, lang: Lang | None = None) -> Bilingual:
    """What a request sent, as :class:`Bilingual` (stripped): a string is in ``lang``, or in the
    language it is told to be in when the request does not say."""
    if isinstance(value, str):
        return written(value, lang)
    return Bilingual(en=value.en.strip(), cy=value.cy.strip())


# SQL ---------------------------------------------------------------------------------------------


def columns(field: str) -> tuple[str, str]:
    """The two columns that hold ``field``: ``field_en``, ``field_cy``."""
    return f"{field}_en", f"{field}_cy"


class Row(Protocol):
    """A row as asyncpg returns it (or any mapping)."""

    def __getitem__(self, key: str, /) -> Any: ...


def from_row(row: Row, field: str) -> Bilingual:
    """``field`` of a row that holds it in ``field_en`` and ``field_cy``."""
    return Bilingual(en=row[f"{field}_en"] or "", cy=row[f"{field}_cy"] or "")


# Reading -----------------------------------------------------------------------------------------


class Shown(NamedTuple):
    """What a reader is shown of a text: the text, the language it is in, and whether that is the
    other language only (so it carries a note saying so)."""

    text: str
    lang: Lang
    only: bool


ONLY_IN: dict[Lang, dict[Lang, str]] = {
    "cy": {"en": "Yn Saesneg yn unig", "cy": ""},
    "en": {"cy": "Written in Welsh only", "en": ""},
}
"""The note beside text shown in the other language, by the reader's language, then the text's.
(The web's catalogue has the same words for its pages: "Written in English only".)"""


def shown(value: Bilingual, reader: Lang) -> Shown:
    """The reader's language when it is written in it, otherwise the other one, marked as the only one."""
    if value.has(reader) or not value.has(other(reader)):
        return Shown(value.get(reader).strip(), reader, False)
    return Shown(value.get(other(reader)).strip(), other(reader), True)


def note(value: Bilingual, reader: Lang) -> str:
    """The "only in" note for the reader, '' when none is needed."""
    seen = shown(value, reader)
    return ONLY_IN[reader][seen.lang] if seen.only else ""


def welsh_first(value: Bilingual) -> list[tuple[Lang, str]]:
    """Both languages for a reader of both, Welsh first; those not written are left out."""
    return [(lang, value.get(lang).strip()) for lang in value.languages]
