"""The documentation stays in step with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from shared.catalogue import asyncapi, render_markdown
from shared.events import CATALOGUE
from shared.settings import VARIABLES

ROOT = Path(__file__).parent.parent


def test_the_event_catalogue_documents_every_event_type() -> None:
    catalogue = (ROOT / "docs" / "events.md").read_text()
    missing = [event_type for event_type in CATALOGUE if f"`{event_type}`" not in catalogue]
    assert missing == []


def test_every_struct_an_event_holds_is_documented_with_its_fields() -> None:
    catalogue = (ROOT / "docs" / "events.md").read_text()
    type_cells = re.findall(r"^\| `[a-z_]+` \| `(.+)` \|$", catalogue, flags=re.MULTILINE)
    named = {name for cell in type_cells for name in re.findall(r"\b[A-Z]\w+", cell)} - {
        "Literal",
        "Optional",
        "None",
        "UUID",
    }
    assert named and {name for name in named if f"### `{name}`" not in catalogue} == set()


def test_the_generated_catalogue_and_asyncapi_document_are_up_to_date() -> None:
    """Regenerate with `python -m shared.catalogue` when this fails."""
    assert (ROOT / "docs" / "events.md").read_text() == render_markdown()
    assert json.loads((ROOT / "docs" / "asyncapi.json").read_text()) == json.loads(json.dumps(asyncapi()))


def test_the_readme_names_the_two_commands_and_ci_runs_the_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_settings_table_names_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `"))
    assert {name for name in VARIABLES if f"`{name}`" not in table} == set()


def test_every_module_and_folder_the_readme_layout_names_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index("## Layout") :].split("```")[1]
    folder, missing = Path(), []
    for line in block.splitlines():
        if line and not line[0].isspace():  # a folder's line; the indented ones below continue it
            folder, line = Path(line.split()[0]), line.split(maxsplit=1)[1] if " " in line.strip() else ""
        # module.py or folder/, not part of a path (/api/v1) or of a pair of words (Welsh/English)
        names = re.findall(r"(?<![/\w])\w+(?:\.py|/)(?!\w)", line)
        missing += [str(folder / name) for name in names if not (ROOT / folder / name).exists()]
    assert missing == []
