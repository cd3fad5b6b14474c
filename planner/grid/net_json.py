"""pandapower JSON read as data, never as code.

pandapower's JSON names Python classes to rebuild (``{"_module": ..., "_class": ...}``), and
its decoder imports the named module before it checks anything (pandapower issue 3049; the
upstream fix in 3.5 checks the class only after the import, so a module's import-time code
still runs). A table's ``_object`` may also be a path that pandas then reads. So a net file
is decoded here first, with Python's own JSON parser, which never imports anything:

* every object anywhere in the document, and in every string that holds JSON (tables are
  JSON documents inside strings, and so are some cells), may name only a class from an exact
  list of (module, class) pairs; names are compared after decoding, so escapes
  (``\\u005fmodule``), spacing and nesting change nothing;
* a table's ``_object`` must be inline JSON (an object or a list): a path is refused;
* a table wrapper may carry only the keys ``pandapower.to_json`` writes (no reader options);
* nesting deeper than :data:`MAX_DEPTH` and files larger than :data:`MAX_BYTES` are refused;
* controllers stored in the net are dropped with a note: the planner drives elements from
  profiles and never runs stored controllers (their classes would be code).

The checked document is then written out again by ``json.dumps`` and only that text goes to
``pandapower.from_json_string``, so pandapower parses exactly what was checked (no parser
differences over duplicate keys or escapes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from planner import PlannerError

#: The (module, class) pairs a net file may name: what ``pandapower.to_json`` writes for data.
ALLOWED_CLASSES = frozenset({
    ("pandapower.auxiliary", "pandapowerNet"),
    ("pandas.core.frame", "DataFrame"),
    ("pandas", "DataFrame"),
    ("pandas.core.series", "Series"),
    ("pandas", "Series"),
    *(("numpy", name) for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                   "uint64", "float16", "float32", "float64", "bool_", "bool")),
})
#: The keys a table wrapper (DataFrame or Series) may carry besides ``_module``/``_class``/``_object``.
_TABLE_KEYS = frozenset({"orient", "dtype", "is_multiindex", "is_multicolumn", "index_name",
                         "index_names", "column_name", "column_names", "typ"})
_TABLE_CLASSES = frozenset({"DataFrame", "Series"})
#: Deepest nesting of lists and objects accepted (a real net needs fewer than 10 levels).
MAX_DEPTH = 64
#: Largest net file read [bytes]; pandapower JSON of a 3,000-bus grid is about 3 MB, of SimBench
#: rural1 with its element tables 7 MB.
MAX_BYTES = 200_000_000


class NetFileError(PlannerError):
    """A net file that is not pandapower data, or asks for code: the message names the file."""


@dataclass
class CheckedNet:
    """A net document that holds data only, ready for ``pandapower.from_json_string``.

    Attributes
    ----------
    text : str
        The document as checked, written out again.
    notes : list of str
        What was left out and why (stored controllers), for the user to see.
    """

    text: str
    notes: list[str] = field(default_factory=list)


def check_net_text(text: str, source: str = "net") -> CheckedNet:
    """Check a pandapower JSON document and return it rewritten from what was checked.

    Parameters
    ----------
    text : str
        The file's content.
    source : str
        How to name the document in messages (its path).

    Raises
    ------
    NetFileError
        When the document is not JSON, nests deeper than :data:`MAX_DEPTH`, names a class
        outside :data:`ALLOWED_CLASSES`, has a table that is not inline JSON, or is not a
        pandapower net.
    """
    document = _parse(text, source, "the file")
    if isinstance(document, dict) and isinstance(document.get("_object"), str) \
            and document.get("_class") == "pandapowerNet":
        # older pandapower wrote the net's tables as one JSON string: read it as the tables
        document["_object"] = _parse(document["_object"], source, "the net")
    if not (isinstance(document, dict) and document.get("_module") == "pandapower.auxiliary"
            and document.get("_class") == "pandapowerNet" and isinstance(document.get("_object"), dict)):
        raise NetFileError(f"{source}: not a pandapower net as pandapower.to_json writes it "
                           f"(no pandapowerNet object at the top)")
    notes: list[str] = []
    tables = document["_object"]
    controller = tables.get("controller")
    if isinstance(controller, dict) and isinstance(controller.get("_object"), str):
        rows = _parse(controller["_object"], source, "table 'controller'")
        count = len(rows.get("index", [])) if isinstance(rows, dict) else len(rows) if isinstance(rows, list) else 0
        if count:
            notes.append(f"{source}: {count} controller{'s' * (count != 1)} stored in the net "
                         f"{'are' if count != 1 else 'is'} not run; the profiles drive the elements")
        del tables["controller"]  # pandapower's empty net brings its own empty controller table
    _check(document, source, "the net")
    return CheckedNet(json.dumps(document, allow_nan=True), notes)


def read_net_file(path) -> CheckedNet:
    """Read and check a pandapower JSON file (see :func:`check_net_text`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise NetFileError(f"{path}: is a folder, not a net file")
        if size > MAX_BYTES:
            raise NetFileError(f"{path}: {size / 1e6:,.0f} MB is far larger than a pandapower net "
                               f"file can reasonably be (at most {MAX_BYTES / 1e6:,.0f} MB read)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NetFileError(f"{path}: no such file") from None
    except PermissionError:
        raise NetFileError(f"{path}: permission denied") from None
    except OSError as exc:
        raise NetFileError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NetFileError(f"{path}: not a JSON file (not UTF-8 text at byte {exc.start})") from None
    return check_net_text(text, str(path))


def _parse(text: str, source: str, what: str):
    try:
        return json.loads(text)
    except RecursionError:
        raise NetFileError(f"{source}: {what} nests lists or objects too deeply "
                           f"(more than {MAX_DEPTH} levels are refused)") from None
    except json.JSONDecodeError as exc:
        raise NetFileError(f"{source}: not a JSON file: {exc.msg} at line {exc.lineno}, "
                           f"column {exc.colno}" if what == "the file" else
                           f"{source}: {what} is not JSON: {exc.msg}") from None


def _looks_like_json(value: str) -> bool:
    head = value.lstrip()[:1]
    return head in ("{", "[")


def _check(root, source: str, where: str, depth: int = 0) -> None:
    """Walk ``root`` (one JSON level, without recursion) and check every object in it.

    A string that holds JSON is parsed, checked one level deeper, and replaced in place by
    its checked value written out again, so what pandapower parses later is exactly what was
    checked here. Only such nested documents recurse, and ``depth`` bounds them too.
    """
    stack = [(root, depth, where)]
    while stack:
        node, level, here = stack.pop()
        if level > MAX_DEPTH:
            raise NetFileError(f"{source}: {here} nests lists or objects too deeply "
                               f"(more than {MAX_DEPTH} levels are refused)")
        if isinstance(node, dict):
            is_table = False
            if "_module" in node or "_class" in node:
                _check_class(node, source, here)
                is_table = node.get("_class") in _TABLE_CLASSES
            items = list(node.items())
        elif isinstance(node, list):
            is_table = False
            items = list(enumerate(node))
        else:
            continue
        for key, value in items:
            inner = _describe(here, key) if isinstance(node, dict) else here
            if isinstance(value, str):
                table = is_table and key == "_object"
                if table or _looks_like_json(value):
                    node[key] = _nested(value, source, inner, level, table)
            elif isinstance(value, (dict, list)):
                stack.append((value, level + 1, inner))


def _nested(text: str, source: str, where: str, level: int, table: bool) -> str:
    """A string that holds JSON: parsed, checked, and written out again."""
    if table and not _looks_like_json(text):
        raise NetFileError(f"{source}: {where} is not inline JSON data (a table given as a path, "
                           f"or as anything but a JSON object or list, is refused)")
    try:
        value = json.loads(text)
    except RecursionError:
        raise NetFileError(f"{source}: {where} nests lists or objects too deeply "
                           f"(more than {MAX_DEPTH} levels are refused)") from None
    except json.JSONDecodeError:
        if table:
            raise NetFileError(f"{source}: {where} is not inline JSON data") from None
        return text  # an ordinary string that happens to start with a bracket
    if not isinstance(value, (dict, list)):
        if table:
            raise NetFileError(f"{source}: {where} is not inline JSON data")
        return text
    _check(value, source, where, level + 1)
    return json.dumps(value, allow_nan=True)


def _check_class(node: dict, source: str, where: str) -> None:
    module, cls = node.get("_module"), node.get("_class")
    if not (isinstance(module, str) and isinstance(cls, str)) or (module, cls) not in ALLOWED_CLASSES:
        raise NetFileError(f"{source}: {where} names the Python class {module}.{cls}; only "
                           f"pandapower data is read, no code")
    if cls in _TABLE_CLASSES:
        extra = set(node) - _TABLE_KEYS - {"_module", "_class", "_object"}
        if extra:
            raise NetFileError(f"{source}: {where} carries reader options {sorted(extra)} that "
                               f"pandapower.to_json never writes; refused")
        if not isinstance(node.get("_object"), str):
            raise NetFileError(f"{source}: {where} is not inline JSON data")


def _describe(where: str, key) -> str:
    if where == "the net" and key == "_object":
        return "the net"
    if where == "the net":
        return f"table '{key}'"
    return where
