"""Welsh and English: the request's language, and gettext catalogues (Babel) for the templates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine

LANGUAGES = ("cy", "en")
HERE = Path(__file__).parent
TRANSLATIONS = HERE / "translations"


def language_of(request: Request[Any, Any, Any]) -> str:
    """?lang= wins, then the cookie, then the browser's preference, then Welsh."""
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "cy"


_catalogues: dict[str, NullTranslations] = {lang: Translations.load(str(TRANSLATIONS), [lang]) for lang in LANGUAGES}


def gettext_functions(lang: str) -> dict[str, Callable[..., str]]:
    """``_`` and ``ngettext`` for one language; keyword arguments fill %(name)s placeholders."""
    catalogue = _catalogues[lang]

    def gettext(message: str, **values: Any) -> str:
        text = catalogue.gettext(message)
        return text % values if values else text

    def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
        return catalogue.ngettext(singular, plural, num) % {"num": num, **values}

    return {"_": gettext, "ngettext": ngettext}


def template_engine() -> JinjaTemplateEngine:
    # autoescape must be set explicitly: an Environment made by hand has it off.
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    return JinjaTemplateEngine.from_environment(env)
