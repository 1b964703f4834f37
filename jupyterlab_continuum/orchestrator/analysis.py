"""Dependency inference between notebook cells (``POST /analyze``, DESIGN §3.4).

Each cell is parsed with :mod:`ast` after IPython's input transformation and walked once to
find the names it binds at top level (``defines``) and the free names it reads (``uses``).
Across the notebook, every name a node uses is linked to the latest earlier node defining it
(``edges``); names that only an untagged cell, or only a later node, defines are ``problems``.

Choices worth knowing:

- A function body runs when the function is called, in that cell or later, so the globals it
  reads are uses of the cell defining it, unless that cell binds them itself at top level.
- Straight-line code is order-sensitive (``x = x + 1`` uses ``x``); branches are not: a name
  bound in any branch of an ``if``/``try`` counts as bound from there on.
- Assigning to an attribute or item (``df["a"] = 1``) or deleting a name both reads the base
  name and redefines it: the cell hands a changed object downstream.
- Setup cells are prepended to every node, so the names they bind satisfy every node wherever
  they sit in the notebook, and never produce edges or problems.
- Builtins are not uses unless an earlier cell rebinds them (``input = load()``), and names
  IPython injects (``display``, ``get_ipython``...) never are.
- The bodies of ``%%time``/``%%capture`` and the statement of ``%time`` run in the user
  namespace, so they are analysed as code; ``{expr}`` and ``$name`` in shell commands and magic
  arguments are reads, as IPython substitutes them from the user namespace.
"""

from __future__ import annotations

import ast
import builtins
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from IPython.core.inputtransformer2 import TransformerManager, ipython_prompt

_BUILTINS = frozenset(dir(builtins))
_IPYTHON_NAMES = frozenset({"get_ipython", "In", "Out", "exit", "quit", "display"})
_ROLES = (None, "node", "setup")
# Magics whose Python code runs in the user namespace, where it binds and reads notebook names.
_CODE_CELL_MAGICS = frozenset({"time", "capture"})
_CODE_LINE_MAGICS = frozenset({"time"})
# IPython's variable expansion: `$$` and `{{` are escapes, `{expr}` and `$name` substitutions.
_VAR_EXPANSION = re.compile(r"\$\$|\{\{|\{([^{}]+)\}|\$([A-Za-z_]\w*)")
# Line breaks as the editor counts them (IPython's transformation also splits on form feeds).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def analyze_cells(cells: list[dict]) -> dict:
    """Per-cell ``defines``/``uses``, inferred ``edges`` between nodes, and ``problems``.

    ``cells`` are in notebook order, each ``{"id", "source", "role"}`` with ``role`` one of
    ``"node"``, ``"setup"`` or ``None`` (untagged). A cell that does not parse gets
    ``error: {line, column, message}`` (1-based, as Python reports them) and no names.
    Raises ``ValueError`` for malformed input.
    """
    _validate(cells)
    ids = [cell["id"] for cell in cells]
    roles = [cell.get("role") for cell in cells]
    facts = [_analyze_source(cell["source"]) for cell in cells]

    setup_names: set[str] = set()
    node_definers: dict[str, list[int]] = {}
    for index, (role, fact) in enumerate(zip(roles, facts, strict=True)):
        if role == "setup":
            setup_names |= fact.defines
        elif role == "node":
            for name in fact.defines:
                node_definers.setdefault(name, []).append(index)

    result_cells, edges, problems = [], [], []
    latest_node: dict[str, int] = {}
    untagged_definers: dict[str, list[int]] = {}
    defined_before: set[str] = set()
    for index, (role, fact) in enumerate(zip(roles, facts, strict=True)):
        uses = sorted(
            name
            for name in fact.uses
            if name not in _BUILTINS or name in defined_before or name in setup_names
        )
        error = fact.error._asdict() if fact.error else None
        result_cells.append(
            {"id": ids[index], "defines": sorted(fact.defines), "uses": uses, "error": error}
        )
        if role == "node":
            sources: dict[int, list[str]] = {}
            issues: dict[tuple[str, tuple[int, ...]], list[str]] = {}
            for name in uses:
                if name in setup_names:
                    continue
                if name in latest_node:
                    sources.setdefault(latest_node[name], []).append(name)
                elif name in untagged_definers:
                    key = ("undefined-upstream", tuple(untagged_definers[name]))
                    issues.setdefault(key, []).append(name)
                else:
                    later = tuple(i for i in node_definers.get(name, ()) if i > index)
                    if later:
                        issues.setdefault(("defined-later", later), []).append(name)
            edges.extend(
                {"source": ids[source], "target": ids[index], "variables": names}
                for source, names in sorted(sources.items())
            )
            problems.extend(
                {
                    "cell_id": ids[index],
                    "code": code,
                    "variables": names,
                    "defined_in": [ids[i] for i in definers],
                    "message": _problem_message(code, names, len(definers)),
                }
                for (code, definers), names in issues.items()
            )
        # Recorded after linking, so a cell never depends on itself.
        defined_before |= fact.defines
        for name in fact.defines:
            if role == "node":
                latest_node[name] = index
            elif role is None:
                untagged_definers.setdefault(name, []).append(index)
    return {"cells": result_cells, "edges": edges, "problems": problems}


