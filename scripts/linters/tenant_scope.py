"""Flag database access written outside a repository (STYLE.md 2.4).

Tenant filtering lives in the repositories (``repository.py`` modules); anywhere else in
``src/urutiq_ai`` (migrations aside) the linter parses each module with :mod:`ast` and
reports, whether the call fits on one line or spans several:

* statement builders imported from SQLAlchemy, or not bound in the module at all:
  ``select(``, ``text(``, ``insert(``, ``update(``, ``delete(``, ``union(``, ``union_all(``,
  ``exists(``, ``literal_column(`` (also as ``sa.select(`` and ``sqlalchemy.text(``);
* ``.execute(``, ``.executemany(``, ``.scalar(``, ``.scalars(``, ``.query(``, ``.get(``,
  ``.get_one(``, ``.stream(``, ``.stream_scalars(`` and ``.connect(`` on a database handle
  (see below); ``.query(``, ``.get(`` and ``.get_one(`` also on any receiver when their first
  argument is a class imported from a ``models`` module (``x.get(Model, id)``);
* ``.exec_driver_sql(``, ``.connection()``, ``.raw_connection()``, ``read_sql*(`` (pandas)
  and the attributes ``.driver_connection`` / ``.dbapi_connection``, on any receiver, and
  ``.connection`` read off a database handle.

A *database handle* is an expression whose type is known to be SQLAlchemy's ``Session``,
``Connection``, ``Engine`` (or their async, scoped and sessionmaker kin): a name or ``self``
attribute annotated so, or assigned from such a constructor, from ``.connect()``,
``.connection()`` or ``.begin()`` on a handle. A name annotated or assigned with any other
type (``sqlite3.Connection``) is not one. Unknown names count as handles when a word of
theirs (split at ``_``) is ``session``, ``sess``, ``conn``, ``connection``, ``engine``,
``cursor``, ``bind`` or ``db`` (``session``, ``self.session``, ``db_session``, ``conn``).

The escape comment ``# tenancy: global`` (followed by a short reason) marks deliberate
cross-tenant work. It covers a flagged call when it sits on the call's first line, on the
first line of the statement holding the call, or on the comment-only lines right above that
statement; it never covers a whole block or function. An escape comment that covers nothing
is reported too, so that none outlives its query. Exit code 1 when something is reported.
"""

import ast
import io
import re
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "urutiq_ai"
ESCAPE = "# tenancy: global"
EXEMPT_PARTS = {"migrations"}

BUILDERS = {
    "select",
    "text",
    "insert",
    "update",
    "delete",
    "union",
    "union_all",
    "exists",
    "literal_column",
}
HANDLE_METHODS = {
    "execute",
    "executemany",
    "scalar",
    "scalars",
    "query",
    "get",
    "get_one",
    "stream",
    "stream_scalars",
    "connect",
}
MODEL_METHODS = {"query", "get", "get_one"}
ANY_RECEIVER_CALLS = {
    "exec_driver_sql",
    "connection",
    "raw_connection",
    "read_sql",
    "read_sql_query",
    "read_sql_table",
}
RAW_ATTRIBUTES = {"driver_connection", "dbapi_connection"}
HANDLE_TYPES = {
    "Session",
    "Connection",
    "Engine",
    "AsyncSession",
    "AsyncConnection",
    "AsyncEngine",
    "scoped_session",
    "async_scoped_session",
    "sessionmaker",
    "async_sessionmaker",
}
HANDLE_FACTORIES = {"connect", "connection", "begin"}
UNTYPED = {"Any", "object", "typing", "Optional", "None"}
OUR_PACKAGES = {"sqlalchemy", "urutiq_ai", ""}
HANDLE_WORDS = {"session", "sess", "conn", "connection", "engine", "cursor", "bind", "db"}


@dataclass
class Finding:
    line: int
    rule: str


@dataclass
class Scope:
    """What a function (or the module) says about its names: handle, not a handle, or unknown."""

    handles: dict[str, bool] = field(default_factory=dict)


