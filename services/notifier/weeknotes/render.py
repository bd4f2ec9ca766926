"""Weeknotes as Markdown (for blogs), HTML (for pages) and an Atom feed. The wording lives in
the templates beside this file, one per language, which a non-developer can edit."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markdown_it import MarkdownIt

from services.notifier.weeknotes.calendar import iso_label
from services.notifier.weeknotes.compose import AREAS, Language, Weeknote, area_name, summary
from shared.inputs import without_forbidden
from shared.vocabulary import long_date

# Markdown is plain text: no HTML escaping, and StrictUndefined so a typo in a template fails loudly.
_markdown = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=False, undefined=StrictUndefined,
    keep_trailing_newline=True,
)  # fmt: skip


def link_text(text: str) -> str:
    """A title as the text of a Markdown link: a bracket or backslash in it must not end the link."""
    return re.sub(r"([\\\[\]])", r"\\\1", text)


_markdown.filters["link_text"] = link_text


def markdown(note: Weeknote, lang: Language, intro: str = "", *, web_base: str) -> str:
    """``web_base``: the site's public address; each project's heading links to its page there."""
    return _markdown.get_template(f"weeknote_{lang}.md").render(
        web_base=web_base.rstrip("/"), week_en=long_date(note.week, "en"), week_cy=long_date(note.week, "cy"),
        intro=intro.strip(),
        summary=summary(note, lang), areas=note.areas(), partners=note.new_partners,
        area_names={area: (area_name(area, "en"), area_name(area, "cy")) for area in AREAS},
    )  # fmt: skip


# HTML in the Markdown source is not let through: weeknotes include text people wrote.
_to_html = MarkdownIt("commonmark", {"html": False})


def html(markdown_text: str) -> str:
    """A weeknote as HTML, for feed readers (the web adds its own classes to show it on its pages)."""
    rendered: str = _to_html.render(markdown_text)
    return rendered


def title(week: dt.date, lang: Language) -> str:
    if lang == "cy":
        return f"Nodiadau wythnos: wythnos yn dechrau {long_date(week, 'cy')}"
    return f"Weeknotes: week beginning {long_date(week, 'en')}"


def atom(
    entries: list[tuple[dt.date, dt.datetime, str]], *, base_url: str, lang: Language, updated: dt.datetime
) -> str:
    """An Atom 1.0 feed of published weeknotes: (week, published at, content as Markdown text). Each
    entry's content is its HTML, escaped (type="html"), as feed readers show it."""
    feed_title = "Nodiadau wythnos CDPS" if lang == "cy" else "CDPS weeknotes"
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">',
        f"<title>{escape(feed_title)}</title>",
        f"<id>{escape(base_url)}/weeknotes</id>",
        f'<link rel="self" href="{escape(base_url)}/weeknotes/feed.atom?lang={lang}"/>',
        f"<updated>{updated.isoformat()}</updated>",
        "<author><name>Centre for Digital Public Services</name></author>",
    ]
    for week, published, content in entries:
        link = f"{base_url}/weeknotes/{iso_label(week)}?lang={lang}"
        parts += [
            "<entry>",
            f"<title>{escape(title(week, lang))}</title>",
            f"<id>{escape(base_url)}/weeknotes/{iso_label(week)}</id>",
            f'<link rel="alternate" href="{escape(link)}"/>',
            f"<published>{published.isoformat()}</published>",
            f"<updated>{published.isoformat()}</updated>",
            # Text stored before such characters were refused at input must not make the feed invalid XML.
            f'<content type="html">{escape(html(without_forbidden(content)))}</content>',
            "</entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"
