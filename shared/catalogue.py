"""The event catalogue for outsiders, generated from the event Structs.

``python -m shared.catalogue`` rewrites ``docs/events.md`` and ``docs/asyncapi.json``; a test
fails when either is out of step with the code.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from shared.events import CATALOGUE, Envelope

DOCS = Path(__file__).parent.parent / "docs"

HEADER = """# Event catalogue

Generated from `shared/events.py` by `python -m shared.catalogue`; do not edit by hand.

Every event travels in one envelope (JSON) on the JetStream stream `PORTFOLIO` (or
`<NAMESPACE>_PORTFOLIO`); the subject is the event type (prefixed by the namespace when one is
set) and `Nats-Msg-Id` is the event id. Consumers must be idempotent and ignore an event whose
`aggregate_seq` is not newer than what they hold. Project events carry a full `project` snapshot,
so keeping the newest snapshot is all a consumer needs to be order-tolerant.

| envelope field | meaning |
| --- | --- |
| `id` | UUIDv7, unique and time-ordered |
| `type` | past tense, `portfolio.<aggregate>.<event>` |
| `version` | schema version of `data`, starts at 1 |
| `occurred_at` | when it happened (RFC 3339, UTC) |
| `actor` | `{id, role}`: who did it (`admin`, `lead`, `partner`, `public`, `system`) |
| `aggregate_id` | the record it is about |
| `aggregate_seq` | gapless per record |
| `partner_id` | the partner organisation, for scoping (may be null) |
| `data` | the event's own fields, below |
"""


def _type_name(annotation: Any) -> str:
    text = str(annotation).replace("typing.", "").replace("datetime.", "").replace("uuid.", "")
    return text.replace("shared.events.", "").replace("<class '", "").replace("'>", "")


def render_markdown() -> str:
    parts = [HEADER]
    for event_type, cls in CATALOGUE.items():
        doc = inspect.getdoc(cls) or ""
        parts.append(f"\n## `{event_type}` (v{cls.version})\n\n{doc}\n\n| field | type |\n| --- | --- |")
        hints = msgspec.structs.fields(cls)
        parts.extend(f"| `{f.name}` | `{_type_name(f.type)}` |" for f in hints)
    return "\n".join(parts) + "\n"


def asyncapi() -> dict[str, Any]:
    _, components = msgspec.json.schema_components(
        [Envelope, *CATALOGUE.values()], ref_template="#/components/schemas/{name}"
    )
    messages = {
        cls.__name__: {
            "name": event_type,
            "summary": (inspect.getdoc(cls) or "").split("\n")[0],
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/Envelope"},
                    {"properties": {"data": {"$ref": f"#/components/schemas/{cls.__name__}"}}},
                ]
            },
        }
        for event_type, cls in CATALOGUE.items()
    }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "CDPS portfolio events", "version": "1.0.0"},
        "channels": {
            name: {"address": msg["name"], "messages": {name: {"$ref": f"#/components/messages/{name}"}}}
            for name, msg in messages.items()
        },
        "components": {"messages": messages, "schemas": components},
    }


def write() -> None:
    (DOCS / "events.md").write_text(render_markdown())
    (DOCS / "asyncapi.json").write_text(json.dumps(asyncapi(), indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    write()
    sys.exit(0)
