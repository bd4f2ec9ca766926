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

An event's `version` rises when the shape of its `data` changes; events already in the stream are
never rewritten, and every reader takes an older version forward first (`shared.events.upcast`):
the project events of version 1 had one `beta` phase, read as `private_beta`.

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


def _field_table(cls: type[msgspec.Struct]) -> list[str]:
    return ["| field | type |", "| --- | --- |",
            *(f"| `{f.name}` | `{_type_name(f.type)}` |" for f in msgspec.structs.fields(cls))]  # fmt: skip


def nested_structs() -> list[type[msgspec.Struct]]:
    """The Structs the events' fields hold (snapshots and their parts), each once, in catalogue order:
    a consumer needs their fields as much as the events' own."""
    found: list[type[msgspec.Struct]] = []

    def visit(info: msgspec.inspect.Type) -> None:
        if isinstance(info, msgspec.inspect.StructType) and info.cls not in found:
            found.append(info.cls)
            for field in info.fields:
                visit(field.type)
        for attribute in ("type", "item_type", "types", "key_type", "value_type"):
            inner = getattr(info, attribute, None)
            for part in inner if isinstance(inner, tuple) else [inner]:
                if isinstance(part, msgspec.inspect.Type):
                    visit(part)

    for cls in CATALOGUE.values():
        visit(msgspec.inspect.type_info(cls))
    return [struct for struct in found if struct not in CATALOGUE.values()]


def render_markdown() -> str:
    parts = [HEADER]
    for event_type, cls in CATALOGUE.items():
        doc = inspect.getdoc(cls) or ""
        parts.extend([f"\n## `{event_type}` (v{cls.version})\n\n{doc}\n", *_field_table(cls)])
    parts.append("\n## Types inside events\n\nThe Structs that the events' fields above hold.")
    for struct in nested_structs():
        doc = inspect.cleandoc(struct.__doc__ or "")  # its own: getdoc would give msgspec.Struct's
        parts.extend([f"\n### `{struct.__name__}`\n", *([doc, ""] if doc else []), *_field_table(struct)])
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
