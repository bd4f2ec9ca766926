"""The packages are layered: `cdps` (wiring) above `web` and `services`, both above `shared`.

Read from the source, imports inside functions included, so a lazy import cannot hide a
dependency. `shared/` holds only what a production service imports; nothing but `cdps` (and the
tests and benchmark) may import the wiring.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cdps", "shared", "services", "web")
MAY_IMPORT = {
    "cdps": {"cdps", "shared", "services", "web"},
    "web": {"web", "shared"},
    "services": {"services", "shared"},
    "shared": {"shared"},
}


def imports(package: str) -> dict[str, set[str]]:
    """Each module of the package (a path) and the project modules it imports."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        if "node_modules" in path.parts:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
        found[path.relative_to(ROOT).as_posix()] = {n for n in names if n.split(".")[0] in PACKAGES}
    return found


def test_each_package_imports_only_the_layers_beneath_it() -> None:
    wrong = []
    for package in PACKAGES:
        for module, names in imports(package).items():
            for name in names:
                top = name.split(".")[0]
                allowed = top in MAY_IMPORT[package]
                if not allowed:
                    wrong.append(f"{module} imports {name}")
    assert not wrong, "\n".join(sorted(wrong))


def test_the_embedded_servers_and_the_mail_sink_are_not_in_the_production_packages() -> None:
    production = [m for p in ("shared", "services", "web") for m, names in imports(p).items()]
    for module in production:
        assert not module.endswith(("embedded.py", "mailsink.py", "devstack.py", "cli.py")), module
    source = "\n".join((ROOT / m).read_text() for m in production)
    assert "useradd" not in source and '"chmod"' not in source  # what the embedded PostgreSQL runs as root
