"""The shape the design asks for, kept by tests: pure domains, no service importing another."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "service.py").exists())
FRAMEWORKS = (
    "nameko",
    "sqlalchemy",
    "marshmallow",
    "weasyprint",
    "kombu",
    "eventlet",
    "alembic",
    "werkzeug",
    "jwt",
    "requests",
    "pg8000",
)


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_all_eight_services_exist():
    assert SERVICES == [
        "activities",
        "approvals",
        "campus",
        "ceremony",
        "certificates",
        "gateway",
        "notifications",
        "registration",
    ]


# The plain-Python parts of shared/ a domain may use: the errors and the permission vocabulary.
PLAIN_SHARED = ("shared.errors", "shared.permissions")
# Services that own rules; the gateway owns no data and keeps its HTTP rules beside its routes.
DOMAIN_SERVICES = [s for s in SERVICES if s != "gateway"]


@pytest.mark.parametrize("service", DOMAIN_SERVICES)
def test_domain_packages_import_no_framework(service):
    domain = ROOT / "services" / service / "domain"
    assert (domain / "__init__.py").exists(), f"{service} has no domain package"
    for path in domain.rglob("*.py"):
        for module in _imports(path):
            top = module.split(".")[0]
            assert top not in FRAMEWORKS, f"{path.relative_to(ROOT)} imports {module}"
            if top == "shared":
                assert module in PLAIN_SHARED, f"{path.relative_to(ROOT)} imports {module}"


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service):
    for path in (ROOT / "services" / service).rglob("*.py"):
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] == "services" and len(parts) > 1:
                assert parts[1] == service, f"{path.relative_to(ROOT)} imports {module}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_folder_has_the_same_shape(service):
    folder = ROOT / "services" / service
    expected = {"__init__.py", "service.py"}
    if service != "gateway":  # the gateway owns no data: no domain, no tables, no migrations
        expected |= {"domain", "orm.py", "handlers", "migrations"}
    # use cases: one module, or a package of modules named by use once it grows
    present = {p.name.removesuffix(".py") if p.name == "handlers.py" else p.name for p in folder.iterdir()}
    assert expected <= present, f"{service} lacks {expected - present}"
    if service != "gateway":
        assert list((folder / "migrations" / "versions").glob("0001_*.py"))


def test_settings_are_not_read_at_import_time():
    """No module-level call of load_settings (config is read when a dependency starts)."""
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "shared").rglob("*.py")]:
        tree = ast.parse(path.read_text())
        for node in tree.body:
            for call in ast.walk(node):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    break
                if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "load_settings":
                    raise AssertionError(f"{path.relative_to(ROOT)} reads settings at import")


def test_the_plain_shared_modules_import_no_framework():
    for module in PLAIN_SHARED:
        path = ROOT / (module.replace(".", "/") + ".py")
        for imported in _imports(path):
            assert imported.split(".")[0] not in FRAMEWORKS, f"{module} imports {imported}"
            if imported.split(".")[0] == "shared":
                assert imported in PLAIN_SHARED, f"{module} imports {imported}"


EVENT_TYPE_LITERAL = re.compile(r"[\"'][a-z_]+\.[a-z_]+\.v\d+[\"']")
MAX_MODULE_LINES = 400


def _code_modules(*tops: str):
    for top in tops:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_event_types_are_named_by_their_constants_outside_the_catalogue():
    """`grep ACTIVITY_APPROVED` finds the producer and every consumer; a literal would hide one."""
    catalogue = ROOT / "shared" / "events" / "catalogue.py"
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _code_modules("services", "shared", "cim")
        if path != catalogue
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if EVENT_TYPE_LITERAL.search(line)
    ]
    assert found == [], f"use the constants of shared/events/catalogue.py: {found}"


def test_no_module_is_too_long_to_hold_in_mind():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _code_modules("services", "shared", "cim")
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"split these modules (at most {MAX_MODULE_LINES} lines): {long}"