def _validate(cells: object) -> None:
    if not isinstance(cells, list):
        raise ValueError("`cells` must be a list of cell objects")
    first_seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise ValueError(f"cells[{index}] must be an object")
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not cell_id:
            raise ValueError(f"cells[{index}].id must be a non-empty string")
        if not isinstance(cell.get("source"), str):
            raise ValueError(f"cells[{index}].source must be a string")
        if cell.get("role") not in _ROLES:
            raise ValueError(f'cells[{index}].role must be "node", "setup" or null')
        if cell_id in first_seen:
            raise ValueError(
                f"duplicate cell id {cell_id!r} (cells[{first_seen[cell_id]}] and cells[{index}])"
            )
        first_seen[cell_id] = index


def _problem_message(code: str, names: list[str], cell_count: int) -> str:
    listed = ", ".join(f"`{name}`" for name in names)
    verb = "is" if len(names) == 1 else "are"
    if code == "undefined-upstream":
        where, which = (
            ("an untagged cell", "that cell")
            if cell_count == 1
            else ("untagged cells", "one of them")
        )
        return f"{listed} {verb} defined only in {where}; tag {which} as a node or a setup cell"
    where = "a later node" if cell_count == 1 else "later nodes"
    return f"{listed} {verb} defined only by {where}; move the defining cell above this one"


class _CellError(NamedTuple):
    line: int
    column: int
    message: str


class _CellFacts(NamedTuple):
    defines: frozenset[str]
    uses: frozenset[str]  # builtins included: whether they count depends on earlier cells
    error: _CellError | None


# Analysis depends on the source alone, and the frontend re-analyses mostly unchanged notebooks.
@lru_cache(maxsize=4096)
def _analyze_source(source: str) -> _CellFacts:
    visitor = _CellVisitor()
    try:
        visitor.visit_source(source, first_line=1)
    except SyntaxError as err:
        line = min(max(err.lineno or 1, 1), len(_LINE_BREAK.split(source)))
        return _CellFacts(frozenset(), frozenset(), _CellError(line, err.offset or 1, err.msg))
    except RecursionError:
        return _CellFacts(
            frozenset(), frozenset(), _CellError(1, 1, "the cell is nested too deeply to analyse")
        )
    defines = visitor.module.names | visitor.global_bound
    uses = visitor.uses | (visitor.deferred - visitor.module.names)
    return _CellFacts(frozenset(defines), frozenset(uses - _IPYTHON_NAMES), None)


def _parse(source: str, first_line: int) -> tuple[ast.Module, int]:
    """The module of ``source`` after IPython's transformation, and its line offset."""
    lines = source.splitlines(keepends=True)
    with warnings.catch_warnings():
        # Warnings about the user's code (`"\d"`, `0xfor`) are not ours to log, nor errors
        # when warnings are turned into errors.
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        # IPython leaves code that parses as Python unchanged, but for pasted `In [1]:`
        # prompts; its tokenize-based transformation is the slowest step here, so skip it.
        if ipython_prompt(lines) is lines:
            try:
                return ast.parse(source), first_line - 1
            except (SyntaxError, ValueError):
                pass
        # IPython drops leading blank lines; count them to report the user's line numbers.
        skipped = next((i for i, line in enumerate(lines) if line and not line.isspace()), 0)
        offset = first_line - 1 + skipped
        try:
            # Transforming raises IndentationError on inconsistent dedents.
            return ast.parse(TransformerManager().transform_cell(source)), offset
        except SyntaxError as err:
            err.lineno = (err.lineno or 1) + offset
            raise
        except Exception as err:  # null bytes on Python 3.10; IPython's own bugs (`x = %\`)
            message = f"cannot parse this cell ({type(err).__name__}: {err})"
            raise SyntaxError(message, (None, first_line, 1, None)) from None


