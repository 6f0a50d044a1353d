"""The house's layers, read from the code's own imports (README, "Code layout").

From the bottom up: the shared floor ``civicsite.core``, the apps ``candidates`` and
``articles``, and the site that composes them (the rest of ``civicsite``). A module may import
from its own layer and the layers below it, never from one above: the floor knows no app, the
candidates app knows nothing of articles, and no app imports the site. And no module imports
itself round a circle, not even through an import inside a function.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Bottom first. A module belongs to the first layer whose name prefixes it, longest first.
LAYERS = ["civicsite.core", "candidates", "articles", "civicsite"]
PACKAGES = ["civicsite", "candidates", "articles"]


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(tree, module, modules):
    """Every project module named by an import anywhere in ``tree``, top level or inside a
    function. ``from a import b`` names the module ``a.b`` when there is one, else ``a``."""
    package = module if module.endswith(".__init__") else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                # "from civicsite.core import pagecache" imports the module civicsite.core.pagecache
                name = f"{base}.{alias.name}"
                yield name if name in modules else base


def project_imports():
    """{module: {project modules it imports}} for every source file of the three packages."""
    sources = {
        module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }
    graph = {}
    for module, path in sources.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[module] = {
            name
            for name in imported_names(tree, module, sources)
            if name in sources and name != module
        }
    return graph


def layer_of(module):
    for index, layer in sorted(enumerate(LAYERS), key=lambda item: -len(item[1])):
        if module == layer or module.startswith(layer + "."):
            return index
    raise ValueError(f"{module} is in no layer")


def upward_imports(graph):
    """(importer, imported) pairs where a module imports from a layer above its own."""
    return sorted(
        (module, name)
        for module, names in graph.items()
        for name in names
        if layer_of(name) > layer_of(module)
    )


def import_cycles(graph):
    """The strongly connected groups of two or more modules (Tarjan's algorithm)."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for name in graph.get(module, ()):
            if name not in index:
                visit(name)
                low[module] = min(low[module], low[name])
            elif name in on_stack:
                low[module] = min(low[module], index[name])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_imports_from_a_layer_above_its_own():
    assert upward_imports(project_imports()) == []


def test_no_import_cycle_anywhere_in_the_project():
    assert import_cycles(project_imports()) == []


def test_the_floor_and_the_apps_are_read_from_the_real_tree():
    """Guards the two tests above against walking an empty or wrong tree."""
    graph = project_imports()
    assert "civicsite.core.pagecache" in graph
    assert "civicsite.core.pagecache" in graph["articles.services"]
    assert "candidates.models" in graph["articles.models"]


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"civicsite.core.uploads": {"articles.models"}, "articles.models": set()}, True),
        ({"candidates.views": {"articles.models"}, "articles.models": set()}, True),
        ({"articles.views": {"civicsite.views"}, "civicsite.views": set()}, True),
        (
            {"civicsite.views": {"articles.models"}, "articles.models": {"civicsite.core.seo"}},
            False,
        ),
    ],
)
def test_an_upward_import_is_found(graph, expected):
    assert bool(upward_imports(graph)) is expected


def test_a_cycle_through_a_function_level_import_is_found():
    source = "def save():\n    from articles.comments import render\n"
    tree = ast.parse(source)
    names = set(imported_names(tree, "articles.models", {"articles.comments"}))
    graph = {
        "articles.models": names & {"articles.comments"},
        "articles.comments": {"articles.models"},
    }
    assert import_cycles(graph) == [["articles.comments", "articles.models"]]
