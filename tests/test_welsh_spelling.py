"""Welsh spelling: every word of the Welsh catalogues and Welsh email templates is in Hunspell's
Welsh dictionary (Bangor University's hunspell-cy, as the search service's lexicon holds it),
as written or as a mutation of a dictionary word, or is one of a few product words below."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from services.search.lexicon import lexicon, words
from services.search.welsh import candidate_radicals

ROOT = Path(__file__).parent.parent
CATALOGUES = [ROOT / "web/translations/cy/LC_MESSAGES/messages.po",
              ROOT / "shared/translations/cy/LC_MESSAGES/vocabulary.po"]  # fmt: skip
EMAILS = sorted((ROOT / "services/notifier/templates/email").glob("*/cy.*"))

ALLOWED = {
    # names, acronyms and formats
    "cdps", "api", "wcag", "aa", "ehrc", "eass", "csv", "xlsx", "excel", "javascript", "markdown", "html", "url", "ok",
    "rag",
    "http", "https", "ms", "webhook", "webhooks", "signature", "portfolio",  # Standard Webhooks, its header, a type
    # real Welsh words the dictionary lacks
    "mewngofnodwch", "arhoswch", "cadarnhewch", "traciwr", "seiberddiogelwch",
    "trafodiad",  # "cost fesul trafodiad", cost per transaction
    "cydlynus",  # the Well-being of Future Generations Act's own word: "Cymru o gymunedau cydlynus"
    # what is left of a word once an apostrophe or a mutation has shortened it: i'ch, y we (gwe), yn lle
    "ch", "we", "le",
}  # fmt: skip
_NOT_WORDS = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|\{%.*?%\}|\{\w+\}|<[^>]+>|https?://\S+|\S+@\S+|&\w+;")


def unknown_words(text: str) -> set[str]:
    """The words of a Welsh ``text`` that are neither dictionary words nor mutations of one."""
    found = lexicon()
    unknown = set()
    for word in words(_NOT_WORDS.sub(" ", text)):
        for part in re.split(r"['’-]", word.lower()):
            if len(part) < 2 or part.isdigit() or part in ALLOWED or found.is_known(part):
                continue
            if not any(found.is_known(radical) for radical in candidate_radicals(part)):
                unknown.add(part)
    return unknown


def welsh_texts() -> dict[str, str]:
    texts = {}
    for path in CATALOGUES:
        with path.open("rb") as po:
            for message in read_po(po, locale="cy"):
                if message.id and message.string:
                    strings = [message.string] if isinstance(message.string, str) else list(message.string)
                    texts[f"{path.name}: {message.id}"] = " ".join(strings)
    for path in EMAILS:
        texts[f"{path.parent.name}/{path.name}"] = path.read_text(encoding="utf-8").removeprefix("Subject:")
    return texts


def test_every_welsh_word_the_product_writes_is_spelt_as_the_dictionary_spells_it() -> None:
    misspelt = {where: sorted(bad) for where, text in welsh_texts().items() if (bad := unknown_words(text))}
    assert not misspelt, f"not in the Welsh dictionary (fix, or add a product word to ALLOWED): {misspelt}"


def test_a_misspelt_word_is_found_and_a_mutated_one_is_not() -> None:
    assert unknown_words("Rhowch eich cyfeiriad e-bsot") == {"bsot"}
    assert unknown_words("O Ddarganfod i Fyw, yng Nghaerdydd a Chymru") == set()
