"""A development SMTP sink: keeps every message it receives and shows them on web pages.

Started by `cdps run` when SMTP_URL is not set, so a newcomer can read the emails the product
sends. The inbox lists them; each message has its own page with its links written out as plain
text, its text part and a preview of its HTML part. Nothing on these pages follows or fetches a
link of a message (a one-time sign-in link must reach the person, not a preview): links are text,
and the content security policy lets the sandboxed HTML preview load and navigate to nothing.
Messages are kept as .eml files under the data folder; never use this in production (it accepts
mail for anyone, without authentication).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import re
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from litestar import Litestar, MediaType, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from markupsafe import Markup, escape

from shared.settings import Settings

NAME = re.compile(r"^\d{20}-[0-9a-f]{8}\.eml$")
"""How the sink names a kept message; nothing else is ever read from the folder."""
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+")
HEADERS = {
    # No fetch and no navigation from these pages or the HTML preview: `frame-src 'none'` also
    # stops a click inside the preview's frame, and the sandbox stops pop-ups and top navigation.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-src 'none'; "
    "form-action 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name == "href" and value]


@dataclass(frozen=True)
class Kept:
    """One received message, as the pages show it."""

    name: str
    received: float
    message: EmailMessage

    def part(self, subtype: str) -> str | None:
        body = self.message.get_body(preferencelist=(subtype,))
        if body is None or body.get_content_subtype() != subtype:
            return None
        content: str = body.get_content()
        return content

    def links(self) -> list[str]:
        """Every link of the message, once each, in the order they appear (text, HTML, headers)."""
        found = [url.rstrip(".,;:!?)") for url in URL_IN_TEXT.findall(self.part("plain") or "")]
        hrefs = _Hrefs()
        hrefs.feed(self.part("html") or "")
        found += [url for url in hrefs.found if url.startswith(("http://", "https://"))]
        found += re.findall(r"<(https?://[^>]+)>", str(self.message["List-Unsubscribe"] or ""))
        return list(dict.fromkeys(found))


class MailStore:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        # Nanosecond time first: names sort by arrival, and the suffix keeps two in the same tick apart.
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.eml"
        (self.folder / name).write_bytes(envelope.original_content or b"")
        return "250 Message accepted for delivery"

    def messages(self) -> list[Kept]:
        """Every message kept, newest first."""
        return [self._read(path) for path in sorted(self.folder.glob("*.eml"), reverse=True) if NAME.match(path.name)]

    def message(self, name: str) -> Kept | None:
        path = self.folder / name
        return self._read(path) if NAME.match(name) and path.is_file() else None

    def _read(self, path: Path) -> Kept:
        message: Any = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        return Kept(name=path.name, received=path.stat().st_mtime, message=message)


def _header(kept: Kept, name: str) -> str:
    return str(kept.message[name] or "")


def _received(kept: Kept) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(kept.received))


def render_list(messages: list[Kept]) -> str:
    rows = "".join(
        f"<tr><td>{escape(_received(kept))}</td><td>{escape(_header(kept, 'To'))}</td>"
        f"<td><a href='/messages/{kept.name}'>{escape(_header(kept, 'Subject') or '(no subject)')}</a></td></tr>"
        for kept in messages
    )
    return (
        f"<h1>Development mail sink: {len(messages)} messages</h1>"
        "<p>Every email the product sent, newest first. Open a message to read it and copy its links. "
        "Development only.</p>"
        f"<table><thead><tr><th>Received</th><th>To</th><th>Subject</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render_message(kept: Kept) -> str:
    text = kept.part("plain")
    html = kept.part("html")
    links = kept.links()
    parts = [f"<h1>{escape(_header(kept, 'Subject') or '(no subject)')}</h1>", "<p><a href='/'>All messages</a></p>"]
    rows = [("To", _header(kept, "To")), ("From", _header(kept, "From"))]
    rows.append(("Date", _header(kept, "Date") or _received(kept)))
    if kept.message["List-Unsubscribe"]:
        rows.append(("List-Unsubscribe", _header(kept, "List-Unsubscribe")))
    parts.append("<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>")
    parts.append("<h2>Links</h2>")
    if links:
        parts.append(
            "<p>Copy a link into the address bar of the browser you want to use it in: this page does not "
            "open them, so a one-time sign-in link is still unused.</p>"
            "<ol class='links'>" + "".join(f"<li><code>{escape(url)}</code></li>" for url in links) + "</ol>"
        )
    else:
        parts.append("<p>This message has no links.</p>")
    if text is not None:
        parts.append(f"<h2>Text</h2><pre>{escape(text)}</pre>")
    if html is not None:
        # Sandboxed (no scripts, forms, pop-ups or top navigation), and the page's policy lets the
        # frame neither load anything nor navigate anywhere.
        parts.append(f'<h2>HTML</h2><iframe sandbox srcdoc="{escape(html)}" title="HTML part"></iframe>')
    return "".join(parts)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 16px; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #b1b4b6; padding: 6px; text-align: left; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
dt { font-weight: bold; } dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; background: #f3f2f1; padding: 12px; }
.links code { user-select: all; overflow-wrap: anywhere; font-size: 1rem; }
.links li { margin-bottom: 8px; }
iframe { width: 100%; height: 480px; border: 1px solid #b1b4b6; }
"""


def _page(title: str, body: str) -> Response[str]:
    document = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{Markup(body)}</body></html>"
    )
    return Response(document, media_type=MediaType.HTML, headers=HEADERS)


def page(store: MailStore) -> Litestar:
    @get("/", sync_to_thread=False)
    def inbox() -> Response[str]:
        return _page("Mail sink", render_list(store.messages()))

    @get("/messages/{name:str}", sync_to_thread=False)
    def message(name: FromPath[str]) -> Response[str]:
        kept = store.message(name)
        if kept is None:
            raise NotFoundException("no such message")
        return _page(_header(kept, "Subject") or "Message", render_message(kept))

    return Litestar(route_handlers=[inbox, message], logging_config=None)  # shared/logs.py renders the records


async def run_sink(settings: Settings, smtp_port: int, http_port: int) -> None:
    import uvicorn

    store = MailStore(settings.data_dir / "mail")
    # aiosmtpd logs each SMTP command at INFO: six lines a message buried `cdps run`'s own output.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(store), host="127.0.0.1", port=smtp_port)
    config: Any = uvicorn.Config(page(store), host="127.0.0.1", port=http_port, log_config=None)
    try:
        await uvicorn.Server(config).serve()
    finally:
        server.close()
