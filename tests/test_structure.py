"""How the modules depend on each other: no import circle, scripts imported only for what the
design card shares, and no heavy library loaded where it is not used."""
import ast
import os
import subprocess
import sys

import pytest

from helpers import REPO_ROOT

MODULES = sorted(name[:-3] for name in os.listdir(REPO_ROOT) if name.endswith(".py"))
SCRIPTS = {"train", "draw", "visualize", "teach"}
# (importer, script): draw.py's path from a picture to the network's input serves visualize.py;
# the window uses the teaching module.
SHARED_FROM_SCRIPTS = {("visualize", "draw"), ("draw", "teach")}


def project_imports(module):
    """The repository's own modules that `module` imports, anywhere in its file (functions included)."""
    with open(os.path.join(REPO_ROOT, f"{module}.py"), encoding="utf-8") as stream:
        tree = ast.parse(stream.read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names & set(MODULES)


def test_no_two_modules_import_each_other_directly_or_in_a_circle():
    graph = {module: project_imports(module) for module in MODULES}

    def reaches(start, goal, seen=()):
        return any(next_ == goal or (next_ not in seen and reaches(next_, goal, (*seen, next_)))
                   for next_ in graph[start])

    assert [module for module in MODULES if reaches(module, module)] == []


def test_a_script_is_imported_only_for_the_function_the_design_card_shares():
    imported = {(module, script) for module in MODULES for script in project_imports(module) & SCRIPTS}
    assert imported <= SHARED_FROM_SCRIPTS


@pytest.mark.parametrize("module, absent", [("draw", "pygame"), ("plots", "pyvis"), ("plots", "networkx"),
                                            ("train", "scipy")])
def test_importing_a_module_does_not_load_a_library_it_does_not_need(module, absent):
    code = f"import sys, {module}; print({absent!r} in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False"]
