"""Markdown-lite for text people write in a conversation: paragraphs and line breaks, *emphasis*,
**strong**, `code`, lists and links, and nothing else. markdown-it-py with HTML off: any HTML typed
is shown as text, never run; links are only those markdown-it validates (no ``javascript:``,
``vbscript:``, ``file:`` or ``data:``), and open as ordinary GOV.UK links marked ``nofollow``."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("zero", {"html": False, "breaks": True, "typographer": False}).enable(
    ["emphasis", "backticks", "link", "list", "newline", "escape"]
)
_CLASSES = {"p": "govuk-body", "ul": "govuk-list govuk-list--bullet", "ol": "govuk-list govuk-list--number",
            "a": "govuk-link"}  # fmt: skip


def to_html(text: str) -> Markup:
    tokens = _markdown.parse(text)
    for token in tokens:
        for child in [token, *(token.children or [])]:
            if child.nesting == 1 and child.tag in _CLASSES:
                child.attrSet("class", _CLASSES[child.tag])
                if child.tag == "a":
                    child.attrSet("rel", "nofollow noopener")
    return Markup(_markdown.renderer.render(tokens, _markdown.options, {}))