@dataclass
class _Scope:
    kind: str  # "module" | "class" | "function" | "comprehension"
    # Module and class: bound so far (order matters). Function and comprehension: all locals.
    names: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)


class _CellVisitor(ast.NodeVisitor):
    """Walks a cell in evaluation order, resolving every name through Python's scopes."""

    def __init__(self) -> None:
        self.module = _Scope("module")
        self.scopes = [self.module]
        self.function_depth = 0
        self.line_offset = 0
        self.uses: set[str] = set()  # read at top level before the cell binds them
        self.deferred: set[str] = set()  # globals read by function bodies
        self.global_bound: set[str] = set()  # bound by functions through `global`

    def visit_source(self, source: str, first_line: int) -> None:
        tree, self.line_offset = _parse(source, first_line)
        for statement in tree.body:
            self.visit(statement)

    # Name resolution.

    def _read(self, name: str) -> None:
        inner = self.scopes[-1]
        if name in inner.globals:
            self._read_global(name)
            return
        if name in inner.names:
            return
        for scope in reversed(self.scopes[:-1]):
            # Class bodies do not enclose the scopes nested in them.
            if scope.kind in ("function", "comprehension") and name in scope.names:
                return
        self._read_global(name)

    def _read_global(self, name: str) -> None:
        if self.function_depth:
            self.deferred.add(name)
        elif name not in self.module.names:
            self.uses.add(name)

    def _bind(self, name: str, scope: _Scope | None = None) -> None:
        scope = scope or self.scopes[-1]
        if name in scope.globals:
            (self.global_bound if self.function_depth else self.module.names).add(name)
        elif scope.kind in ("module", "class"):
            scope.names.add(name)
        # Function and comprehension locals are known before their bodies are walked.

    def _walk_scope(self, scope: _Scope, nodes: list[ast.AST]) -> None:
        self.scopes.append(scope)
        self.function_depth += scope.kind == "function"
        for node in nodes:
            self.visit(node)
        self.function_depth -= scope.kind == "function"
        self.scopes.pop()

    # Names and assignment targets.

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Store):  # a load, or `del x`, which needs x
            self._read(node.id)
        if not isinstance(node.ctx, ast.Load):
            self._bind(node.id)

    def visit_Subscript(self, node: ast.Subscript | ast.Attribute) -> None:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load) or self.scopes[-1] is not self.module:
            return
        # `df["a"] = 1`, `obj.attr = 2`, `del x[0]` change the object the base name holds.
        base = node.value
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name):
            self.module.names.add(base.id)

    visit_Attribute = visit_Subscript

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self._read(node.target.id)
        self.visit(node.value)
        self.visit(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if self.scopes[-1].kind != "function":  # annotations of locals are never evaluated
            self.visit(node.annotation)
        if node.value is not None:  # `x: int` alone binds nothing
            self.visit(node.value)
            self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        # PEP 572: the target belongs to the scope enclosing any comprehension.
        scope = next(s for s in reversed(self.scopes) if s.kind != "comprehension")
        self._bind(node.target.id, scope)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for statement in (*node.body, *node.orelse):
            self.visit(statement)

    visit_AsyncFor = visit_For

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":  # a star import binds names we cannot know
                self._bind(alias.asname or alias.name.split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name)
        for statement in node.body:
            self.visit(statement)

    def visit_MatchAs(self, node: ast.MatchAs | ast.MatchStar) -> None:
        self.generic_visit(node)
        if node.name:
            self._bind(node.name)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest:
            self._bind(node.rest)

    def visit_Global(self, node: ast.Global) -> None:
        self.scopes[-1].globals.update(node.names)

    # Scopes.

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        annotations = [a.annotation for a in _parameters(args) if a.annotation]
        # Decorators, defaults and annotations are evaluated where the function is defined.
        for expr in (*node.decorator_list, *_defaults(args), *annotations, node.returns):
            if expr is not None:
                self.visit(expr)
        self._bind(node.name)
        self._walk_scope(_function_scope(args, node.body), node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expr in _defaults(node.args):
            self.visit(expr)
        self._walk_scope(_function_scope(node.args, [node.body]), [node.body])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(expr)
        # The body runs right away, in order, in its own namespace.
        self._walk_scope(_Scope("class"), node.body)
        self._bind(node.name)

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        self._comprehension(node.generators, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node.generators, [node.key, node.value])

    def _comprehension(self, generators: list[ast.comprehension], results: list[ast.AST]) -> None:
        # The first iterable is evaluated outside; the targets are the comprehension's own.
        self.visit(generators[0].iter)
        targets = {name for generator in generators for name in _stored_names(generator.target)}
        parts: list[ast.AST] = [generators[0].target, *generators[0].ifs]
        for generator in generators[1:]:
            parts += [generator.iter, generator.target, *generator.ifs]
        self._walk_scope(_Scope("comprehension", targets), [*parts, *results])

    # IPython's transformed syntax.

    def visit_Call(self, node: ast.Call) -> None:
        call = _ipython_call(node)
        if call is None:
            self.generic_visit(node)
            return
        method, args = call
        # Arity checks: users may write such calls themselves.
        if method in ("system", "getoutput") and len(args) == 1:
            self._expand(args[0])
        elif method == "run_line_magic" and len(args) == 2:
            name, line = args
            if name in _CODE_LINE_MAGICS:
                self._embed(line, node.lineno + self.line_offset)
            else:
                self._expand(line)
        elif method == "run_cell_magic" and len(args) == 3:
            name, line, body = args
            self._expand(line)
            if name in _CODE_CELL_MAGICS:
                self._embed(body, node.lineno + self.line_offset + 1)
                if name == "capture":  # `%%capture out` binds the captured output to `out`
                    target = [word for word in line.split() if not word.startswith("-")]
                    if len(target) == 1 and target[0].isidentifier():
                        self._bind(target[0])

    def _embed(self, source: str, first_line: int) -> None:
        outer_offset = self.line_offset
        self.visit_source(source, first_line)
        self.line_offset = outer_offset

    def _expand(self, text: str) -> None:
        for match in _VAR_EXPANSION.finditer(text):
            expression, name = match.groups()
            if name:
                self._read(name)
            elif expression:
                try:
                    tree = ast.parse(expression.strip(), mode="eval")
                except SyntaxError:  # e.g. awk's `{print $1}`: IPython leaves it as is
                    continue
                self.visit(tree.body)


def _parameters(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _defaults(args: ast.arguments) -> list[ast.expr]:
    return [*args.defaults, *(d for d in args.kw_defaults if d is not None)]


def _stored_names(target: ast.AST) -> list[str]:
    return [
        n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    ]


def _function_scope(args: ast.arguments, body: list[ast.AST]) -> _Scope:
    """A function's locals: its parameters and whatever its body binds, anywhere in it."""
    binders = _Binders()
    for node in body:
        binders.visit(node)
    names = {a.arg for a in _parameters(args)} | binders.names
    # A `nonlocal` name counts as local: either way it is not a global the cell reads.
    return _Scope("function", names - binders.globals, binders.globals)


class _Binders(ast.NodeVisitor):
    """Collects the names a function body binds, without entering the scopes nested in it."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.globals: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            self.names.add(node.id)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.names.add(node.name)
        for expr in (*node.decorator_list, *_defaults(node.args)):
            self.visit(expr)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expr in _defaults(node.args):
            self.visit(expr)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.names.add(node.name)
        for expr in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(expr)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        # Targets stay in the comprehension; a walrus in its conditions binds here.
        for condition in node.ifs:
            self.visit(condition)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.names.update(
            alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name != "*"
        )

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs | ast.MatchStar) -> None:
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.names.add(node.rest)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self.globals.update(node.names)


def _ipython_call(node: ast.Call) -> tuple[str, list[str]] | None:
    """``(method, string args)`` of a ``get_ipython().method(...)`` call IPython generated."""
    func = node.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
        and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
    ):
        return None
    return func.attr, [a.value for a in node.args]
