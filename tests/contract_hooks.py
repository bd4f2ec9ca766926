"""Schemathesis hooks for the contract runs (loaded through SCHEMATHESIS_HOOKS).

Besides what each OpenAPI document describes (and strings with U+0000, which the runs ask for),
some request bodies are JSON nested far deeper than any of ours: each must be a 4xx, never a
parser recursing into a 500. (Not thousands deep: schemathesis encodes bodies with Python's json,
which recurses too; tests/test_hostile_input.py sends 5000 levels as bytes.)
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st

DEPTH = 300


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(body), st.just(nested(DEPTH)), st.just({"data": nested(DEPTH)}))
