"""Bounded YAML reading that keeps every value's line and column.

PyYAML's loaders accept duplicate keys silently, expand aliases without limit
and recurse once per nesting level. Instruments and response files come from
other people, so we build our own small node tree from PyYAML's event stream:
iterative (no recursion limit), aliases refused, duplicate keys reported, and
every node carrying its 1-based position.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64

try:  # The C parser is ~10x faster; fall back to pure Python where libyaml is absent.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True, order=True)
class Mark:
    """A 1-based position in a file."""

    line: int
    column: int


@dataclass
class Node:
    """A YAML value with its position: a scalar, a mapping or a sequence."""

    kind: str  # "scalar" | "mapping" | "sequence"
    mark: Mark
    value: Any = None  # the Python value of a scalar
    items: list[Node] = field(default_factory=list)  # sequence elements
    pairs: list[tuple[Node, Node]] = field(default_factory=list)  # mapping entries
    raw: str = ""  # a scalar's text as written, for messages ("Yes" read as true)

    def get(self, key: str) -> Node | None:
        """The value node of ``key`` in a mapping, or None."""
        for k, v in self.pairs:
            if k.value == key:
                return v
        return None

    def to_python(self) -> Any:
        """The plain Python value (dicts, lists, scalars), without positions."""
        if self.kind == "scalar":
            return self.value
        if self.kind == "sequence":
            return [n.to_python() for n in self.items]
        return {k.value: v.to_python() for k, v in self.pairs}


@dataclass(frozen=True)
class YamlIssue:
    """Something wrong with a YAML document itself, before any schema check."""

    mark: Mark
    code: str
    message: str
    fatal: bool = True


# Not a LeadcheckError (and not in leadcheck.base.errors): it never reaches a user as such. Every
# caller turns its issue into a Problem with a position; see instrument.validate.
class YamlReadError(Exception):
    """The document cannot be turned into nodes at all."""

    def __init__(self, issue: YamlIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()


_PLAIN = (str, int, float, bool, type(None), datetime.date)


def _scalar_value(event: yaml.ScalarEvent) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    if tag == "tag:yaml.org,2002:str":
        return event.value
    node = yaml.ScalarNode(tag, event.value, None, None, event.style)
    try:
        value = _constructor.construct_object(node, deep=True)
        # !!binary (bytes), !!set and the like mean nothing to leadcheck: the text as written.
        return value if isinstance(value, _PLAIN) else event.value
    except Exception:  # PyYAML's safe constructors raise AttributeError, ValueError, ...
        # An explicit tag we do not know (!!python/object), or a value its tag cannot build:
        # an impossible date (2024-02-30), `!!int` on a word, a number of 5,000 digits
        # (beyond Python's int limit). Keep the text, as if quoted: never execute, never
        # fail (PyYAML's message would quote the value, which may be someone's comment).
        return event.value
    finally:
        # The constructor remembers every node it built (and one that failed half-way):
        # forget them, or a long run of files keeps every scalar alive.
        _constructor.constructed_objects.clear()
        _constructor.recursive_objects.clear()


def _mark(m: Any) -> Mark:
    return Mark(m.line + 1, m.column + 1)


def decode(data: bytes) -> str:
    """UTF-8 text of ``data`` (a BOM allowed); YamlReadError pointing at the first bad byte."""
    if not data.strip():
        raise YamlReadError(YamlIssue(Mark(1, 1), "empty-file", "file is empty; expected a YAML mapping"))
    if b"\x00" in data[:8192]:
        raise YamlReadError(
            YamlIssue(
                Mark(1, 1), "encoding", "file looks binary (it holds NUL bytes); expected UTF-8 YAML text"
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        column = e.start - (before.rfind(b"\n") + 1) + 1
        raise YamlReadError(
            YamlIssue(
                Mark(line, column),
                "encoding",
                f"byte 0x{data[e.start]:02x} is not valid UTF-8; save the file as UTF-8",
            )
        ) from None
    return text


def tab_issues(text: str) -> Iterator[YamlIssue]:
    """A tab used for indentation, which YAML forbids, reported where it is."""
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip(" \t"))
        position = line.find("\t", 0, indent)
        if position >= 0:
            yield YamlIssue(
                Mark(number, position + 1),
                "tabs",
                "tab character in indentation; YAML indents with spaces only",
            )


def _deep_flow_offset(text: str) -> int | None:
    """Where a flow collection (``[`` or ``{``) first opens deeper than MAX_DEPTH, if anywhere.

    PyYAML's scanners read ahead and, since 6.0.4, refuse deep flow nesting
    with their own error before our event-level depth check can speak. This
    cheap pass finds such a place so that `parse` can report it as our own
    ``too-deep``. It may over-count (a ``[`` at the start of a line inside a
    literal block), so its answer is only a place to look, never a verdict.
    """
    depth = 0
    i, n = 0, len(text)
    previous = "\n"  # the last non-blank character outside quotes and comments
    while i < n:
        c = text[i]
        if c in "'\"" and previous in "\n:-?,[{":
            quote, i = c, i + 1
            while i < n and text[i] != quote:
                i += 2 if quote == '"' and text[i] == "\\" else 1
            previous = quote
        elif c == "#" and (i == 0 or text[i - 1] in " \t\n"):
            i = text.find("\n", i)
            if i < 0:
                break
            previous = "\n"
            continue
        elif c in "[{" and (depth or previous in "\n:-?,[{"):
            depth += 1
            if depth > MAX_DEPTH:
                return i
            previous = c
        elif c in "]}" and depth:
            depth -= 1
            previous = c
        elif c == "\n" or c not in " \t\r":
            previous = c
        i += 1
    return None


def parse(text: str) -> Node:
    """The node tree of a single-document YAML text.

    Raises YamlReadError for syntax errors, aliases, nesting deeper than
    MAX_DEPTH, several documents or an empty document.
    """
    for issue in tab_issues(text):
        raise YamlReadError(issue)
    deep = _deep_flow_offset(text)
    if deep is not None:
        # Read only up to the deep place first: our own depth check then fires before
        # the parser's look-ahead can meet its internal limit. Anything else found in
        # that prefix is not trusted (the prefix is cut short); the whole text decides.
        try:
            _parse(text[: deep + 1])
        except YamlReadError as e:
            if e.issue.code == "too-deep":
                raise
    return _parse(text)


def _parse(text: str) -> Node:
    tree = _Tree()
    try:
        for event in yaml.parse(text, Loader=_Loader):
            tree.feed(event)
    except yaml.MarkedYAMLError as e:
        raise YamlReadError(_syntax_issue(e)) from None
    except yaml.YAMLError as e:
        raise YamlReadError(YamlIssue(Mark(1, 1), "yaml-syntax", f"invalid YAML: {e}")) from None
    root = tree.root
    if root is None or (root.kind == "scalar" and root.value is None):
        raise YamlReadError(YamlIssue(Mark(1, 1), "empty-file", "file holds no YAML document"))
    return root


def _syntax_issue(e: Any) -> YamlIssue:
    """Where a YAML syntax error starts, what was found, and how to fix it.

    PyYAML marks where it gave up: for a quote never closed, that is the end of
    the file (line 376 for a quote opened on line 4). A scanning error that
    began earlier is reported where it began, with where it was noticed.
    """
    problem = (e.problem or "invalid YAML").strip()
    context = (e.context or "").strip()
    start, found = e.context_mark, e.problem_mark
    if (
        start is not None
        and found is not None
        and context.startswith("while scanning")
        and start.line < found.line
    ):
        what = context.removeprefix("while scanning").strip()
        noticed = ("the end of the file at " if "end of stream" in problem else "") + f"line {found.line + 1}"
        if what == "a quoted scalar":
            message = (
                f"invalid YAML: a quoted string starts here and is not closed (found {noticed}); "
                "add the closing quote, or remove the opening one"
            )
        else:
            message = f"invalid YAML: {what} starts here: {problem} at {noticed}"
        return YamlIssue(_mark(start), "yaml-syntax", message)
    mark = found or start
    where = _mark(mark) if mark is not None else Mark(1, 1)
    return YamlIssue(where, "yaml-syntax", f"invalid YAML: {problem}{f' {context}' if context else ''}")


class _Tree:
    """Builds the Node tree from the parser's events, refusing what an instrument may not hold."""

    def __init__(self) -> None:
        self.stack: list[Node] = []
        self.pending_key: list[Node | None] = []
        self.root: Node | None = None
        self.documents = 0

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise _refused(
                    event, "yaml-syntax", "a second YAML document starts here; put one instrument per file"
                )
        elif isinstance(event, yaml.AliasEvent):
            raise _refused(
                event, "yaml-alias", f'alias "*{event.anchor}" is not allowed; write the value out in full'
            )
        elif isinstance(event, yaml.ScalarEvent):
            self._place(Node("scalar", _mark(event.start_mark), _scalar_value(event), raw=event.value))
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if len(self.stack) >= MAX_DEPTH:
                raise _refused(event, "too-deep", f"nesting is deeper than {MAX_DEPTH} levels")
            kind = "mapping" if isinstance(event, yaml.MappingStartEvent) else "sequence"
            self.stack.append(Node(kind, _mark(event.start_mark)))
            self.pending_key.append(None)
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            node = self.stack.pop()
            self.pending_key.pop()
            self._place(node)

    def _place(self, node: Node) -> None:
        """A finished node goes into its parent, or becomes the root."""
        if self.stack:
            _attach(self.stack[-1], self.pending_key, node)
        else:
            self.root = node


def _refused(event: yaml.Event, code: str, message: str) -> YamlReadError:
    return YamlReadError(YamlIssue(_mark(event.start_mark), code, message))


def _attach(parent: Node, pending_key: list[Node | None], node: Node) -> None:
    if parent.kind == "sequence":
        parent.items.append(node)
        return
    key = pending_key[-1]
    if key is None:
        if node.kind != "scalar":
            # Complex keys ({a: 1}: x) are valid YAML but never meaningful here.
            node = Node("scalar", node.mark, "<complex key>")
        pending_key[-1] = node
    else:
        parent.pairs.append((key, node))
        pending_key[-1] = None


def duplicate_keys(root: Node) -> Iterator[tuple[Node, Node]]:
    """Every (first, repeated) key pair in every mapping of the tree."""
    todo = [root]
    while todo:
        node = todo.pop()
        if node.kind == "mapping":
            seen: dict[Any, Node] = {}
            for key, value in node.pairs:
                try:
                    first = seen.get(key.value)
                except TypeError:  # unhashable scalar value: cannot collide meaningfully
                    first = None
                if first is not None:
                    yield first, key
                else:
                    with contextlib.suppress(TypeError):
                        seen[key.value] = key
                todo.append(value)
        elif node.kind == "sequence":
            todo.extend(node.items)


def read_bytes_bounded(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a file, refusing (YamlReadError) files larger than ``limit``, and (UsageError)
    anything but a regular file: a named pipe or /dev/zero would block or never end."""
    from leadcheck.base.infiles import check_regular

    check_regular(Path(path), "YAML file")
    with Path(path).open("rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise YamlReadError(
            YamlIssue(
                Mark(1, 1),
                "file-too-large",
                f"file is larger than {limit // (1024 * 1024)} MiB; instruments and response files must be smaller",
            )
        )
    return data
