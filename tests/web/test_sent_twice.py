"""A project form sent twice (a double click, the back button and send again, a retry after the
connection dropped) is one change: each form carries a request key, which the web sends to the
portfolio as the Idempotency-Key of its POST."""

from __future__ import annotations

import re

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_project

REQUEST_KEY = re.compile(r'name="request_key" value="([0-9a-f-]{36})"')


async def test_an_update_form_sent_twice_posts_one_update(stack: Stack) -> None:
    project = await create_project(stack)
    form = f"/projects/{project['id']}/update"
    async with browser(stack, "lead") as lead:
        page = await lead.get(form, params={"lang": "en"})
        keys = REQUEST_KEY.findall(page.text)
        assert len(keys) == 1, page.text
        again = REQUEST_KEY.findall((await lead.get(form)).text)
        assert again != keys  # every form its own key
        fields = {"body_en": "Tested the prototype", "body_cy": "Profwyd y prototeip", "health": "",
                  "health_reason": "", "request_key": keys[0]}  # fmt: skip
        answers = [await lead.post(form, fields) for _ in range(2)]

    assert [a.status_code for a in answers] == [303, 303]
    updates = (await api(stack, "GET", f"/api/v1/projects/{project['id']}/updates")).json()
    assert [u["body_en"] for u in updates] == ["Tested the prototype"]
