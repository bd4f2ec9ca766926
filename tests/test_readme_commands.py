"""The README's commands work as written, against a running `cdps run`, found by themselves.

The commands are read out of README.md's "Accounts, sign-in and API tokens" code block, so this
test breaks when the README drifts from the CLI. They run in a shell from a folder laid out as a
fresh clone is (`.venv/` there), next to a `cdps run` started from that folder on free ports with
no DATABASE_URL, NATS_URL, SMTP_URL or CDPS_DATA_DIR: the default data folder, as `make run` has.
The only change to a command is its placeholder `<partner id>`, replaced by the first id that the
README's own `cdps partners list` prints.
"""

from __future__ import annotations

import email
import email.policy
import html
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cdps.embedded import free_port
from cdps.services import NAMES

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Accounts, sign-in and API tokens"
PLACEHOLDER = "<partner id>"


def readme_commands() -> list[str]:
    """The shell lines of the section's ```sh blocks, as written."""
    text = (ROOT / "README.md").read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    blocks = re.findall(r"```sh\n(.*?)```", text[start : end if end != -1 else None], flags=re.DOTALL)
    lines = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert lines, f"no ```sh block in the README's section {SECTION!r}"
    return lines


def clean_env() -> dict[str, str]:
    """A newcomer's shell: none of the settings that would point the CLI somewhere by hand."""
    unset = {"DATABASE_URL", "NATS_URL", "SMTP_URL", "CDPS_DATA_DIR", "CDPS_SECRET_KEY", "CDPS_NAMESPACE"}
    return {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("CDPS_")}


@dataclass
class Run:
    folder: Path
    web: str
    mail: str
    process: subprocess.Popen[str]
    output: list[str]


