"""Welsh and English: the request's language, gettext catalogues (Babel), and the template helpers
that put records' Welsh or English text on a page, marking the language when it differs.

The web's catalogue (web/translations) holds its interface wording; the names of the portfolio's
codes (phases, health, challenge areas...) come from the vocabulary every service shares
(shared/vocabulary.py), which the web's catalogue falls back to."""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup, escape

from shared import bilingual, language, vocabulary, welsh

LANGUAGES = ("cy", "en")
LONDON = ZoneInfo("Europe/London")
HERE = Path(__file__).parent
TRANSLATIONS = HERE / "translations"
STATIC = HERE / "static"


def language_of(request: Request[Any, Any, Any]) -> str:
    """?lang= wins, then the cookie, then the browser's preference, then Welsh."""
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "cy"


def _catalogue(lang: vocabulary.Lang) -> NullTranslations:
    catalogue = Translations.load(str(TRANSLATIONS), [lang])
    catalogue.add_fallback(vocabulary.translations(lang))
    return catalogue


_catalogues: dict[str, NullTranslations] = {lang: _catalogue(lang) for lang in ("cy", "en")}
N_ = vocabulary.N_


def _escaped(value: Any) -> Any:
    """``value`` escaped for HTML; a Welsh name stays one, to take its mutation."""
    return welsh.Name(escape(value)) if isinstance(value, welsh.Name) else escape(value)


def gettext_functions(lang: str) -> dict[str, Callable[..., str]]:
    """``_`` and ``ngettext`` for one language; keyword arguments fill %(name)s placeholders (a
    ``welsh.Name`` value in Welsh takes the mutation the word before it causes: "o Ddarganfod")."""
    catalogue = _catalogues[lang]

    fill = welsh.fill if lang == "cy" else operator.mod  # Welsh names take the mutation of the word before

    def gettext(message: str, **values: Any) -> str:
        text = catalogue.gettext(message)
        if any(isinstance(value, Markup) for value in values.values()):
            # A value already marked up (text with its language marked: ``written``) stays so, the
            # others are escaped, and the sentence is markup: the page must not escape it again.
            safe = {key: value if isinstance(value, Markup) else _escaped(value) for key, value in values.items()}
            return Markup(fill(text, safe))
        return fill(text, values) if values else text

    def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
        return fill(catalogue.ngettext(singular, plural, num), {"num": num, **values})

    return {"_": gettext, "ngettext": ngettext}


def other(lang: str) -> str:
    return "en" if lang == "cy" else "cy"


def text_in(record: Mapping[str, Any] | None, field: str, lang: str) -> tuple[str, str]:
    """(text, its language): the record's ``field_<lang>``, else the other language's, else ''."""
    if not record:
        return "", lang
    value = str(record.get(f"{field}_{lang}") or "")
    if value.strip():
        return value, lang
    fallback = str(record.get(f"{field}_{other(lang)}") or "")
    return (fallback, other(lang)) if fallback.strip() else ("", lang)


@pass_context
def localised(context: Context, record: Mapping[str, Any] | None, field: str) -> Markup:
    """The record's text in the page's language; the other language, marked with ``lang``, if missing.
    Isolated in ``<bdi>``: text people wrote must not reorder the page around it (a right-to-left
    override in a title would make it read as something else)."""
    lang = context.get("lang", "cy")
    value, value_lang = text_in(record, field, lang)
    if value_lang != lang:
        return Markup('<bdi lang="{}">{}</bdi>').format(value_lang, value)
    return Markup("<bdi>{}</bdi>").format(value)


ONLY_IN = {"en": N_("Written in English only"), "cy": N_("Written in Welsh only")}


def _in_language(lang: str, value: str, value_lang: str) -> Markup:
    """``value`` marked with its language, and, when that is not the page's, a note saying so."""
    if not value or value_lang == lang:
        return Markup("<bdi>{}</bdi>").format(value)
    note = _catalogues[lang].gettext(ONLY_IN[value_lang])
    return Markup('<bdi lang="{}">{}</bdi> <span class="app-muted">({})</span>').format(value_lang, value, note)


@pass_context
def localised_note(context: Context, record: Mapping[str, Any] | None, field: str) -> Markup:
    """``localised`` for a body of text (an update): the other language's text also says it is
    the only one there is ("Yn Saesneg yn unig")."""
    lang = context.get("lang", "cy")
    return _in_language(lang, *text_in(record, field, lang))


