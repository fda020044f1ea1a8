"""The import contract of liqbt, checked over the ast import graph (STYLE.md section 9).

Every ``import`` / ``from ... import`` statement counts, at module level or inside a
function, except those under ``if TYPE_CHECKING:`` (annotations only: they never run,
so they neither form a circle nor pull a higher layer in at run time; they are still
held to the layer order). The graph is read from source files, not from a running
interpreter, so the checker can run on a temporary copy of the package with one import
added (tests/test_layers.py proves it fails then).

The rules
---------
- kernels (``*/nb.py``, ``*/nb/*.py``, ``*_nb.py``, ``*/enums.py``) import only numpy, numba, the
  standard library's typing helpers and other kernels;
- the layers below point one way: a module imports only its own layer or lower ones,
  and siblings (the prefixes of one entry of ``LAYERS``) do not import each other;
- nothing in ``liqbt`` imports the example strategies (``strategies``,
  ``liqbt_strategies``), and the examples use no kernel, as a user's strategy would not;
- no circle between modules;
- no name with a leading underscore is imported from another module, and a private
  module (``_validate.py``) is imported only inside its own package.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

LAYERS: tuple[tuple[str, ...], ...] = (
    # low to high; a module belongs to the longest prefix that names it
    # liqbt.lazy: the subpackages' lazy exports; liqbt.progress: the stage lines every layer may report
    ("liqbt.errors", "liqbt._version", "liqbt.lazy", "liqbt.progress"),
    # the config primitives every section model stands on: frozen base, safe file and YAML reading
    ("liqbt.config.files",),
    ("liqbt.config.base", "liqbt.config.yaml_io"),
    ("liqbt.data",),
    ("liqbt.margin",),
    ("liqbt.heatmap",),
    ("liqbt.backtest", "liqbt.zones", "liqbt.calibration"),
    ("liqbt.strategy",),
    ("liqbt.evaluation",),
    # presentation: HTML primitives and run pages, then figures (heatmap_html uses report.html);
    # the computing layers below return data and never draw
    ("liqbt.report",),
    ("liqbt.plots",),
    # research's section models (sweep:, evaluation:) sit beside the other sections' models, below
    # the experiment config that assembles them all
    ("liqbt.research.config",),
    # the experiment config: liqbt.config.experiment assembles the section models that live beside
    # their code (data.config, heatmap.model, backtest.config, calibration.config, strategy.config,
    # research.config), so it sits above every one of them and below whatever runs a whole experiment
    ("liqbt.config",),
    ("liqbt.research",),
    ("liqbt.pipeline",),
    # the background compile of a cold run's later kernels: runs the strategy and backtest on a small market
    ("liqbt.precompile",),
    # several symbols as one job: runs the pipeline once per symbol
    ("liqbt.jobs",),
    ("liqbt.cli",),
    ("liqbt.__main__",),
    ("=liqbt",),  # the facade (the package itself, "=": this module only) re-exports from every layer
)

KERNEL_IMPORTS = frozenset({"__future__", "numpy", "numba", "typing", "enum", "math"})
EXAMPLES = frozenset({"strategies", "liqbt_strategies"})


@dataclass(frozen=True)
class Edge:
    """One import statement: ``source`` imports ``target`` (``names`` from it) at ``line``."""

    source: str
    target: str
    names: tuple[str, ...]
    line: int
    type_checking: bool


def module_name(root: Path, path: Path, package: str) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([package, *parts])


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def read_graph(root: Path, package: str) -> dict[str, list[Edge]]:
    """Every module under ``root`` (the package folder, imported as ``package``) and its imports.

    ``from .x import y`` resolves to ``pkg.x.y`` when that is a module, else to ``pkg.x``.
    """
    files = {module_name(root, p, package): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, list[Edge]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        guarded = _type_checking_lines(tree)
        base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        edges = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    edges.append(Edge(module, alias.name, (), node.lineno, node.lineno in guarded))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parent = base[: len(base) - node.level + 1]
                    target = ".".join(parent + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                names = tuple(a.name for a in node.names)
                submodules = [n for n in names if f"{target}.{n}" in files]
                for name in submodules:
                    edges.append(Edge(module, f"{target}.{name}", (), node.lineno, node.lineno in guarded))
                rest = tuple(n for n in names if n not in submodules)
                if rest or not submodules:
                    edges.append(Edge(module, target, rest, node.lineno, node.lineno in guarded))
        graph[module] = edges
    return graph


def layer_of(module: str, layers=LAYERS) -> tuple[int, str] | None:
    """``(level, prefix)`` of the longest layer prefix naming ``module`` (``=name``: that module only)."""
    best = None
    for level, prefixes in enumerate(layers):
        for entry in prefixes:
            prefix = entry.lstrip("=")
            named = module == prefix or (not entry.startswith("=") and module.startswith(prefix + "."))
            if named and (best is None or len(prefix) > len(best[1])):
                best = (level, prefix)
    return best


def is_kernel(module: str) -> bool:
    """``*.nb``, ``*.enums``, ``*_nb`` and every module inside an ``nb`` package (``heatmap.nb.run``)."""
    parts = module.split(".")
    return parts[-1] in ("nb", "enums") or parts[-1].endswith("_nb") or "nb" in parts[:-1]


def _internal(graph, edge: Edge) -> str | None:
    """The module of the graph an edge reaches (a name's package counts), or None if external."""
    target = edge.target
    while target and target not in graph:
        target = target.rpartition(".")[0]
    return target or None


def layer_violations(graph, layers=LAYERS) -> list[str]:
    out = [f"{module}: in no layer; add it to LAYERS" for module in graph if layer_of(module, layers) is None]
    for module, edges in graph.items():
        mine = layer_of(module, layers)
        for edge in edges:
            target = _internal(graph, edge)
            theirs = layer_of(target, layers) if target else None
            if mine is None or theirs is None or mine[1] == theirs[1]:
                continue
            if theirs[0] > mine[0]:
                out.append(f"{module} -> {target} (line {edge.line}): "
                           f"layer {mine[1]} imports the higher layer {theirs[1]}")
            elif theirs[0] == mine[0]:
                out.append(f"{module} -> {target} (line {edge.line}): "
                           f"siblings {mine[1]} and {theirs[1]} are independent")
    return out


def kernel_violations(graph) -> list[str]:
    out = []
    for module, edges in graph.items():
        if not is_kernel(module):
            continue
        for edge in edges:
            target = _internal(graph, edge)
            if target is not None:
                if not is_kernel(target):
                    out.append(f"{module} -> {target} (line {edge.line}): a kernel imports a non-kernel module")
            elif edge.target.split(".")[0] not in KERNEL_IMPORTS:
                out.append(f"{module} -> {edge.target} (line {edge.line}): a kernel imports only "
                           f"{sorted(KERNEL_IMPORTS)} and other kernels")
    return out


def example_violations(graph, package: str = "liqbt") -> list[str]:
    """The library imports no example strategy; an example imports no kernel."""
    out = []
    for module, edges in graph.items():
        for edge in edges:
            root = edge.target.split(".")[0]
            if module.split(".")[0] == package and root in EXAMPLES:
                out.append(f"{module} -> {edge.target} (line {edge.line}): the library imports its examples")
            if module.split(".")[0] in EXAMPLES and root == package and is_kernel(edge.target):
                out.append(f"{module} -> {edge.target} (line {edge.line}): an example strategy imports a kernel")
    return out


def private_violations(graph) -> list[str]:
    out = []
    for module, edges in graph.items():
        for edge in edges:
            target = _internal(graph, edge)
            if target is None or target == module:
                continue
            private = [n for n in edge.names if n.startswith("_") and not n.startswith("__")]
            if private:
                out.append(f"{module} -> {target} (line {edge.line}): imports private {', '.join(private)}")
            parts = target.split(".")
            for i, part in enumerate(parts):
                if part.startswith("_") and not part.startswith("__") and i > 0:
                    owner = ".".join(parts[:i])
                    if not (module == owner or module.startswith(owner + ".")):
                        out.append(f"{module} -> {target} (line {edge.line}): "
                                   f"private module outside its package {owner}")
    return out


def cycles(graph) -> list[list[str]]:
    """Circles of run-time imports (strongly connected components of two or more modules,
    or a module importing itself), each as a sorted list of modules."""
    succ = {m: sorted({t for e in edges if not e.type_checking and (t := _internal(graph, e)) and t != m})
            for m, edges in graph.items()}
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v):  # Tarjan, iterative over successors to stay clear of the recursion limit
        work = [(v, iter(succ[v]))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ[w])))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for v in succ:
        if v not in index:
            strongconnect(v)
    return sorted(found)


def check(liqbt_root: Path, examples_root: Path | None = None) -> dict[str, list]:
    """Every rule's violations for the package at ``liqbt_root`` (and the examples, as ``liqbt_strategies``)."""
    graph = read_graph(liqbt_root, "liqbt")
    both = dict(graph)
    if examples_root is not None:
        both.update(read_graph(examples_root, "liqbt_strategies"))
    return {
        "kernels": kernel_violations(graph),
        "layers": layer_violations(graph),
        "examples": example_violations(both),
        "cycles": [" <-> ".join(c) for c in cycles(both)],
        "private": private_violations(both),
    }
