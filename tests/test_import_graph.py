"""The import graph, read by grimp (what import-linter is built on) from the source: nothing imports
in a circle, `leadmonk/` imports no app except through its URL map, and every module of
`leadmonk/` sits in a layer of `.importlinter`, so `lint-imports` checks it (README: "Map of the
code"). Function-level imports count: a lazy import that dodges a circle is still a circle."""
import configparser
import graphlib
import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "scheduling", "packages", "orders", "payments", "notifications", "teams")
PACKAGES = ("leadmonk", *APPS, "tests", "bench")
URL_MAP = ("leadmonk.urls", "leadmonk.public_urls")

# Imports left out of the circle check, each with the change that removes it. The test fails when
# one is gone, so the list never outlives its reason.
KNOWN_CIRCLES: set[tuple[str, str]] = set()


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def imports(graph) -> dict[str, set[str]]:
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}


def is_test_module(module: str) -> bool:
    return module == "tests" or module.startswith("tests.") or ".tests" in module


def room(module: str) -> str:
    """The unit a circle is counted between: an app, bench, tests, or one module of leadmonk/."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "leadmonk" else parts[0]


def cycle_in(edges: dict[str, set[str]]) -> list[str] | None:
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as error:
        return error.args[1]
    return None


def test_no_module_imports_itself_round_a_circle(graph):
    edges = imports(graph)
    for importer, imported in KNOWN_CIRCLES:
        assert imported in edges[importer], f"{importer} -> {imported} is gone: remove it from KNOWN_CIRCLES"
        edges[importer] = edges[importer] - {imported}
    circle = cycle_in(edges)
    assert circle is None, " -> ".join(circle)


def test_no_circle_between_the_apps_and_the_modules_of_leadmonk(graph):
    # Tests may reach any app (they build the world the code lives in); the code itself may not.
    rooms: dict[str, set[str]] = {}
    for importer, imported_modules in imports(graph).items():
        if is_test_module(importer):
            continue
        rooms.setdefault(room(importer), set()).update(
            room(imported) for imported in imported_modules
            if not is_test_module(imported) and room(imported) != room(importer)
        )
    circle = cycle_in(rooms)
    assert circle is None, " -> ".join(circle)


def test_leadmonk_imports_the_apps_only_in_its_url_map(graph):
    upward = sorted(
        (importer, imported)
        for importer in graph.find_descendants("leadmonk") if not is_test_module(importer)
        for imported in graph.find_modules_directly_imported_by(importer) if imported.split(".")[0] in APPS
    )
    assert upward and {importer for importer, _ in upward} <= set(URL_MAP), upward


def test_every_module_of_leadmonk_is_in_a_layer(graph):
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layered = set(re.findall(r"[\w.]+", config["importlinter:contract:layers"]["layers"]))
    modules = {module for module in graph.find_descendants("leadmonk") if not is_test_module(module)}
    outside = sorted(module for module in modules
                     if not any(module == name or module.startswith(name + ".") for name in layered))
    assert outside == [], "add these to a layer of .importlinter (helpers that apps import: the bottom one)"


def test_every_app_with_tests_is_in_the_suites_testpaths():
    """A new app's tests run in `make test` only if pytest.ini's testpaths names it (promotions'
    did not, once, and nothing said so)."""
    import configparser
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    config = configparser.ConfigParser()
    config.read(root / "pytest.ini")
    testpaths = set(config["pytest"]["testpaths"].split())
    with_tests = {path.parent.parent.name for path in root.glob("*/tests/__init__.py")} | {"tests"}
    assert with_tests - testpaths == set()
