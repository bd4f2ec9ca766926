"""Input hygiene in one place, for every service and the web: text no field may hold, and bodies
no parser should be given. Each app runs ``check_input`` before every handler.

Refused, each with a bilingual error naming the field, all at once:
- characters XML 1.0 forbids (C0 controls other than tab, newline and carriage return, lone
  surrogates, U+FFFE and U+FFFF) in any query parameter, form field, JSON string or key, or line of
  a CSV body: PostgreSQL cannot store U+0000, and one U+0007 makes the Atom feed invalid XML, so
  readers drop the whole feed (422);
- a body that is not UTF-8, or JSON nested deeper than any of our documents (400), before a
  parser recurses into it;
- such characters in the path: no record has them in its address (404).

A route whose fields have rules that are not a type's constraint (a lookup, the event catalogue)
names them in its ``opt`` under :data:`FIELD_CHECKS`: they are checked here with the body's own
problems, so one 422 names every bad field, not a second one after the first is fixed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.exceptions import NotFoundException

from shared.http import ApiError, FieldError, Invalid
from shared.validation import body_struct, problems

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What XML 1.0 does not allow in a document (PostgreSQL's text refuses U+0000 too)."""
MAX_DEPTH = 32
"""Our deepest request body is three levels; a parser must never recurse thousands deep."""


FieldChecks = Callable[[Request[Any, Any, Any], Mapping[str, Any]], Awaitable[list[FieldError]]]
FIELD_CHECKS = "field_checks"
"""A route's ``opt`` key: its :data:`FieldChecks`, given the decoded body (each field's value as
sent: a check looks only at a value of the type it expects, the type's own problems are named
already)."""


class UnreadableBody(ApiError):
    status = 400

    def __init__(self, message_en: str, message_cy: str) -> None:
        super().__init__(message_en, message_cy, [FieldError("body", message_en, message_cy)])


NOT_UTF8 = ("The request body is not valid UTF-8", "Nid yw corff y cais yn destun UTF-8 dilys")
TOO_DEEP = (
    f"The request body is nested too deeply (more than {MAX_DEPTH} levels)",
    f"Mae corff y cais wedi'i nythu'n rhy ddwfn (mwy na {MAX_DEPTH} lefel)",
)


def forbidden_in(text: str) -> str | None:
    """The first character of ``text`` that no field may hold, as U+XXXX, or None."""
    found = FORBIDDEN.search(text)
    return None if found is None else f"U+{ord(found[0]):04X}"


def without_forbidden(text: str) -> str:
    """``text`` with every such character removed: for writing out text stored before they were refused."""
    return FORBIDDEN.sub("", text)


def refused(field: str, character: str) -> FieldError:
    return FieldError(
        field,
        f"Remove the control character {character}: it is not allowed in text",
        f"Tynnwch y nod rheoli {character}: nid yw'n cael ei ganiatáu mewn testun",
    )


def check_pairs(pairs: Iterable[tuple[str, str]]) -> list[FieldError]:
    """Query parameters or form fields: one error per bad field (its name, or the value's)."""
    errors: dict[str, FieldError] = {}
    for name, value in pairs:
        character = forbidden_in(name) or forbidden_in(value)
        if character is not None:
            field = without_forbidden(name) or "name"
            errors.setdefault(field, refused(field, character))
    return list(errors.values())


