"""Welsh spelling: every word of the Welsh catalogues, the Welsh email templates, the Welsh of the
notifier's pages and the Welsh in Python strings (error messages, field names, generated weeknote
sentences, the standards) is in Hunspell's Welsh dictionary (Bangor University's hunspell-cy, as the
search service's lexicon holds it), as written or as a mutation of a dictionary word, or is one of a
few product words below."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

from services.search.lexicon import lexicon, words
from services.search.welsh import candidate_radicals

ROOT = Path(__file__).parent.parent
CATALOGUES = [ROOT / "web/translations/cy/LC_MESSAGES/messages.po",
              ROOT / "shared/translations/cy/LC_MESSAGES/vocabulary.po"]  # fmt: skip
EMAILS = sorted((ROOT / "services/notifier/templates/email").glob("*/cy.*"))
PAGES = sorted((ROOT / "services/notifier/templates/pages").glob("*.html"))
"""The pages links in emails open: one template for both languages, ``cy("Welsh", "English")``."""
PYTHON = sorted(path for folder in ("services", "shared", "web", "cdps") for path in (ROOT / folder).rglob("*.py"))

ALLOWED = {
    # names, acronyms and formats
    "cdps", "api", "wcag", "aa", "ehrc", "eass", "csv", "xlsx", "excel", "javascript", "markdown", "html", "url", "ok",
    "rag",
    "http", "https", "ms", "webhook", "webhooks", "signature", "portfolio",  # Standard Webhooks, its header, a type
    # real Welsh words the dictionary lacks
    "mewngofnodwch", "arhoswch", "cadarnhewch", "traciwr", "seiberddiogelwch", "gellir", "ailagorwch",
    "trafodiadau", "cliriach", "cydgysylltiedig", "rhyddhewch", "caniateir", "cyrhaeddodd",
    "trafodiad",  # "cost fesul trafodiad", cost per transaction
    "cydlynus",  # the Well-being of Future Generations Act's own word: "Cymru o gymunedau cydlynus"
    # technical words a Welsh sentence names as they are
    "utf", "json", "ascii", "uuid", "etag", "iso", "slug", "true", "false", "mmmm",
    # what is left of a word once an apostrophe or a mutation has shortened it: i'ch, y we (gwe), yn lle
    "ch", "we", "le",
}  # fmt: skip
_NOT_WORDS = re.compile(
    r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|\{%.*?%\}|\{\w+\}|<[^>]+>|https?://\S+|\S+@\S+|&\w+;"
    r"|\b[A-Z][a-z]+(?:-[A-Z][a-z]+)+\b|\S*\d\S*"  # header names (If-Match), codes and dates (U+202A, 2026-W13)
    r"|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?:=\S*)?"  # an installation setting and its value (CDPS_SMTP_RATE=5)
)


def unknown_words(text: str) -> set[str]:
    """The words of a Welsh ``text`` that are neither dictionary words nor mutations of one."""
    found = lexicon()
    unknown = set()
    for word in words(_NOT_WORDS.sub(" ", text)):
        for part in re.split(r"['’-]", word.lower()):
            if len(part) < 2 or part.isdigit() or part in ALLOWED or found.is_known(part):
                continue
            if not any(found.is_known(radical) or radical in ALLOWED for radical in candidate_radicals(part)):
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
    for path in PAGES:
        for n, welsh in enumerate(page_welsh(path.read_text(encoding="utf-8"))):
            texts[f"pages/{path.name} #{n}"] = welsh
    for path in PYTHON:
        for n, text in enumerate(python_welsh(path.read_text(encoding="utf-8"))):
            texts[f"{path.relative_to(ROOT)} #{n}"] = text
    return texts


_LITERAL = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)')\s*(~\s*[\w.]+\s*~)?""")


def page_welsh(template: str) -> list[str]:
    """The Welsh of ``cy("Welsh", "English")`` calls: the first argument's literals, joined where a
    placeholder stands between them (``"… am " ~ target_cy ~ ", "``)."""
    found = []
    for call in re.finditer(r"\bcy\(", template):
        parts, at = [], call.end()
        while (literal := _LITERAL.match(template, at)) is not None:
            parts.append(literal[1] if literal[1] is not None else literal[2])
            at = literal.end()
            if literal[3] is None:
                break
        found.append(" ".join(parts))
    return found


def _strings(node: ast.AST) -> list[str]:
    """A string constant's text; an f-string's literal parts (its placeholders left out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [" ".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))]
    return []


def _welsh_name(name: object) -> bool:
    return isinstance(name, str) and (name == "cy" or name.endswith("_cy"))


def python_welsh(source: str) -> list[str]:
    """The Welsh in a module's strings: values given as Welsh (``message_cy=…``, ``{"cy": …}``), and any
    other string of three words or more that the product's own language detection reads as Welsh."""
    from shared.language import detect

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and _welsh_name(node.arg):
            named = _strings(node.value)
        elif isinstance(node, ast.Dict):
            named = [t for k, v in zip(node.keys, node.values, strict=True)
                     if isinstance(k, ast.Constant) and _welsh_name(k.value) for t in _strings(v)]  # fmt: skip
        else:
            named = []
        found += [text for text in named if len(text.split()) < 3 or detect(text) != "en"]
        if not named:
            found += [text for text in _strings(node) if len(text.split()) >= 3 and text.isprintable()
                      and not any("\ud800" <= c <= "\udfff" for c in text) and detect(text) == "cy"]  # fmt: skip
    return found


def test_every_welsh_word_the_product_writes_is_spelt_as_the_dictionary_spells_it() -> None:
    misspelt = {where: sorted(bad) for where, text in welsh_texts().items() if (bad := unknown_words(text))}
    assert not misspelt, f"not in the Welsh dictionary (fix, or add a product word to ALLOWED): {misspelt}"


def test_the_welsh_of_python_strings_and_notifier_pages_is_found() -> None:
    source = """
ERROR = FieldError("slug", "This slug is taken", "Mae'r slug hwn yn cael ei ddefnyddio eisoes")
LABEL = Label(en="the title", cy="y teitl")
WORDS = {"en": "Stopped", "cy": "Ataliwyd"}
ENGLISH = "The supplier is two weeks late with the contract."
"""
    assert set(python_welsh(source)) == {"y teitl", "Ataliwyd", "Mae'r slug hwn yn cael ei ddefnyddio eisoes"}
    texts = welsh_texts()
    assert any(where.startswith("pages/_page.html") and "Neidio i'r prif gynnwys" in t for where, t in texts.items())
    assert any(where.startswith("services/portfolio/phases.py") for where in texts)
    assert unknown_words("Dim ond drafft y gellir ei gyflwyno, ni ellir ei newid") == set()


def test_a_misspelt_word_is_found_and_a_mutated_one_is_not() -> None:
    assert unknown_words("Rhowch eich cyfeiriad e-bsot") == {"bsot"}
    assert unknown_words("O Ddarganfod i Fyw, yng Nghaerdydd a Chymru") == set()
    # An installation setting named in a Welsh message is a name, not English in the Welsh.
    assert unknown_words("gyda CDPS_WEBHOOKS_ALLOW_PRIVATE=true, wrth ddatblygu") == set()
    assert unknown_words("gyda private") == {"private"}