@pass_context
def written(context: Context, text: Any) -> Markup:
    """Text people wrote (``shared.bilingual``: an English and a Welsh value) in the page's language,
    else in the other with its ``lang`` and a note saying it is the only one. A plain string (text
    kept in one field, from before its field was bilingual) is marked with the language it is told
    to be in."""
    lang = context.get("lang", "cy")
    if isinstance(text, str) or text is None:
        value = str(text or "")
        return _in_language(lang, value, language.detect(value, default="en" if lang == "en" else "cy"))
    seen = bilingual.shown(bilingual.read(text), "en" if lang == "en" else "cy")
    return _in_language(lang, seen.text, seen.lang)


def has_text(value: Any) -> bool:
    """Whether a text people wrote (bilingual or a plain string) says anything."""
    return bool(value.strip()) if isinstance(value, str) else not bilingual.read(value).blank


@pass_context
def localised_text(context: Context, record: Mapping[str, Any] | None, field: str) -> str:
    """Plain text (for attributes and <title>): no language marking possible there."""
    return text_in(record, field, context.get("lang", "cy"))[0]


def _as_date(value: Any) -> dt.date | dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value)
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else dt.date.fromisoformat(text)
    except ValueError:
        return None


@pass_context
def long_date(context: Context, value: Any) -> str:
    """5 March 2026 / 5 Mawrth 2026."""
    parsed = _as_date(value)
    if parsed is None:
        return ""
    day = parsed.date() if isinstance(parsed, dt.datetime) else parsed
    return vocabulary.long_date(day, "en" if context.get("lang") == "en" else "cy")


@pass_context
def month_year(context: Context, value: Any) -> str:
    """March 2026 / Mawrth 2026 (a milestone due some time in a month)."""
    parsed = _as_date(value)
    if parsed is None:
        return ""
    return format_date(parsed, "LLLL y", locale="en" if context.get("lang") == "en" else "cy")


@pass_context
def date_time(context: Context, value: Any) -> str:
    parsed = _as_date(value)
    if not isinstance(parsed, dt.datetime):
        return str(long_date(context, value))
    return format_datetime(parsed, "d MMMM y, HH:mm", tzinfo=LONDON, locale=context.get("lang", "cy"))


def switch_url(request: Request[Any, Any, Any] | None, lang: str) -> str:
    """This page in ``lang``: the same path and query, with ``lang`` replaced."""
    if request is None:
        return f"/?lang={lang}"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*query, ('lang', lang)])}"


def in_section(path: str, covers: list[str]) -> bool:
    """Is ``path`` one of ``covers`` or below one of them (for the navigation's current item)?"""
    return any(path == c or (c != "/" and path.startswith(c + "/")) for c in covers)


def current_account(request: Request[Any, Any, Any] | None) -> Any:
    """The account ``web.context.account_of`` found for this request, if it looked (pages always do)."""
    if request is None:
        return None
    return request.scope.get("state", {}).get("account")


def live_since(request: Request[Any, Any, Any] | None) -> str:
    """Where the live-status listener stood when this page's request began (web.live: a page's
    stream first says what the page missed since)."""
    if request is None:
        return ""
    return str(request.scope.get("state", {}).get("live_since", ""))


def _fingerprint(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


ASSET_VERSION = _fingerprint(
    STATIC / "app.js", STATIC / "app.css", HERE / "node_modules/govuk-frontend/package.json",
    HERE / "node_modules/htmx.org/package.json", HERE / "node_modules/htmx-ext-sse/package.json",
)  # fmt: skip


def asset(path: str) -> str:
    """A static URL with the assets' fingerprint, so long cache lifetimes never serve stale files."""
    return f"{path}?v={ASSET_VERSION}"


def template_engine() -> JinjaTemplateEngine:
    # autoescape must be set explicitly: an Environment made by hand has it off. The templates ship
    # with the code and change only with it, so they are not checked for changes on every use (that
    # was a stat() of each template a page includes, 4% of the home page's time).
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False)
    env.filters.update(name=welsh.Name, localised=localised, localised_note=localised_note, written=written,
                       localised_text=localised_text, long_date=long_date, date_time=date_time,
                       month_year=month_year)  # fmt: skip
    env.globals.update(switch_url=switch_url, current_account=current_account, asset=asset, in_section=in_section,
                       has_text=has_text, live_since=live_since)  # fmt: skip
    return JinjaTemplateEngine.from_environment(env)
