"""A net file is data, never code: each known way to make pandapower import or read something.

Every hostile file here is refused with exit 2 and one line *before* anything is imported or
read: a module of the test's own writes a marker file when imported, and the marker must not
appear. The subprocess cases run ``python -m planner`` in the folder of the file, where Python
puts the working folder first on ``sys.path``, so a module there would be found.
"""

import json
import subprocess
import sys

import pandapower as pp
import pandapower.networks as pn
import pytest

from planner.grid.net_json import MAX_DEPTH, NetFileError, check_net_text
from planner.grid.pandapower_io import read_net
from tests.test_cli import assert_one_line_error


@pytest.fixture(scope="module")
def net_text():
    return pp.to_json(pn.example_simple())


def _with_bus_table(net_text, table: dict | str) -> str:
    """The net with its bus table replaced by ``table`` (a wrapper dict, or raw text)."""
    document = json.loads(net_text)
    document["_object"]["bus"] = table
    return json.dumps(document)


def _with_cell(net_text, cell) -> str:
    """The net with one object cell in the bus table holding ``cell``."""
    document = json.loads(net_text)
    bus = json.loads(document["_object"]["bus"]["_object"])
    bus["columns"].append("extra")
    for row in bus["data"]:
        row.append(None)
    bus["data"][0][-1] = cell
    document["_object"]["bus"]["_object"] = json.dumps(bus)
    return json.dumps(document)


def _evil(module: str, cls: str = "X", obj="{}") -> dict:
    return {"_module": module, "_class": cls, "_object": obj}


def test_a_real_net_reads_back_identically(tmp_path):
    net = pn.lv_schutterwald()
    path = tmp_path / "net.json"
    pp.to_json(net, str(path))
    back = read_net(path)
    assert len(back.bus) == len(net.bus) and len(back.line) == len(net.line)
    assert back.line.length_km.equals(net.line.length_km)
    assert back.bus.geo.iloc[5] == net.bus.geo.iloc[5]


def test_stored_controllers_are_left_out_with_a_note(tmp_path):
    from pandapower.control import ConstControl

    net = pn.example_simple()
    ConstControl(net, "load", "p_mw", [0])
    path = tmp_path / "net.json"
    pp.to_json(net, str(path))
    with pytest.warns(UserWarning, match="1 controller stored in the net is not run"):
        back = read_net(path)
    assert len(back.controller) == 0 and len(back.load) == len(net.load)


@pytest.mark.parametrize("document", [
    # the classic: a table naming os.system
    lambda t: _with_bus_table(t, _evil("os", "system", "true")),
    # builtins.eval, pandas.read_pickle, numpy.load: functions, not data
    lambda t: _with_bus_table(t, _evil("builtins", "eval", "1")),
    lambda t: _with_bus_table(t, _evil("pandas", "read_pickle", "x.pkl")),
    lambda t: _with_bus_table(t, _evil("numpy", "load", "x.npy")),
    # a module of the standard library with import-time effects, and a deep submodule of an
    # allowed package (the old check looked at the top-level package only)
    lambda t: _with_bus_table(t, _evil("this")),
    lambda t: _with_bus_table(t, _evil("numpy.f2py.__main__")),
    lambda t: _with_bus_table(t, _evil("pandapower.io_utils", "pp_hook")),
    # inside a table's JSON, behind a leading space (the old check needed '{' first)
    lambda t: _with_cell(t, " " + json.dumps(_evil("os", "system", "true"))),
    # a table cell that is itself an object naming a class (records and split orients alike)
    lambda t: _with_cell(t, _evil("os", "system", "true")),
    # escaped key names: \u005fmodule is _module once decoded
    lambda t: _with_cell(t, "{\"\\u005fmodule\": \"os\", \"\\u005fclass\": \"system\", \"_object\": \"1\"}"),
])
def test_code_in_any_form_is_refused(net_text, document):
    with pytest.raises(NetFileError, match="names the Python class"):
        check_net_text(document(net_text), "evil.json")


def test_escaped_names_at_the_top_level_are_decoded_before_checking(net_text):
    text = net_text.replace('"_module": "pandas.core.frame"', '"\\u005fmodule": "os"', 1)
    assert text != net_text
    with pytest.raises(NetFileError, match="os.DataFrame"):
        check_net_text(text, "evil.json")


def test_a_records_oriented_table_is_checked_too(net_text):
    records = json.dumps([{"name": "a", "vn_kv": 0.4, "x": _evil("subprocess", "Popen")}])
    table = {"_module": "pandas.core.frame", "_class": "DataFrame", "_object": records, "orient": "records"}
    with pytest.raises(NetFileError, match="subprocess.Popen"):
        check_net_text(_with_bus_table(net_text, table), "evil.json")


def test_a_table_given_as_a_path_is_refused(net_text, tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"columns": ["name"], "index": [0], "data": [["secret"]]}))
    table = {"_module": "pandas.core.frame", "_class": "DataFrame", "_object": str(secret), "orient": "split"}
    with pytest.raises(NetFileError, match="table 'bus' is not inline JSON"):
        check_net_text(_with_bus_table(net_text, table), "evil.json")


def test_reader_options_in_a_table_are_refused(net_text):
    document = json.loads(net_text)
    document["_object"]["bus"]["storage_options"] = {"x": 1}
    with pytest.raises(NetFileError, match="reader options"):
        check_net_text(json.dumps(document), "evil.json")


def test_deep_nesting_is_refused_without_a_traceback(net_text):
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(NetFileError, match="too deeply"):
        check_net_text(deep, "deep.json")
    with pytest.raises(NetFileError, match="too deeply"):
        check_net_text(_with_cell(net_text, "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)), "deep.json")


def test_not_a_net(tmp_path):
    with pytest.raises(NetFileError, match="not a pandapower net"):
        check_net_text('{"bus": []}', "x.json")
    folder = tmp_path / "net.json"
    folder.mkdir()
    with pytest.raises(NetFileError, match="is a folder"):
        read_net(folder)


_MARKER_MODULE = """
import pathlib
pathlib.Path(__file__).with_name("IMPORTED").write_text("the file ran code")
class X:
    pass
"""


@pytest.mark.parametrize("command", ["powerflow", "import"])
def test_a_module_beside_the_file_is_never_imported(tmp_path, net_text, command):
    """End to end in a fresh process, in the folder that holds the module (first on sys.path)."""
    (tmp_path / "evilmod.py").write_text(_MARKER_MODULE)
    # in a table cell behind a leading space: the old check never looked there
    (tmp_path / "net.json").write_text(_with_cell(net_text, " " + json.dumps(_evil("evilmod"))))
    (tmp_path / "p.csv").write_text("time,load.p_mw.0\n2020-01-01T00:00Z,0.1\n")
    if command == "powerflow":
        args = ["powerflow", "net.json", "--profiles", "p.csv", "-o", "out"]
    else:
        new = subprocess.run([sys.executable, "-m", "planner", "new", "V", "--lat", "48.1", "--lon", "11.6",
                              "-o", "v.gpkg"], cwd=tmp_path, capture_output=True, text=True)
        assert new.returncode == 0, new.stderr
        args = ["import", "v.gpkg", "net.json", "--as", "grid"]
    result = subprocess.run([sys.executable, "-m", "planner", *args], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert_one_line_error(result, "evilmod.X", "no code")
    assert not (tmp_path / "IMPORTED").exists()
