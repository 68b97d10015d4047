"""The container files can't run on every machine (no Docker engine here), so their structure is
checked instead: docker-compose.yml wires every service the same way and matches services/, and
the Dockerfile builds a non-root image that can render PDFs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

INFRASTRUCTURE = {"rabbitmq", "postgres", "mailcatcher", "redis", "migrate"}
PORTS = {
    "gateway": 8000,
    "registration": 8001,
    "activities": 8002,
    "approvals": 8003,
    "ceremony": 8004,
    "certificates": 8005,
    "notifications": 8006,
}
SERVICE_ENVIRONMENT = {
    "AMQP_URI",
    "CIM_ENV",
    "CIM_PUBLIC_BASE_URL",
    "SMTP_HOST",
    "SMTP_PORT",
    "CIM_MAIL_FROM",
    "CIM_DATA_DIR",
    "WEB_SERVER_ADDRESS",
}
WEASYPRINT_PACKAGES = {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "fonts-dejavu-core"}


# --- helpers --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    with COMPOSE.open() as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def containers(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def app_services(containers):
    """The CIM service containers: everything that is not infrastructure or the migrate step."""
    return {name: spec for name, spec in containers.items() if name not in INFRASTRUCTURE}


def service_folders() -> set[str]:
    return {path.parent.name for path in (ROOT / "services").glob("*/service.py")}


def as_argv(command) -> list[str]:
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def environment(spec) -> dict[str, str]:
    env = spec.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: None if value is None else str(value) for key, value in env.items()}


def healthcheck_argv(spec) -> list[str]:
    check = spec.get("healthcheck") or {}
    if check.get("disable"):
        return []
    test = check.get("test")
    argv = as_argv(test)
    if argv[:1] in (["CMD"], ["CMD-SHELL"]):
        argv = argv[1:]
    return [] if argv == ["NONE"] else argv


def healthcheck_port(spec) -> int:
    match = re.search(r"(?:127\.0\.0\.1|localhost):(\d+)/health\b", " ".join(healthcheck_argv(spec)))
    assert match, f"healthcheck does not GET /health: {healthcheck_argv(spec)}"
    return int(match.group(1))


def published(spec) -> set[tuple[int, int]]:
    """(published port, container port) pairs of a compose service, short or long syntax."""
    pairs = set()
    for entry in spec.get("ports") or []:
        if isinstance(entry, dict):
            if entry.get("published") is not None:
                pairs.add((int(entry["published"]), int(entry["target"])))
            continue
        parts = str(entry).split("/")[0].split(":")
        if len(parts) >= 2:
            pairs.add((int(parts[-2]), int(parts[-1])))
    return pairs


def depends_conditions(spec) -> dict[str, str]:
    depends = spec.get("depends_on") or {}
    if isinstance(depends, list):  # short syntax means "started", never healthy/completed
        return {name: "service_started" for name in depends}
    return {name: (value or {}).get("condition", "service_started") for name, value in depends.items()}


# --- docker-compose.yml ---------------------------------------------------------------------------


def test_compose_declares_the_infrastructure_the_migrate_step_and_all_eight_services(containers):
    missing = (INFRASTRUCTURE | set(PORTS)) - set(containers)
    assert not missing, f"missing from docker-compose.yml: {sorted(missing)}"


def test_compose_services_are_exactly_the_service_folders_with_a_service_module(app_services):
    assert set(app_services) == service_folders()


def test_every_long_running_container_has_a_healthcheck(containers):
    without = [name for name, spec in containers.items() if name != "migrate" and not healthcheck_argv(spec)]
    assert not without, f"no healthcheck: {without}"


def test_every_service_waits_for_a_healthy_broker_and_database_and_a_completed_migration(app_services):
    expected = {
        "rabbitmq": "service_healthy",
        "postgres": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    for name, spec in app_services.items():
        conditions = depends_conditions(spec)
        assert {key: conditions.get(key) for key in expected} == expected, name


def service_path(name: str) -> str:
    """`module:Class`: the module also imports mixins nameko would otherwise try to run."""
    from shared.topology import service_class

    return f"services.{name}.service:{service_class(name).__name__}"


def test_each_service_runs_its_own_nameko_module_with_the_config_file(app_services):
    for name, spec in app_services.items():
        argv = as_argv(spec.get("command"))
        assert argv[:3] == ["nameko", "run", service_path(name)], (name, argv)
        assert "--config" in argv and argv[argv.index("--config") + 1] == "config.yaml", (name, argv)


def test_each_service_listens_on_its_port_and_its_healthcheck_asks_that_port(app_services):
    for name, spec in app_services.items():
        address = environment(spec).get("WEB_SERVER_ADDRESS") or ""
        host, _, port = address.rpartition(":")
        assert host == "0.0.0.0", (name, address)
        assert port.isdigit() and healthcheck_port(spec) == int(port), (name, address)
        if name in PORTS:
            assert int(port) == PORTS[name], (name, address)


def test_service_healthchecks_use_python_urllib_since_the_image_has_no_curl(app_services):
    for name, spec in app_services.items():
        argv = healthcheck_argv(spec)
        assert argv[:2] == ["python", "-c"] and "urllib.request" in argv[2], (name, argv)


def test_the_gateway_is_published_on_8000(containers):
    assert (8000, 8000) in published(containers["gateway"])


def test_only_the_gateway_is_published_among_the_services(app_services):
    assert {name for name, spec in app_services.items() if published(spec)} == {"gateway"}


def test_rabbitmq_is_a_management_image_with_amqp_and_management_ports(containers):
    rabbitmq = containers["rabbitmq"]
    repository, _, tag = rabbitmq["image"].partition(":")
    assert repository == "rabbitmq" and "management" in tag, rabbitmq["image"]
    assert {(5672, 5672), (15672, 15672)} <= published(rabbitmq)
    assert healthcheck_argv(rabbitmq) == ["rabbitmq-diagnostics", "-q", "ping"]


def test_postgres_healthcheck_uses_pg_isready_as_the_cim_user(containers):
    argv = healthcheck_argv(containers["postgres"])
    assert argv[:1] == ["pg_isready"] and "cim" in argv
    env = environment(containers["postgres"])
    assert env.get("POSTGRES_USER") == "cim" and env.get("POSTGRES_PASSWORD") == "cim"
    assert any(":/var/lib/postgresql/data" in str(volume) for volume in containers["postgres"].get("volumes") or [])


def test_mailcatcher_is_mailpit_with_a_readiness_healthcheck(containers):
    mailcatcher = containers["mailcatcher"]
    assert mailcatcher["image"].split(":")[0] == "axllent/mailpit"
    assert healthcheck_argv(mailcatcher) == ["/mailpit", "readyz"]
    assert (8025, 8025) in published(mailcatcher)


def test_redis_holds_the_rate_limits_unpublished_and_the_gateway_waits_for_it(containers):
    redis = containers["redis"]
    assert redis["image"].split(":")[0] == "redis"
    assert healthcheck_argv(redis) == ["redis-cli", "ping"]
    assert not published(redis)
    gateway = containers["gateway"]
    assert depends_conditions(gateway).get("redis") == "service_healthy"
    url = urlparse(environment(gateway).get("REDIS_URL") or "")
    assert (url.scheme, url.hostname, url.port) == ("redis", "redis", 6379)


def test_migrate_runs_once_after_the_broker_and_database_are_healthy(containers):
    migrate = containers["migrate"]
    assert as_argv(migrate.get("command")) == ["cim", "migrate"]
    assert depends_conditions(migrate) == {"rabbitmq": "service_healthy", "postgres": "service_healthy"}
    # A restart policy that restarts a clean exit would run it forever: never "completed".
    assert migrate.get("restart", "no") in ("no", "on-failure")


def test_migrate_and_every_service_use_the_one_image_built_from_the_repository(compose, containers, app_services):
    shared = compose["x-service"]
    assert shared["build"]["context"] == "."
    for name in ["migrate", *app_services]:
        spec = containers[name]
        assert spec.get("image") == shared["image"] and spec.get("build") == shared["build"], name
        assert spec.get("restart") == ("no" if name == "migrate" else "unless-stopped"), name


def test_every_service_gets_the_settings_it_reads_in_development(app_services):
    for name, spec in app_services.items():
        env = environment(spec)
        missing = SERVICE_ENVIRONMENT - {key for key, value in env.items() if value}
        assert not missing, (name, sorted(missing))
        assert env["CIM_ENV"] == "development", name


def test_connection_settings_point_at_the_compose_containers(containers):
    for name in ["migrate", *[n for n in containers if n not in INFRASTRUCTURE]]:
        env = environment(containers[name])
        assert urlparse(env["AMQP_URI"]).hostname == "rabbitmq", name
        assert env["SMTP_HOST"] == "mailcatcher" and env["SMTP_PORT"] == "1025", name
        if env.get("DATABASE_URL"):
            assert urlparse(env["DATABASE_URL"]).hostname == "postgres", name


def test_each_service_with_a_database_gets_its_own_and_the_gateway_none(app_services):
    for name, spec in app_services.items():
        url = environment(spec).get("DATABASE_URL")
        if name == "gateway":
            assert url is None
        else:
            assert url and urlparse(url.replace("{service}", name)).path == f"/cim_{name}", (name, url)


def test_migrate_gets_the_per_service_database_url_template(containers):
    url = environment(containers["migrate"]).get("DATABASE_URL") or ""
    assert "{service}" in url and urlparse(url).hostname == "postgres"


def test_postgres_init_script_creates_exactly_the_service_databases(containers, app_services):
    mounts = [str(volume).split(":") for volume in containers["postgres"].get("volumes") or []]
    scripts = [ROOT / source for source, target, *_ in mounts if target.startswith("/docker-entrypoint-initdb.d/")]
    assert len(scripts) == 1 and scripts[0].is_file(), mounts
    created = set(re.findall(r"CREATE\s+DATABASE\s+\"?(\w+)\"?", scripts[0].read_text(), re.I))
    with_database = {f"cim_{name}" for name, spec in app_services.items() if environment(spec).get("DATABASE_URL")}
    assert created == with_database


# --- Dockerfile -----------------------------------------------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    result, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        if full:
            keyword, _, rest = full.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


@pytest.fixture(scope="module")
def dockerfile():
    return instructions(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def final_stage(dockerfile):
    last_from = max(i for i, (keyword, _) in enumerate(dockerfile) if keyword == "FROM")
    return dockerfile[last_from:]


def global_args(dockerfile) -> dict[str, str]:
    args = {}
    for keyword, rest in dockerfile:
        if keyword == "FROM":
            break
        if keyword == "ARG" and "=" in rest:
            name, _, value = rest.partition("=")
            args[name.strip()] = value.strip().strip('"')
    return args


def apt_installed(stage) -> set[str]:
    packages = set()
    for keyword, rest in stage:
        if keyword != "RUN":
            continue
        for command in re.split(r"&&|;", rest):
            words = command.split()
            if words[:2] in (["apt-get", "install"], ["apt", "install"]):
                packages |= {word for word in words[2:] if not word.startswith("-")}
    return packages


def test_the_runtime_image_is_python_3_11_slim(dockerfile, final_stage):
    base = final_stage[0][1].split()[0]
    for name, value in global_args(dockerfile).items():
        base = base.replace("${%s}" % name, value).replace("$" + name, value)
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base), base


def test_the_runtime_image_installs_the_weasyprint_system_libraries(final_stage):
    assert WEASYPRINT_PACKAGES <= apt_installed(final_stage)


def test_the_runtime_image_installs_no_build_tools(final_stage):
    tools = {"build-essential", "gcc", "g++", "make", "git", "libpq-dev", "python3-dev"}
    assert not tools & apt_installed(final_stage)
    for keyword, rest in final_stage:
        if keyword == "RUN" and "apt-get install" in rest:
            assert "--no-install-recommends" in rest


def test_the_project_is_installed_with_pip_from_its_pyproject_without_test_extras(dockerfile):
    installs = [rest for keyword, rest in dockerfile if keyword == "RUN" and "pip install" in rest]
    assert any(re.search(r"pip install( -\S+)* \.(\s|$)", rest) for rest in installs), installs
    assert not any("[test]" in rest or "pytest" in rest for rest in installs)
    assert any(keyword == "COPY" and "pyproject.toml" in rest for keyword, rest in dockerfile)


def test_the_image_runs_as_a_non_root_user_that_it_creates(final_stage):
    users = [rest.split(":")[0] for keyword, rest in final_stage if keyword == "USER"]
    assert users, "no USER in the runtime stage"
    user = users[-1]
    assert user not in ("root", "0")
    if not user.isdigit():
        created = " ".join(rest for keyword, rest in final_stage if keyword == "RUN")
        assert re.search(rf"(useradd|adduser)\b[^&;]*\s{re.escape(user)}(\s|$)", created), user


def test_the_config_file_sits_in_the_working_directory_the_commands_run_in(final_stage):
    workdirs = [rest for keyword, rest in final_stage if keyword == "WORKDIR"]
    assert workdirs
    workdir = workdirs[-1].rstrip("/")
    copies = [rest.split() for keyword, rest in final_stage if keyword == "COPY"]
    destinations = {parts[-1].rstrip("/") for parts in copies if "config.yaml" in parts[:-1]}
    assert destinations & {f"{workdir}/config.yaml", "./config.yaml", "config.yaml", ".", workdir}


def test_the_default_command_prints_usage_instead_of_starting_a_service(final_stage):
    commands = [rest for keyword, rest in final_stage if keyword == "CMD"]
    assert commands
    assert "cim migrate" in commands[-1] and "nameko run" in commands[-1]
    assert "echo" in commands[-1] or "print" in commands[-1]


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    patterns = {
        line.strip().removeprefix("**/").rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", ".git", "__pycache__", "test-artifacts"} <= patterns
