"""A development SMTP sink: keeps every message it receives and shows them on a web page.

Started by `cdps run` when SMTP_URL is not set, so a newcomer can read the emails the product
sends. Messages are kept as .eml files under the data folder; never use this in production.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from litestar import Litestar, MediaType, get
from markupsafe import escape

from shared.settings import Settings


class MailStore:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        name = f"{len(list(self.folder.glob('*.eml'))):06d}.eml"
        content = envelope.original_content or b""
        (self.folder / name).write_bytes(content)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.folder.glob("*.eml"), reverse=True)
        ]


def page(store: MailStore) -> Litestar:
    @get("/", media_type=MediaType.HTML, sync_to_thread=False)
    def inbox() -> str:
        rows = []
        for message in store.messages():
            body = message.get_body(preferencelist=("plain", "html"))
            text = body.get_content() if body is not None else ""
            rows.append(
                f"<article><h2>{escape(message['Subject'])}</h2><p>To {escape(message['To'])} · "
                f"{escape(message['Date'] or '')}</p><pre>{escape(text)}</pre></article>"
            )
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Mail sink</title></head>"
            f"<body><h1>Development mail sink: {len(rows)} messages</h1>{''.join(rows)}</body></html>"
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
