"""Welsh-aware text normalisation for the search index.

PostgreSQL ships no Welsh text-search configuration (nor does any mainstream search engine ship a Welsh
analyser), so Welsh fields are indexed with the ``simple`` configuration over text normalised here:
store ``to_index_text(text)`` in a column indexed with ``to_tsvector('simple', ...)`` and search it with
``to_tsquery('simple', to_tsquery_text(query))``.

Two things stop a naive index from working for Welsh.

Diacritics
    The circumflex (to bach) and the other accents (ŵ, ŷ, â, ê, î, ô, û, ä, ë, ï, ö, ü, á, à ...) are
    often left out when people type. ``fold`` lowercases (``casefold``), decomposes with NFKD and drops
    the combining marks, so "Dŵr" and "dwr" meet. NFKD is NFD plus compatibility mappings: ligatures and
    full-width forms fold too. A handful of Latin letters that do not decompose (ø, ł, æ, œ, ð, þ, đ, ı)
    are transliterated; anything else that is not ``[a-z0-9]`` separates tokens, so every index term
    and every query term is plain ``[a-z0-9]+``.

Initial consonant mutations
    The first consonant of a Welsh word changes with its grammatical context:

    ============  ====================================================
    soft          p→b, t→d, c→g, b→f, d→dd, g→(dropped), m→f, ll→l, rh→r
    nasal         p→mh, t→nh, c→ngh, b→m, d→n, g→ng
    aspirate      p→ph, t→th, c→ch
    h-prothesis   a vowel-initial word gains h- (ei henw, ein hysgol)
    ============  ====================================================

    so "Caerdydd" appears as "i Gaerdydd", "yng Nghaerdydd" and "a Chaerdydd", and "gardd" as
    "yr ardd".

Why expansion to candidate radicals, not a single un-mutated form
    Un-mutating is ambiguous: an initial f may be a soft-mutated b or m, or a radical f; b may be a
    radical b or a soft-mutated p; a vowel-initial word may be radical or may have lost a g. Any
    function that picks *one* radical guesses, and a wrong guess silently loses matches. A single
    canonical "class key" (e.g. collapsing p/b/f/m/mh/ph) would be sound but would merge far too many
    unrelated words. Instead every token is *expanded*: ``candidates(word)`` is the folded word itself
    followed by each radical form it could be a mutation of. The radical of a word is always among the
    candidates of each of its mutations, and the word itself is always a candidate, so

    * indexing a mutated form also indexes its radical ("nghaerdydd" → nghaerdydd, caerdydd);
    * a query token becomes a group of alternatives (OR) — its candidates — and the groups are ANDed.

    A radical query therefore finds mutated documents (the document carries the radical), a mutated
    query finds radical documents (the query carries the radical), and two different mutations of the
    same word meet on the radical. The price is some extra recall ("ardd" is indexed as "gardd" too,
    "hardd" also as "ardd"); with no Welsh lexicon to hand, that is the right way round for search.

    Candidate radicals by initial, longest initial first ("ngh" before "ng" before "n"; the Welsh
    digraphs ch, dd, ff, ng, ll, ph, rh, th are single letters and are matched whole)::

        ngh→c  mh→p  nh→t  ng→g  ch→c  ph→p  th→t  dd→d
        b→p  d→t  g→c  f→b,m  l→ll,gl  r→rh,gr  m→b  n→d,gn
        h+vowel→vowel (h-prothesis)    vowel→g+vowel (soft mutation of g)
        ll, rh, ff and other initials: no candidates

    Vowels are a e i o u w y (w and y are vowels in Welsh: "wlad" ← "gwlad"). The g-prefix is also
    offered before l, r and n because g drops before them too ("las" ← "glas", "radd" ← "gradd").
    Only one mutation applies to a word, so expansion is not repeated.

Very short tokens
    Tokens of two characters or fewer (after folding) are not expanded: they are mostly particles and
    pronouns (a, ac, i, o, y, yr, ei, fy, dy, ym ...) whose "radicals" would be noise. The cost is that
    a two-letter mutated form does not meet its radical (e.g. "dy" for "ty" in "ei dŷ"); three-letter and
    longer forms ("nhy", "thy") do.

English text passes through the same functions harmlessly, but English fields should use PostgreSQL's
``english`` configuration instead.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "MIN_EXPAND_LENGTH",
    "STOPWORDS",
    "candidates",
    "fold",
    "highlight_terms",
    "index_terms",
    "keys",
    "mutations",
    "query_terms",
    "to_index_text",
    "to_tsquery_text",
    "tokenise",
]

MIN_EXPAND_LENGTH = 3
"""Folded tokens shorter than this are not expanded to candidate radicals."""

VOWELS = frozenset("aeiouwy")

# Letters that survive NFKD without decomposing, transliterated to ASCII.
_TRANSLITERATE = str.maketrans({"ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th", "đ": "d", "ı": "i"})

_TOKEN = re.compile(r"[a-z0-9]+")

# (initial, radical initials it may stand for), longest initial first so digraphs and "ngh" win.
# Initials with an empty tuple are letters that never result from a mutation: listing them stops a
# shorter rule matching their first character (e.g. "ll" must not be read as l → ll).
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ngh", ("c",)),
    ("mh", ("p",)),
    ("nh", ("t",)),
    ("ng", ("g",)),
    ("ch", ("c",)),
    ("ph", ("p",)),
    ("th", ("t",)),
    ("dd", ("d",)),
    ("ll", ()),
    ("rh", ()),
    ("ff", ()),
    ("b", ("p",)),
    ("d", ("t",)),
    ("g", ("c",)),
    ("f", ("b", "m")),
    ("l", ("ll", "gl")),
    ("r", ("rh", "gr")),
    ("m", ("b",)),
    ("n", ("d", "gn")),
)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(word: str) -> str:
    """Casefold ``word`` and strip its diacritics ("Dŵr" → "dwr", "TŶ" → "ty").

    This is the orthographic fold only: it does not un-mutate (see ``candidates`` for why). Characters
    other than letters are kept, so ``fold`` can be applied to whole texts. Idempotent.
    """
    current = word
    for _ in range(4):  # casefolding can expose new decompositions (and vice versa); settle quickly
        folded = _strip_marks(current).casefold().translate(_TRANSLITERATE)
        if folded == current:
            break
        current = folded
    return current


def tokenise(text: str) -> list[str]:
    """Fold ``text`` and split it into ``[a-z0-9]+`` tokens (digraphs such as "ll" stay intact)."""
    return _TOKEN.findall(fold(text))


def _radicals(token: str) -> list[str]:
    """Candidate radical forms of an already folded token, excluding the token itself."""
    if len(token) < MIN_EXPAND_LENGTH:
        return []
    first = token[0]
    if first in VOWELS:
        return ["g" + token]
    if first == "h":
        return [token[1:]] if token[1] in VOWELS else []
    for initial, radicals in _RULES:
        if token.startswith(initial):
            rest = token[len(initial) :]
            return [radical + rest for radical in radicals]
    return []


def candidates(word: str) -> list[str]:
    """The folded ``word`` followed by every radical form it could be a mutation of, without duplicates.

    >>> candidates("Nghaerdydd")
    ['nghaerdydd', 'caerdydd']
    >>> candidates("Fangor")
    ['fangor', 'bangor', 'mangor']
    """
    folded = fold(word)
    return list(dict.fromkeys([folded, *_radicals(folded)]))


def keys(word: str) -> set[str]:
    """``candidates(word)`` as a set: a radical and all of its mutations share at least the radical."""
    return set(candidates(word))


def index_terms(text: str) -> list[str]:
    """Index lexemes for ``text``: for each token, the token then its candidate radicals."""
    return [term for token in tokenise(text) for term in candidates(token)]


def to_index_text(text: str) -> str:
    """Space-separated ``index_terms(text)``, for a column indexed with ``to_tsvector('simple', ...)``.

    Duplicate terms are kept (``to_tsvector`` records positions; duplicates are harmless).
    """
    return " ".join(index_terms(text))


# Welsh function words that cause the mutations but carry no meaning of their own in a query:
# "yng Nghaerdydd" should need "Caerdydd", not also the word "yng".
STOPWORDS = frozenset(
    {
        "a",
        "ac",
        "am",
        "ar",
        "at",
        "dy",
        "ei",
        "eich",
        "ein",
        "eu",
        "fy",
        "gan",
        "gyda",
        "i",
        "mewn",
        "o",
        "r",
        "y",
        "yn",
        "yng",
        "ym",
        "yr",
    }
)


def query_terms(text: str) -> list[list[str]]:
    """One group of alternatives per query token: OR within a group, AND across groups.

    Welsh function words (``STOPWORDS``) are left out, unless the query is nothing else.
    """
    tokens = tokenise(text)
    meaningful = [token for token in tokens if token not in STOPWORDS] or tokens
    return [candidates(token) for token in meaningful]


def to_tsquery_text(text: str) -> str:
    """A ``to_tsquery('simple', ...)`` string for ``text``, e.g. ``(nghaerdydd | caerdydd) & ysgol``.

    It only ever contains ``[a-z0-9 &|()]``: every term is a ``[a-z0-9]+`` token, so nothing needs
    quoting. Empty (or all-punctuation) input gives ``""``; callers should treat that as "no search".
    """
    groups = []
    for group in query_terms(text):
        groups.append(group[0] if len(group) == 1 else "(" + " | ".join(group) + ")")
    return " & ".join(groups)


# Radical initial -> the forms it takes under soft, nasal and aspirate mutation.
_MUTATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ll", ("l",)), ("rh", ("r",)), ("p", ("b", "mh", "ph")), ("t", ("d", "nh", "th")),
    ("c", ("g", "ngh", "ch")), ("b", ("f", "m")), ("d", ("dd", "n")), ("g", ("", "ng")), ("m", ("f",)),
)  # fmt: skip


def mutations(word: str) -> list[str]:
    """The folded word and every mutated form of it (the reverse of ``candidates``): for highlighting
    the words of a text that a query matched, since the text shows them mutated."""
    folded = fold(word)
    if len(folded) < MIN_EXPAND_LENGTH:
        return [folded]
    forms = [folded]
    if folded[0] in VOWELS:
        forms.append("h" + folded)
    for initial, mutated in _MUTATIONS:
        if folded.startswith(initial):
            rest = folded[len(initial) :]
            forms.extend(m + rest for m in mutated if m + rest)
            break
    return forms


def highlight_terms(text: str) -> list[str]:
    """Every surface form in a text that a query for ``text`` matches: each query token's candidate
    radicals and all their mutations."""
    terms: list[str] = []
    for group in query_terms(text):
        for radical in group:
            terms.extend(form for form in mutations(radical) if form not in terms)
    return terms
