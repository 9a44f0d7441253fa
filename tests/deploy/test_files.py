"""The deployment files, checked without Docker or systemd running: the compose file has the
services, volumes, health checks, order and secrets it must; the Dockerfile builds in stages and
runs as nobody privileged with no compiler; the systemd units are hardened (and pass
``systemd-analyze verify`` and ``security`` where that tool is installed); Caddy proxies to the
web replicas, hides ``/metrics`` and keeps no access log."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ("kluis-migrate.service", "kluis-web.service", "kluis-worker.service")
COMPILERS = re.compile(
    r"\b(gcc|g\+\+|cc|clang|make|build-essential|cargo|rustc|[a-z0-9.+-]+-dev)\b"
)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def _depends(service: dict[str, Any]) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


def test_compose_has_the_services_of_a_deployment(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "migrate", "web", "worker", "caddy"}
    services = compose["services"]
    assert services["web"]["command"] == ["web"]
    assert services["worker"]["command"] == ["worker"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["web"]["deploy"]["replicas"] >= 2
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["caddy"]["image"].startswith("caddy:")


def test_migrations_run_once_before_web_and_worker(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["restart"] == "no"
    assert _depends(services["migrate"]) == {"postgres": "service_healthy"}
    for name in ("web", "worker"):
        assert _depends(services[name])["migrate"] == "service_completed_successfully", name
    assert _depends(services["caddy"]) == {"web": "service_healthy"}


def test_the_services_that_serve_have_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["caddy"]["healthcheck"]["test"]
    # the image's HEALTHCHECK asks /healthz over HTTP: roles without a server turn it off
    for name in ("migrate", "worker"):
        assert services[name]["healthcheck"] == {"disable": True}, name


def test_state_lives_on_named_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(compose["volumes"]) >= {"kluis-data", "postgres-data", "caddy-data"}
    for name in ("migrate", "web", "worker"):
        assert "kluis-data:/data" in services[name]["volumes"], name
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "caddy-data:/data" in services["caddy"]["volumes"]
    for mount in services["postgres"]["volumes"] + services["caddy"]["volumes"]:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (ROOT / source).exists(), source


def test_secrets_come_from_files_never_from_the_environment(compose: dict[str, Any]) -> None:
    declared = set(compose["secrets"])
    for name, service in compose["services"].items():
        env: dict[str, str] = service.get("environment", {})
        for key in ("KLUIS_MASTER_KEY", "KLUIS_DATABASE_URL", "KLUIS_KEYRING_URL"):
            assert key not in env, f"{name} has {key} in its environment"
        assert "POSTGRES_PASSWORD" not in env, name
        for key, value in env.items():
            if key.endswith("_FILE"):
                secret = value.removeprefix("/run/secrets/")
                assert secret in service["secrets"], f"{name}: {key}"
                assert secret in declared, secret
    for spec in compose["secrets"].values():
        assert spec["file"].startswith("./secrets/")
    assert "secrets" in (ROOT / ".dockerignore").read_text().split()


def test_only_the_proxy_publishes_ports(compose: dict[str, Any]) -> None:
    published = {name for name, s in compose["services"].items() if s.get("ports")}
    assert published == {"caddy"}
    assert "443:443" in compose["services"]["caddy"]["ports"]


def _stages(text: str) -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), one list per stage."""
    joined = re.sub(r"\\\n", " ", text)
    stages: list[list[str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_the_image_is_built_in_stages_and_runs_unprivileged() -> None:
    stages = _stages((ROOT / "Dockerfile").read_text())
    assert len(stages) >= 2
    final = stages[-1]
    assert "slim" in final[0]
    users = [line.split()[1] for line in final if line.upper().startswith("USER ")]
    assert users, "the final stage sets no USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert any(line.startswith("COPY --from=build /opt/kluis") for line in final)
    assert any(line.startswith("VOLUME") and "/data" in line for line in final)
    assert any(line.startswith("HEALTHCHECK") and "/healthz" in line for line in final)
    assert any(line.startswith("ENTRYPOINT") and "kluis-entrypoint" in line for line in final)
    assert any("deploy/entrypoint.sh" in line for line in final)


def test_the_final_image_installs_no_build_tools() -> None:
    final = _stages((ROOT / "Dockerfile").read_text())[-1]
    for line in final:
        if line.startswith("RUN") and "install" in line:
            packages = line.split("install", 1)[1]
            assert not COMPILERS.search(packages.replace("--no-install-recommends", "")), line


def _unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit as section -> key -> values (a key may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (DEPLOY / "systemd" / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


@pytest.mark.parametrize("name", UNITS)
def test_each_unit_is_hardened(name: str) -> None:
    unit = _unit(name)
    assert set(unit) == {"Unit", "Service", "Install"}
    service = {key: values[-1] for key, values in unit["Service"].items()}
    assert service["User"] == "kluis"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "RestrictSUIDSGID": "yes",
        "CapabilityBoundingSet": "",
        "UMask": "0077",
        "StateDirectoryMode": "0700",
    }.items():
        assert service.get(key) == value, f"{name}: {key}"
    assert service["ExecStart"].startswith("/opt/kluis/bin/kluis ")
    assert any("KLUIS_MASTER_KEY_FILE=%d/" in v for v in unit["Service"]["Environment"])


def test_web_and_worker_start_after_the_one_migration() -> None:
    assert _unit("kluis-migrate.service")["Service"]["Type"] == ["oneshot"]
    assert "init" in _unit("kluis-migrate.service")["Service"]["ExecStart"][0]
    for name, command in (("kluis-web.service", "serve"), ("kluis-worker.service", "worker")):
        unit = _unit(name)
        assert unit["Unit"]["Requires"] == ["kluis-migrate.service"]
        assert "kluis-migrate.service" in unit["Unit"]["After"][0]
        assert unit["Service"]["ExecStart"][0].split()[1] == command
        assert int(unit["Service"]["TimeoutStopSec"][0].rstrip("s")) >= 15


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units_and_rates_them_well_protected(tmp_path: Path) -> None:
    kluis = shutil.which("kluis") or "/bin/true"
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text().replace("/opt/kluis/bin/kluis", kluis)
        (tmp_path / name).write_text(text)
    paths = [str(tmp_path / name) for name in UNITS]
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *paths],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (verified.returncode, verified.stdout + verified.stderr) == (0, "")
    for path in paths[1:]:
        rated = subprocess.run(
            ["systemd-analyze", "security", "--offline=yes", path],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", rated.stdout)
        assert found, rated.stdout + rated.stderr
        assert float(found.group(1)) <= 2.0, rated.stdout


def test_caddy_proxies_to_the_web_replicas_hides_metrics_and_keeps_no_access_log() -> None:
    text = (DEPLOY / "Caddyfile").read_text()
    directives = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    assert "reverse_proxy {" in directives
    assert "name web" in directives
    assert "port 8000" in directives
    assert "@metrics path /metrics" in directives
    assert "respond @metrics 404" in directives
    assert not any(d == "log" or d.startswith("log ") for d in directives)


def test_the_app_trusts_exactly_the_network_the_proxy_is_on(compose: dict[str, Any]) -> None:
    [subnet] = [c["subnet"] for c in compose["networks"]["backend"]["ipam"]["config"]]
    assert compose["services"]["caddy"]["networks"] == ["backend"]
    for name in ("web", "worker", "migrate"):
        service = compose["services"][name]
        assert service["environment"]["KLUIS_TRUSTED_PROXIES"] == subnet, name
