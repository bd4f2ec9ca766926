"""Derive the search's Welsh word list and regular plurals from Hunspell's Welsh dictionary.

    npm pack dictionary-cy@2.0.0 && tar xzf dictionary-cy-2.0.0.tgz
    python -m services.search.lexicon.build package/

``dictionary-cy`` is the npm packaging of Bangor University's ``hunspell-cy`` (techiaith), the
dictionary LibreOffice and Firefox use for Welsh; Debian bookworm does not package it. Its ``.dic``
lists radical (unmutated) stems; its ``.aff`` adds the mutations as prefixes (flags M, T, L, H),
the regular plurals as suffixes (B -au, C -ion, D -iau, E -oedd, F -nau, G -iaid, I -on, J -s,
K -od) and verb endings as further suffixes. What the index needs is written here:

* every unmutated form (stems and their suffixed forms, no prefix applied), in lower case: "is this
  a real Welsh word?" — as ``folded.txt.gz`` (without diacritics, sorted), ``marked.txt.gz`` (the
  forms written with diacritics) and ``distinct.txt.gz`` (folded spellings of two or more words,
  tan/tân), worked out here so that a service does not fold 232,000 words as it starts;
* ``plurals.txt.gz``: ``plural singular`` for every regular plural the suffix flags produce.

Both are derived works of the dictionary and keep its licence (LGPL-3.0, see LICENCE.md).
"""

from __future__ import annotations

import gzip
import re
import sys
import unicodedata
from pathlib import Path

from services.search.lexicon import TOKEN, fold

HERE = Path(__file__).parent
PREFIX_FLAGS = frozenset("MTLH")
"""Mutations: the word list keeps radicals only (the analyser works out mutated forms)."""
APOSTROPHE_FLAG = "S"
"""Forms with an attached pronoun ('r, 'n ...): the tokeniser splits them off anyway."""
NEEDAFFIX = "X"
PLURAL_FLAGS = frozenset("BCDEFGIJK")

Rule = tuple[str, str, str, re.Pattern[str]]


def suffix_rules(aff: str) -> dict[str, list[Rule]]:
    """flag -> [(strip, add, continuation flags, condition)] for every SFX class."""
    rules: dict[str, list[Rule]] = {}
    lines = aff.splitlines()
    for number, line in enumerate(lines):
        head = line.split()
        if len(head) == 4 and head[0] == "SFX" and head[2] in "YN" and head[3].isdigit():
            entries = []
            for body in lines[number + 1 : number + 1 + int(head[3])]:
                _, _, strip, add, *condition = body.split()
                add, _, continuation = add.partition("/")
                entries.append((
                    "" if strip == "0" else strip, "" if add == "0" else add, continuation,
                    re.compile((condition[0] if condition else ".") + "$"),
                ))  # fmt: skip
            rules[head[1]] = entries
    return rules


def apply(word: str, flag: str, rules: dict[str, list[Rule]]) -> list[tuple[str, str]]:
    return [
        (word[: len(word) - len(strip)] + add, continuation)
        for strip, add, continuation, condition in rules.get(flag, [])
        if condition.search(word) and word.endswith(strip)
    ]


def lower(word: str) -> str:
    return unicodedata.normalize("NFC", word.lower())


def derive(aff: str, dic: str) -> tuple[set[str], dict[str, set[str]]]:
    rules = suffix_rules(aff)
    words: set[str] = set()
    plurals: dict[str, set[str]] = {}
    for entry in dic.splitlines()[1:]:
        stem, _, flags = entry.partition("/")
        if not stem:
            continue
        if NEEDAFFIX not in flags:
            words.add(lower(stem))
        for flag in flags:
            if flag in PREFIX_FLAGS or flag == APOSTROPHE_FLAG:
                continue
            for form, continuation in apply(stem, flag, rules):
                if NEEDAFFIX not in continuation:
                    words.add(lower(form))
                if flag in PLURAL_FLAGS:
                    plurals.setdefault(lower(form), set()).add(lower(stem))
                for second in continuation:
                    if second not in PREFIX_FLAGS and second not in (APOSTROPHE_FLAG, NEEDAFFIX):
                        words.update(lower(f) for f, _ in apply(form, second, rules))
    return words, plurals


def main(folder: str) -> None:
    source = Path(folder)
    words, plurals = derive((source / "index.aff").read_text("utf-8"), (source / "index.dic").read_text("utf-8"))
    # Only single words: the analyser splits text at hyphens, apostrophes and spaces.
    words = {word for word in words if TOKEN.fullmatch(word)}
    pairs = sorted(f"{plural} {singular}" for plural, singulars in plurals.items() for singular in singulars
                   if TOKEN.fullmatch(plural) and TOKEN.fullmatch(singular))  # fmt: skip
    spellings: dict[str, set[str]] = {}
    for word in words:
        spellings.setdefault(fold(word), set()).add(word)
    files = {
        "folded.txt.gz": sorted(spellings), "marked.txt.gz": sorted(w for w in words if fold(w) != w),
        "distinct.txt.gz": sorted(key for key, forms in spellings.items() if len(forms) > 1), "plurals.txt.gz": pairs,
    }  # fmt: skip
    for name, lines in files.items():
        # mtime=0: the same dictionary always gives the same bytes.
        with gzip.GzipFile(HERE / name, "wb", mtime=0) as out:
            out.write(("\n".join(lines) + "\n").encode())
    print(f"{len(words):,} words, {len(pairs):,} plurals")


if __name__ == "__main__":
    main(sys.argv[1])