def check_document(document: Any) -> list[FieldError]:
    """Every string (and key) of decoded JSON, iteratively: named by its top-level field, as
    msgspec names fields (``tags`` for ``tags[2]``)."""
    errors: dict[str, FieldError] = {}
    stack: list[tuple[str, Any, int]] = [("", document, 0)]
    while stack:
        field, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnreadableBody(*TOO_DEEP)
        if isinstance(value, str):
            character = forbidden_in(value)
            if character is not None:
                errors.setdefault(field or "body", refused(field or "body", character))
        elif isinstance(value, dict):
            for key, item in value.items():
                character = forbidden_in(key)
                name = field or without_forbidden(key) or "body"
                if character is not None:
                    errors.setdefault(name, refused(name, character))
                stack.append((name, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((field, item, depth + 1) for item in value)
    return sorted(errors.values(), key=lambda e: e.field)


def check_body(media_type: str, body: bytes) -> list[FieldError]:
    if not body:
        return []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        if media_type.startswith("text/"):
            return []  # a CSV import names its own encoding problem, as a 422 about the file
        raise UnreadableBody(*NOT_UTF8) from None
    if media_type == "application/x-www-form-urlencoded":
        return check_pairs(parse_qsl(text, keep_blank_values=True))
    if media_type.startswith("text/"):  # a CSV import: name the line
        return [refused(f"line {n}", c) for n, line in enumerate(text.splitlines(), 1) if (c := forbidden_in(line))]
    document = json_document(body)
    return [] if document is NOT_JSON else check_document(document)


NOT_JSON = object()
"""What :func:`json_document` gives for a body that is not JSON: the handler's own decoding says so,
as it always has (``null`` is JSON, so None cannot say it)."""


def json_document(body: bytes) -> object:
    """The body decoded, or :data:`NOT_JSON`; too deep a document is refused before anything recurses."""
    try:
        return msgspec.json.decode(body)
    except RecursionError:
        raise UnreadableBody(*TOO_DEEP) from None
    except msgspec.DecodeError:
        return NOT_JSON


async def check_input(request: Request[Any, Any, Any]) -> None:
    """Litestar ``before_request`` hook. The body is read once and kept for the handler."""
    if forbidden_in(request.url.path):
        raise NotFoundException()
    errors = check_pairs(request.query_params.multi_items())
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        errors += await body_problems(request, errors)
    if errors:
        raise Invalid(errors)


async def body_problems(request: Request[Any, Any, Any], named: list[FieldError]) -> list[FieldError]:
    media_type = request.content_type[0]
    if media_type == "multipart/form-data":
        # Its fields (a file's content is the handler's to judge), parsed once and kept for the
        # handler. Not the raw body: a form the CSRF check parsed was streamed, not kept, and reading
        # it again would wait for the client for ever.
        form = await request.form()
        return check_pairs((name, value) for name, value in form.multi_items() if isinstance(value, str))
    body = await request.body()
    if media_type == "application/json" and body:
        return await json_problems(request, body, named)
    return check_body(media_type, body)


async def json_problems(request: Request[Any, Any, Any], body: bytes, named: list[FieldError]) -> list[FieldError]:
    """A JSON body's problems, from one decoding: forbidden characters, then (when anything is wrong
    already, or the route has :data:`FIELD_CHECKS`) :func:`other_problems` in the fields not named."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableBody(*NOT_UTF8) from None
    document = json_document(body)
    if document is NOT_JSON:
        return []
    found = check_document(document)
    if named or found or FIELD_CHECKS in request.route_handler.opt:
        found += await other_problems(request, document, named + found)
    return found


async def other_problems(request: Request[Any, Any, Any], raw: object, named: list[FieldError]) -> list[FieldError]:
    """The decoded body's problems in the fields not named already, so that one refusal lists every
    bad field (a control character in one field and a value too long in another, say), then those
    the route's own :data:`FIELD_CHECKS` find in the fields still not named."""
    struct = body_struct(request.route_handler)
    if struct is None:
        return []
    found = _unnamed(problems(struct, raw), named)
    checks: FieldChecks | None = request.route_handler.opt.get(FIELD_CHECKS)
    if checks is not None and isinstance(raw, Mapping):
        found += _unnamed(await checks(request, raw), named + found)
        order = [info.encode_name for info in msgspec.structs.fields(struct)]
        found.sort(key=lambda e: order.index(_top(e.field)) if _top(e.field) in order else len(order))
    return found


def _unnamed(found: list[FieldError], named: list[FieldError]) -> list[FieldError]:
    fields = {_top(e.field) for e in named}
    return [e for e in found if _top(e.field) not in fields]


def _top(field: str) -> str:
    """The top-level field a problem is about (``event_types`` for ``event_types[1]``)."""
    return re.split(r"[.\[]", field, maxsplit=1)[0]