def violations(root: Path = ROOT) -> list[str]:
    """One ``path:line: rule: source`` entry for each unescaped access outside a repository."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent)
        if path.name == "repository.py" or EXEMPT_PARTS & set(relative.parts):
            continue
        source = path.read_text()
        lines = source.splitlines()
        for finding in check_source(source):
            text = lines[finding.line - 1].strip() if finding.line <= len(lines) else ""
            found.append(f"{relative}:{finding.line}: {finding.rule}: {text}")
    return found


def check_source(source: str) -> list[Finding]:
    """The unescaped findings of one module's ``source``, and its escape comments that cover
    nothing."""
    tree = ast.parse(source)
    comments, comment_only = _comments(source)
    visitor = _Visitor(tree)
    visitor.visit(tree)
    escapes = {line for line, text in comments.items() if ESCAPE in text}
    used: set[int] = set()
    result: list[Finding] = []
    for finding, statement_line in visitor.findings:
        covering = _covering_lines(finding.line, statement_line, comment_only) & escapes
        if covering:
            used |= covering
        else:
            result.append(finding)
    for line in sorted(escapes - used):
        result.append(Finding(line, "escape comment covers no database access"))
    return sorted(result, key=lambda item: item.line)


def _comments(source: str) -> tuple[dict[int, str], set[int]]:
    """Each line's comment, and the lines that hold nothing but a comment."""
    comments: dict[int, str] = {}
    code_lines: set[int] = set()
    ignored = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT}
    ignored |= {tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string
        elif token.type not in ignored:
            code_lines.update(range(token.start[0], token.end[0] + 1))
    return comments, set(comments) - code_lines


def _covering_lines(line: int, statement_line: int, comment_only: set[int]) -> set[int]:
    covering = {line, statement_line}
    above = statement_line - 1
    while above in comment_only:
        covering.add(above)
        above -= 1
    return covering


class _Visitor(ast.NodeVisitor):
    def __init__(self, tree: ast.Module) -> None:
        self.findings: list[tuple[Finding, int]] = []
        self.origins: dict[str, str] = {}  # local name -> dotted origin, from imports
        self.bound: set[str] = set()  # every name the module binds
        self.model_classes: set[str] = set()
        self.scopes: list[Scope] = [Scope()]
        self.self_handles: list[dict[str, bool]] = []  # per enclosing class: self.X -> handle?
        self.statement_line = 1
        self.called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        self._collect_bindings(tree)

    # --- what names are -------------------------------------------------------------

    def _collect_bindings(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.origins[local] = alias.name if alias.asname else local
                    self.bound.add(local)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                for alias in node.names:
                    local = alias.asname or alias.name
                    self.origins[local] = f"{module}.{alias.name}" if module else alias.name
                    self.bound.add(local)
                    if module.split(".")[-1] == "models" and _is_class_name(alias.name):
                        self.model_classes.add(local)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.bound.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.bound.add(node.id)
            elif isinstance(node, ast.arg):
                self.bound.add(node.arg)

    def _origin(self, node: ast.expr) -> str | None:
        """The dotted origin of a name or attribute chain, when an import tells it."""
        if isinstance(node, ast.Name):
            return self.origins.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._origin(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def _annotation_kind(self, annotation: ast.expr | None) -> bool | None:
        """True: a SQLAlchemy handle type; False: some other known type; None: no annotation."""
        if annotation is None:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return False
        names = [
            node for node in ast.walk(annotation) if isinstance(node, ast.Name | ast.Attribute)
        ]
        if any(self._is_handle_type(node) for node in names):
            return True
        if all(_terminal(node) in UNTYPED for node in names):
            return None  # Any, object: the name decides
        return False

    def _is_handle_type(self, node: ast.expr) -> bool:
        if _terminal(node) not in HANDLE_TYPES:
            return False
        origin = self._origin(node)
        return origin is None or origin.startswith("sqlalchemy")

    def _value_kind(self, value: ast.expr | None) -> bool | None:
        """Whether an assigned value is a handle (None: can't tell)."""
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return None
        func = value.func
        if self._is_handle_type(func):
            return True
        if isinstance(func, ast.Attribute) and func.attr in HANDLE_FACTORIES:
            if self._is_handle(func.value):
                return True
        origin = self._origin(func)
        if origin is not None and origin.split(".")[0] not in OUR_PACKAGES:
            return False  # sqlite3.connect(...): another library's object
        return None

    def _is_handle(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope.handles:
                    return scope.handles[node.id]
            return _handle_word(node.id)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "self" and self.self_handles:
                known = self.self_handles[-1].get(node.attr)
                if known is not None:
                    return known
            return _handle_word(node.attr)
        if isinstance(node, ast.Call):
            kind = self._value_kind(node)
            if kind is not None:
                return kind
            return _handle_word(_terminal(node.func))
        if isinstance(node, ast.Await):
            return self._is_handle(node.value)
        return False

    def _bind(self, target: ast.expr, kind: bool | None) -> None:
        if kind is None:
            return
        if isinstance(target, ast.Name):
            self.scopes[-1].handles[target.id] = kind
        elif (attr := _self_attribute(target)) and self.self_handles:
            self.self_handles[-1][attr] = kind

    # --- scopes ---------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.self_handles.append(self._class_attributes(node))
        self._statement(node)
        self.self_handles.pop()

    def _class_attributes(self, node: ast.ClassDef) -> dict[str, bool]:
        """``self.X`` of a class: from annotations in its body, ``self.X: T`` in its methods
        and ``self.X = param`` where the parameter is annotated."""
        typed: dict[str, ast.expr | None] = {}
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                typed[item.target.id] = item.annotation
        for method in node.body:
            if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = {arg.arg: arg.annotation for arg in _all_args(method.args)}
            for sub in ast.walk(method):
                if isinstance(sub, ast.AnnAssign) and (attr := _self_attribute(sub.target)):
                    typed[attr] = sub.annotation
                elif isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Name):
                    for target in sub.targets:
                        if attr := _self_attribute(target):
                            typed.setdefault(attr, params.get(sub.value.id))
        kinds = {attr: self._annotation_kind(annotation) for attr, annotation in typed.items()}
        return {attr: kind for attr, kind in kinds.items() if kind is not None}

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.statement_line = node.lineno
        for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)
        scope = Scope()
        for arg in _all_args(node.args):
            kind = self._annotation_kind(arg.annotation)
            if kind is not None:
                scope.handles[arg.arg] = kind
        self.scopes.append(scope)
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    # --- statements -----------------------------------------------------------------

    def _statement(self, node: ast.stmt) -> None:
        """Visit a statement: its own expressions with it as the enclosing statement, then the
        statements of its body (each their own enclosing statement)."""
        for name, value in ast.iter_fields(node):
            if name in {"body", "orelse", "finalbody", "handlers", "cases"}:
                continue
            self.statement_line = node.lineno
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)
        for name in ("body", "handlers", "cases", "orelse", "finalbody"):
            for item in getattr(node, name, []) or []:
                self.visit(item)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            self._statement(node)
        else:
            if isinstance(node, ast.ExceptHandler | ast.match_case):
                self.statement_line = getattr(node, "lineno", None) or self.statement_line
            super().generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._statement(node)
        kind = self._value_kind(node.value)
        for target in node.targets:
            self._bind(target, kind)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._statement(node)
        self._bind(node.target, self._annotation_kind(node.annotation))

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._bind(item.optional_vars, self._value_kind(item.context_expr))
        self._statement(node)

    visit_AsyncWith = visit_With

    # --- what is flagged ------------------------------------------------------------

    def _flag(self, node: ast.expr, rule: str) -> None:
        self.findings.append((Finding(node.lineno, rule), self.statement_line))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        builder = self._builder(func)
        if builder is not None:
            self._flag(node, f"{builder}() outside a repository")
        elif isinstance(func, ast.Attribute):
            method = func.attr
            if method in ANY_RECEIVER_CALLS:
                self._flag(node, f".{method}() outside a repository")
            elif method in HANDLE_METHODS and self._handle_call(func.value, method, node):
                self._flag(node, f"{_describe(func.value)}.{method}() outside a repository")
        self.generic_visit(node)

    def _builder(self, func: ast.expr) -> str | None:
        """The SQLAlchemy statement builder ``func`` names (``select``...), if it names one:
        imported from SQLAlchemy under any name, or a builder's name bound nowhere in the
        module."""
        origin = self._origin(func)
        if origin is not None:
            name = origin.rsplit(".", 1)[-1]
            return name if origin.startswith("sqlalchemy.") and name in BUILDERS else None
        if isinstance(func, ast.Name) and func.id in BUILDERS and func.id not in self.bound:
            return func.id
        return None

    def _handle_call(self, receiver: ast.expr, method: str, call: ast.Call) -> bool:
        first = call.args[0] if call.args else None
        if method in MODEL_METHODS and isinstance(first, ast.Name):
            if first.id in self.model_classes:
                return True
        if method in {"get", "get_one"} and (first is None or isinstance(first, ast.Constant)):
            return False  # a mapping's .get("key"), not Session.get(Model, id)
        return self._is_handle(receiver)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in RAW_ATTRIBUTES or (
            node.attr == "connection"
            and isinstance(node.ctx, ast.Load)
            and id(node) not in self.called
            and self._is_handle(node.value)
        ):
            self._flag(node, f".{node.attr} outside a repository")
        self.generic_visit(node)


def _all_args(args: ast.arguments) -> Iterator[ast.arg]:
    yield from args.posonlyargs
    yield from args.args
    if args.vararg:
        yield args.vararg
    yield from args.kwonlyargs
    if args.kwarg:
        yield args.kwarg


def _self_attribute(node: ast.expr) -> str | None:
    """``X`` when ``node`` is ``self.X``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr if node.value.id == "self" else None
    return None


def _is_class_name(name: str) -> bool:
    return name[:1].isupper() and not name.isupper()


def _terminal(node: ast.expr) -> str:
    """The last identifier of a name or attribute chain (``c`` of ``a.b.c``)."""
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _handle_word(name: str) -> bool:
    return bool(HANDLE_WORDS & set(re.split(r"_+", name.lower())))


def _describe(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else "…" + text[-39:]


def main() -> int:
    found = violations()
    for item in found:
        print(item)
    if found:
        print(
            f"{len(found)} database access(es) outside a repository; move them into one, "
            f"or mark deliberate cross-tenant work with '{ESCAPE} <reason>'."
        )
        return 1
    print("tenant scope: no database access outside repositories")
    return 0


if __name__ == "__main__":
    sys.exit(main())
