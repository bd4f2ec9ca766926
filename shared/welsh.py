"""Welsh initial consonant mutations, applied: the forms generated Welsh sentences need.

A Welsh word's first consonant changes with the word before it ("o Ddarganfod i Fyw", "yng
Nghaerdydd", "a Chaerdydd"). The search service undoes mutations to match a query
(services/search/welsh.py); this module does the opposite, for the sentences the product writes
around a phase, a health or a place name.

    ============  ====================================================  ==========================
    soft          p→b, t→d, c→g, b→f, d→dd, g→(dropped), m→f, ll→l, rh→r  o, i, ar, dan, am, heb,
                                                                        trwy, drwy, wrth, hyd, dros,
                                                                        at, gan; predicative yn
                                                                        (but not ll, rh)
    nasal         p→mh, t→nh, c→ngh, b→m, d→n, g→ng                      yn "in" (yn→ym, yng)
    aspirate      p→ph, t→th, c→ch; a vowel gains h- after ei "her"      a, â, gyda, tua, ei "her"
    ============  ====================================================  ==========================

Before a vowel, a → ac, â → ag, gyda → gydag, tua → tuag. Acronyms (GIG, CDPS) and words that
start with a letter no mutation touches are left as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

Mutation = Literal["soft", "nasal", "aspirate"]

# Radical initial -> mutated initial; digraphs first, since "ll" and "rh" are letters of their own
# (and "ff", "ph", "th", "ch", "dd", "ng" never mutate: listed so their first letter is not read alone).
_TABLE: dict[Mutation, tuple[tuple[str, str], ...]] = {
    "soft": (("ll", "l"), ("rh", "r"), ("ff", "ff"), ("ph", "ph"), ("th", "th"), ("ch", "ch"), ("dd", "dd"),
             ("ng", "ng"), ("p", "b"), ("t", "d"), ("c", "g"), ("b", "f"), ("d", "dd"), ("g", ""), ("m", "f")),
    "nasal": (("ll", "ll"), ("rh", "rh"), ("ff", "ff"), ("ph", "ph"), ("th", "th"), ("ch", "ch"), ("dd", "dd"),
              ("ng", "ng"), ("p", "mh"), ("t", "nh"), ("c", "ngh"), ("b", "m"), ("d", "n"), ("g", "ng")),
    "aspirate": (("ph", "ph"), ("th", "th"), ("ch", "ch"), ("p", "ph"), ("t", "th"), ("c", "ch")),
}  # fmt: skip

TRIGGERS: dict[str, Mutation] = {
    **dict.fromkeys(("o", "i", "ar", "dan", "am", "heb", "trwy", "drwy", "wrth", "hyd", "dros", "at", "gan"), "soft"),
    "yn": "nasal",
    **dict.fromkeys(("a", "â", "gyda", "tua", "ei"), "aspirate"),
}
"""The words that cause a mutation of the word after them. "yn" here is the preposition "in" (for
the predicative "yn", "mae'n wyrdd", see ``predicative``); "ei" is "her" (after "ei" "his" the soft
mutation follows)."""

_BEFORE_VOWEL = {"a": "ac", "â": "ag", "gyda": "gydag", "tua": "tuag"}
VOWELS = frozenset("aeiouyâêîôûŵŷáéíóúýàèìòùỳäëïöüÿ")
"""The vowels a word may start with; "w" is left out, since at the start of a word it is almost
always a consonant ("a Wrecsam", "ei wyneb")."""


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _recase(mutated: str, original: str) -> str:
    """``mutated`` with the capital ``original`` had at its start, if it had one."""
    return mutated[:1].upper() + mutated[1:] if original[:1].isupper() else mutated


def mutate(phrase: str, mutation: Mutation) -> str:
    """``phrase`` with its first word's initial mutated ("Darganfod", soft → "Ddarganfod")."""
    if not phrase or _is_acronym(phrase.split(" ", 1)[0]):
        return phrase
    lower = phrase.lower()
    for radical, mutated in _TABLE[mutation]:
        if lower.startswith(radical):
            rest = phrase[len(radical) :]
            if not rest[:1].isalpha():
                return phrase  # a letter on its own ("C", "T-shirt"...) is a symbol, not a word
            return _recase(mutated + rest, phrase)
    return phrase


def _starts_with_vowel(phrase: str) -> bool:
    return phrase[:1].lower() in VOWELS


def after(word: str, phrase: str) -> str:
    """``word`` followed by ``phrase`` as Welsh grammar joins them: "o" + "Darganfod" → "o Ddarganfod",
    "yn" + "Caerdydd" → "yng Nghaerdydd", "a" + "Abertawe" → "ac Abertawe". ``word`` keeps its
    capital ("O Ddarganfod"); a word that causes no mutation is joined as it is."""
    key = word.lower()
    mutation = TRIGGERS.get(key)
    if mutation is None or not phrase:
        return f"{word} {phrase}".rstrip()
    if _starts_with_vowel(phrase):
        if key == "ei":
            return f"{word} h{phrase}" if phrase[:1].islower() else f"{word} H{phrase[:1].lower()}{phrase[1:]}"
        joined = _BEFORE_VOWEL.get(key, key)
        return f"{_recase(joined, word)} {phrase}"
    mutated = mutate(phrase, mutation)
    if key == "yn":  # "yn" takes the nasal's sound too: yng Nghaerdydd, ym Mangor, ym Machynlleth
        lower = mutated.lower()
        joined = "yng" if lower.startswith("ng") else "ym" if lower.startswith("m") else "yn"
        return f"{_recase(joined, word)} {mutated}"
    return f"{word} {mutated}"


def predicative(phrase: str) -> str:
    """The predicative "yn" before an adjective or a noun: soft mutation, but ll and rh stay
    ("yn wyrdd", "yn goch", "yn llwyddiant")."""
    if phrase[:2].lower() in ("ll", "rh"):
        return f"yn {phrase}"
    return f"yn {mutate(phrase, 'soft')}"


class Name(str):
    """A Welsh word or name that takes the mutation of the word before it in a sentence (``fill``):
    a phase, a health, a place. Other values (numbers, addresses, people's text) never do."""


_PLACEHOLDER = re.compile(r"(?:(?<![\w'’])([^\W\d_]+) )?%\((\w+)\)s")


def fill(template: str, values: Mapping[str, object]) -> str:
    """``template % values`` for a Welsh template, where each ``Name`` value takes the mutation the
    word before its placeholder causes: "O %(old)s i %(new)s" with Darganfod, Byw → "O Ddarganfod i
    Fyw". "yn" before a placeholder is left alone: it may be "in" or the predicative "yn", so a
    sentence that needs it is written with ``after`` or ``predicative``."""

    joined: dict[str, object] = dict(values)

    def one(match: re.Match[str]) -> str:
        word, key = match.group(1), match.group(2)
        value = values.get(key)
        if word is None or not isinstance(value, Name) or word.lower() == "yn":
            return match.group(0)
        slot = f"{key}\0{match.start()}"  # a name no template can use: the word and its value, joined
        joined[slot] = after(word, value)
        return f"%({slot})s"

    return _PLACEHOLDER.sub(one, template) % joined
