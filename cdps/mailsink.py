"""A development SMTP sink: keeps every message it receives and shows them on a web page.

Started by `cdps run` when SMTP_URL is not set, so a newcomer can read the emails the product
sends, in both their plain-text and HTML forms. Messages are kept as .eml files under the data
folder; never use this in production (it accepts mail for anyone, without authentication).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from litestar import Litestar, MediaType, get
from markupsafe import Markup, escape

from shared.settings import Settings


@dataclass(frozen=True)
class Kept:
    """One received message, as the page shows it."""

    name: str
    received: float
    message: EmailMessage

    def part(self, subtype: str) -> str | None:
        body = self.message.get_body(preferencelist=(subtype,))
        if body is None or body.get_content_subtype() != subtype:
            return None
        content: str = body.get_content()
        return content


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
        kept = []
        for path in sorted(self.folder.glob("*.eml"), reverse=True):
            message: Any = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            kept.append(Kept(name=path.name, received=path.stat().st_mtime, message=message))
        return kept


def render(kept: Kept) -> str:
    message = kept.message
    text = kept.part("plain")
    html = kept.part("html")
    received = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(kept.received))
    parts = []
    if text is not None:
        parts.append(f"<h3>Text</h3><pre>{escape(text)}</pre>")
    if html is not None:
        # Sandboxed: the email's HTML cannot run scripts or restyle this page.
        parts.append(f'<h3>HTML</h3><iframe sandbox srcdoc="{escape(html)}" title="HTML part"></iframe>')
    unsubscribe = message["List-Unsubscribe"]
    return (
        f"<article><h2>{escape(str(message['Subject'] or '(no subject)'))}</h2>"
        f"<dl><dt>To</dt><dd>{escape(str(message['To'] or ''))}</dd>"
        f"<dt>From</dt><dd>{escape(str(message['From'] or ''))}</dd>"
        f"<dt>Date</dt><dd>{escape(str(message['Date'] or received))}</dd>"
        + (f"<dt>List-Unsubscribe</dt><dd>{escape(str(unsubscribe))}</dd>" if unsubscribe else "")
        + f"</dl>{Markup(''.join(parts))}</article>"
    )


STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 16px; }
article { border-top: 2px solid #b1b4b6; padding: 8px 0 24px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
dt { font-weight: bold; } dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; background: #f3f2f1; padding: 12px; }
iframe { width: 100%; height: 480px; border: 1px solid #b1b4b6; }
"""


def page(store: MailStore) -> Litestar:
    @get("/", media_type=MediaType.HTML, sync_to_thread=False)
    def inbox() -> str:
        messages = store.messages()
        articles = "".join(render(kept) for kept in messages)
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Mail sink</title>"
            f"<style>{STYLE}</style></head><body><h1>Development mail sink: {len(messages)} messages</h1>"
            f"<p>Every email the product sent, newest first. Development only.</p>{articles}</body></html>"
        )

    return Litestar(route_handlers=[inbox])


async def run_sink(settings: Settings, smtp_port: int, http_port: int) -> None:
    import uvicorn

    store = MailStore(settings.data_dir / "mail")
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(store), host="127.0.0.1", port=smtp_port)
    config: Any = uvicorn.Config(page(store), host="127.0.0.1", port=http_port, log_config=None)
    try:
        await uvicorn.Server(config).serve()
    finally:
        server.close()
