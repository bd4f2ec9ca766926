"""The development mail sink keeps every message and shows both parts, newest first."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
from aiosmtpd.controller import Controller

from cdps.embedded import free_port
from cdps.mailsink import MailStore, page


def email(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "cdps@example.org", "ann@example.org", subject
    message.set_content(f"Plain {subject}")
    message.add_alternative(f"<p>Rich <b>{subject}</b></p>", subtype="html")
    return message


async def test_the_mail_sink_shows_every_message_with_its_text_and_html_newest_first(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "mail")
    controller = Controller(store, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        for subject in ("Hen neges / Older", "Neges newydd / Newer"):
            await aiosmtplib.send(email(subject), hostname="127.0.0.1", port=controller.port)
    finally:
        controller.stop()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(page(store)), base_url="http://sink") as client:
        html = (await client.get("/")).text
    assert "2 messages" in html
    assert html.index("Neges newydd / Newer") < html.index("Hen neges / Older")
    assert "ann@example.org" in html and "Plain Hen neges / Older" in html
    assert "&lt;b&gt;Hen neges / Older&lt;/b&gt;" in html  # the HTML part, shown in a sandboxed frame
    assert "<iframe sandbox" in html
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2
