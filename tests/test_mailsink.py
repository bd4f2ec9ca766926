"""The development mail sink keeps every message; the inbox lists them newest first, and each has a
page with its links as plain text, its text part and a preview of its HTML part that fetches and
follows nothing (so a one-time sign-in link is still unused when the person copies it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import aiosmtplib
import httpx
import pytest
from aiosmtpd.controller import Controller
from playwright.async_api import Browser

from cdps.embedded import free_port
from cdps.mailsink import MailStore, page, run_sink
from shared.settings import Settings
from tests.helpers import asgi, eventually
from tests.test_browser import browser  # noqa: F401  (the session's Chromium)


def email(subject: str, link: str = "https://portfolio.example/signin/abc") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "cdps@example.org", "ann@example.org", subject
    message["List-Unsubscribe"] = "<https://portfolio.example/unsubscribe/xyz>"
    message.set_content(f"Plain {subject}\n\nSign in: {link}\n")
    message.add_alternative(
        f"<p>Rich <b>{subject}</b></p><p><a href='{link}'>Sign in</a></p>"
        f"<img src='{link}.png' alt=''><link rel='prefetch' href='{link}'>",
        subtype="html",
    )
    return message


async def test_the_inbox_lists_every_message_newest_first_and_each_has_its_own_page(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "mail")
    controller = Controller(store, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        for subject in ("Hen neges / Older", "Neges newydd / Newer"):
            await aiosmtplib.send(email(subject), hostname="127.0.0.1", port=controller.port)
    finally:
        controller.stop()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(asgi(page(store))), base_url="http://sink") as client:
        inbox = await client.get("/")
        assert "2 messages" in inbox.text and "ann@example.org" in inbox.text
        assert inbox.text.index("Neges newydd / Newer") < inbox.text.index("Hen neges / Older")
        older = store.messages()[1]
        assert f"href='/messages/{older.name}'" in inbox.text
        assert "signin/abc" not in inbox.text  # the inbox shows no link of a message

        message = await client.get(f"/messages/{older.name}")
        assert message.status_code == 200
        assert "Plain Hen neges / Older" in message.text
        assert "&lt;b&gt;Hen neges / Older&lt;/b&gt;" in message.text  # the HTML part, in a sandboxed frame
        assert "<iframe sandbox" in message.text
        assert message.headers["content-security-policy"].startswith("default-src 'none'")
        assert "frame-src 'none'" in message.headers["content-security-policy"]
        # Each link once, as text to copy: never an <a> of this page.
        assert message.text.count("<code>https://portfolio.example/signin/abc</code>") == 1
        assert "<code>https://portfolio.example/unsubscribe/xyz</code>" in message.text
        assert "href='https://portfolio.example" not in message.text and 'href="https://portfolio' not in message.text

        for name in ("../secret_key", "nope.eml", "00000000000000000000-0000000a.eml"):
            assert (await client.get(f"/messages/{name}")).status_code == 404
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


class Counter(BaseHTTPRequestHandler):
    """A web server that counts every request: the sign-in link's server, as far as the sink can tell."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Counter.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def link_server() -> Iterator[str]:
    Counter.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
async def sink(tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    """The real sink (`cdps mail-sink`): (its web address, its SMTP port)."""
    smtp_port, http_port = free_port(), free_port()
    task = asyncio.create_task(run_sink(Settings(secret_key="x" * 32, data_dir=tmp_path), smtp_port, http_port))
    url = f"http://127.0.0.1:{http_port}"

    async def up() -> bool:
        try:
            async with httpx.AsyncClient() as client:
                return (await client.get(url)).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(up, timeout=20)
    yield url, smtp_port
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.mark.browser
async def test_reading_a_message_in_chromium_fetches_and_follows_none_of_its_links(
    browser: Browser,  # noqa: F811
    sink: tuple[str, int],
    link_server: str,
) -> None:
    sink_url, smtp_port = sink
    link = f"{link_server}/signin/one-time"
    await aiosmtplib.send(email("Sign in / Mewngofnodi", link), hostname="127.0.0.1", port=smtp_port)
    context = await browser.new_context()
    try:
        tab = await context.new_page()
        blocked: list[str] = []
        tab.on(
            "console",
            lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
        )
        await tab.goto(sink_url)
        await tab.get_by_role("link", name="Sign in / Mewngofnodi").click()
        await tab.wait_for_url(f"{sink_url}/messages/*")
        assert await tab.locator(".links code").first.inner_text() == link  # there to copy

        await tab.frame_locator("iframe").get_by_role("link", name="Sign in").click()  # a click in the preview

        async def refused() -> bool:
            return any("frame-src" in text for text in blocked)

        await eventually(refused, timeout=10)
        assert tab.url.startswith(f"{sink_url}/messages/")
    finally:
        await context.close()
    assert Counter.hits == []  # not the link, its image or its prefetch


async def test_the_sink_logs_no_line_per_smtp_command(sink: tuple[str, int], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    _, smtp_port = sink
    await aiosmtplib.send(email("Dim sŵn / No noise"), hostname="127.0.0.1", port=smtp_port)
    assert not [r for r in caplog.records if r.name.startswith("mail.log")]  # `make run` showed ~6 a message