def shell(line: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line], cwd=folder, env=clean_env(), capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Run]:
    """`make run`'s `cdps run`, started from a folder that has `.venv/` as a clone does, on free ports."""
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    ports = {f"CDPS_{name.upper()}_PORT": str(free_port()) for name in NAMES}
    ports["CDPS_SMTP_SINK_PORT"] = str(free_port())
    process = subprocess.Popen(
        [".venv/bin/cdps", "run"], cwd=tmp_path, env={**clean_env(), **ports},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output: list[str] = []
    stdout = process.stdout
    assert stdout is not None
    try:
        for line in stdout:
            output.append(line)
            if "CDPS portfolio is running" in line:
                break
        else:
            pytest.fail("cdps run ended before it was ready:\n" + "".join(output))

        # Read on for as long as it runs, as a terminal does: the services write their logs to this
        # pipe, and a full pipe (64 KB: the demo's weeknotes alone log 50 KB after the banner) would
        # stop each of them at its next log line, its pages answering 503 or nothing at all.
        def keep_reading() -> None:
            for line in stdout:
                output.append(line)

        threading.Thread(target=keep_reading, daemon=True).start()
        yield Run(tmp_path, f"http://127.0.0.1:{ports['CDPS_WEB_PORT']}",
                  f"http://127.0.0.1:{ports['CDPS_SMTP_SINK_PORT']}", process, output)  # fmt: skip
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def test_the_readmes_commands_work_as_written_while_make_run_runs_and_say_in_one_line_when_it_does_not(
    running: Run,
) -> None:
    lines = readme_commands()
    assert all(shlex.split(line, comments=True)[0] == ".venv/bin/cdps" for line in lines), lines
    assert (running.folder / ".data" / "stack.json").exists()
    partner_id = None
    outputs = {}
    for line in lines:
        assert not set(re.findall(r"<[^>]+>", line)) - {PLACEHOLDER}, f"an unknown placeholder in {line!r}"
        if PLACEHOLDER in line:
            assert partner_id is not None, "the README lists the partners before it needs a partner's id"
            line = line.replace(PLACEHOLDER, partner_id)
        result = shell(line, running.folder)
        assert result.returncode == 0, (
            f"`{line}` failed ({result.returncode}):\n{result.stdout}{result.stderr}\n"
            f"cdps run said last:\n{''.join(running.output[-40:])}"
        )
        outputs[line] = result.stdout
        if "partners list" in line:
            rows = [row.split("\t") for row in result.stdout.splitlines()]
            assert len(rows) >= 5 and all(len(row) >= 3 for row in rows), result.stdout  # the demo's partners
            assert (
                "wra" in {row[1] for row in rows} and "Welsh Revenue Authority / Awdurdod Cyllid Cymru" in result.stdout
            )
            partner_id = rows[0][0]

    (listed,) = [out for line, out in outputs.items() if "users list" in line]
    added = re.findall(r"--email (\S+)", " ".join(line for line in lines if "users add" in line))
    assert len(added) >= 3 and all(f"{email}\t" in listed for email in added), listed
    assert f"\tpartner\t{partner_id}" in listed and "\tlead\t" in listed and "\tadmin\t" in listed
    (token,) = [out for line, out in outputs.items() if "token create" in line]
    secret = token.strip().splitlines()[-1]
    assert secret.startswith("cdps_")
    api = httpx.get(f"{running.web}/api/v1/projects", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200, api.text
    # A newcomer tries webhooks with a receiver on this machine: `make run` lets them register it.
    hook = {"url": f"http://127.0.0.1:{free_port()}/hook", "event_types": ["portfolio.project.*"]}
    registered = httpx.post(f"{running.web}/api/v1/webhooks", json=hook, headers={"Authorization": f"Bearer {secret}"})
    assert registered.status_code == 201, registered.text

    sign_in_through_the_mail_sink(running, added[0])
    every_emailed_link_opens_a_page(running)

    running.process.send_signal(signal.SIGINT)  # Ctrl-C
    assert running.process.wait(timeout=60) == 0, "".join(running.output[-40:])
    assert not (running.folder / ".data" / "stack.json").exists()
    result = shell(lines[0], running.folder)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "no `cdps run` is running with the data folder" in result.stderr and "make run" in result.stderr


def every_emailed_link_opens_a_page(running: Run) -> None:
    """Each link to the site in every message the sink kept (its .eml files) answers 2xx, as clicked."""
    kept = sorted((running.folder / ".data").rglob("*.eml"))
    found = set()
    for path in kept:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.walk():
            if part.get_content_maintype() == "text":
                found |= {html.unescape(u) for u in re.findall(r'https?://[^\s"<>]+', part.get_content())}
    links = sorted(u for u in found if u.startswith(running.web))
    assert kept and links, "the sink kept no email with a link to the site"
    with httpx.Client(follow_redirects=True, timeout=20) as browser:
        broken = [(u, status) for u in links if not 200 <= (status := browser.get(u).status_code) < 300]
    assert not broken, broken


def sign_in_through_the_mail_sink(running: Run, email: str) -> None:
    """As the README says: ask for a link, find the message in the sink, copy its link, use it."""
    with httpx.Client(base_url=running.web, follow_redirects=False) as browser:
        form = browser.get("/signin?lang=en")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert csrf, form.text
        assert browser.post("/signin", data={"email": email, "_csrf_token": csrf[1]}).status_code == 200
        with httpx.Client(base_url=running.mail) as sink:
            deadline = time.monotonic() + 30
            # The row of a message to this address: the demo's own emails (assessments published to
            # its contacts) arrive at the sink at the same time, so the newest row is not always ours.
            to_them = rf"<td>[^<]*{re.escape(email)}[^<]*</td><td><a href='(/messages/[^']+)'>[^<]*</a></td>"
            while (page := re.search(to_them, sink.get("/").text)) is None:
                assert time.monotonic() < deadline, "no sign-in email reached the mail sink"
                time.sleep(0.2)
            message = sink.get(page[1]).text
        assert email in message
        links = re.findall(r"<li><code>([^<]+)</code></li>", message)
        (link,) = [html.unescape(url) for url in links if "/signin/" in url]
        assert link.startswith(running.web)
        path = link.removeprefix(running.web)
        button = browser.get(path)  # reading the message in the sink did not spend the link
        assert button.status_code == 200 and email in button.text, button.text
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', button.text)
        assert csrf, button.text
        signed_in = browser.post(path, data={"_csrf_token": csrf[1]})  # the page's Sign in button
        assert signed_in.status_code == 303 and browser.cookies.get("cdps_session"), signed_in.text
