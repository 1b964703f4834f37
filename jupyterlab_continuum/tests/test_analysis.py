"""Dependency inference (``orchestrator.analysis``) on realistic notebook code."""

import warnings
from pathlib import Path
from textwrap import dedent

import nbformat
import pytest

from jupyterlab_continuum.orchestrator.analysis import analyze_cells

NOTEBOOKS = Path(__file__).parent / "notebooks"


def cell(cell_id, source, role="node"):
    return {"id": cell_id, "source": dedent(source).strip("\n"), "role": role}


def by_id(result):
    return {c["id"]: c for c in result["cells"]}


def edges(result):
    return {(e["source"], e["target"]): e["variables"] for e in result["edges"]}


def facts(source):
    """``(defines, uses)`` of a single untagged cell."""
    (only,) = analyze_cells([cell("c", source, role=None)])["cells"]
    assert only["error"] is None, only["error"]
    return only["defines"], only["uses"]


def notebook_cells(path):
    """The analysis input the frontend builds: code cells, role from ``metadata.continuum``."""
    notebook = nbformat.read(path, as_version=4)
    return [
        {
            "id": c.id,
            "source": c.source,
            "role": c.metadata["continuum"].get("role", "node")
            if "continuum" in c.metadata
            else None,
        }
        for c in notebook.cells
        if c.cell_type == "code"
    ]


# A realistic notebook: setup imports, edge prep, cloud training, edge evaluation.


def test_churn_pipeline_edges_follow_the_data():
    result = analyze_cells(notebook_cells(NOTEBOOKS / "churn_pipeline.ipynb"))

    assert edges(result) == {
        ("load", "prep"): ["raw"],
        ("prep", "split"): ["X", "y"],
        ("prep", "train"): ["features"],
        ("split", "train"): ["X_train", "y_train"],
        ("split", "evaluate"): ["X_test", "y_test"],
        ("train", "evaluate"): ["model"],
    }
    cells = by_id(result)
    assert cells["setup"]["defines"] == [
        "RandomForestClassifier",
        "SEED",
        "accuracy_score",
        "f1_score",
        "log",
        "np",
        "pd",
        "train_test_split",
    ]
    # `%matplotlib`, `!mkdir`, `%%time` and `display` neither break parsing nor show up as names.
    assert all(c["error"] is None for c in result["cells"])
    assert cells["load"] == {
        "id": "load",
        "defines": ["raw"],
        "uses": ["DATA_URL", "log", "pd"],
        "error": None,
    }
    assert cells["train"]["defines"] == ["importances", "model"]
    assert cells["report"]["uses"] == ["importances", "pd"]
    # The comprehension variable `c` and the loop of `evaluate` stay where they belong.
    assert cells["prep"]["defines"] == ["X", "df", "features", "y"]
    assert cells["evaluate"]["defines"] == ["metrics", "name", "predictions", "value"]


def test_churn_pipeline_reports_the_untagged_parameter_cell():
    result = analyze_cells(notebook_cells(NOTEBOOKS / "churn_pipeline.ipynb"))

    assert result["problems"] == [
        {
            "cell_id": "load",
            "code": "undefined-upstream",
            "variables": ["DATA_URL"],
            "defined_in": ["params"],
            "message": "`DATA_URL` is defined only in an untagged cell; "
            "tag that cell as a node or a setup cell",
        },
        {
            "cell_id": "split",
            "code": "undefined-upstream",
            "variables": ["TEST_SIZE"],
            "defined_in": ["params"],
            "message": "`TEST_SIZE` is defined only in an untagged cell; "
            "tag that cell as a node or a setup cell",
        },
    ]


@pytest.mark.parametrize(
    ("role", "params_edges"),
    [
        ("setup", {}),
        ("node", {("params", "load"): ["DATA_URL"], ("params", "split"): ["TEST_SIZE"]}),
    ],
)
def test_tagging_the_parameter_cell_fixes_the_problems(role, params_edges):
    cells = notebook_cells(NOTEBOOKS / "churn_pipeline.ipynb")
    next(c for c in cells if c["id"] == "params")["role"] = role

    result = analyze_cells(cells)

    assert result["problems"] == []
    assert {k: v for k, v in edges(result).items() if k[0] == "params"} == params_edges
    assert edges(result)[("train", "evaluate")] == ["model"]


# Setup cells.


def test_setup_names_satisfy_every_node_and_never_make_edges():
    result = analyze_cells(
        [
            cell("imports", "import numpy as np\nimport pandas as pd", role="setup"),
            cell("a", "arr = np.zeros(3)"),
            cell("b", "frame = pd.DataFrame({'a': arr})\nnp.random.seed(0)"),
            # Prepended to every node, so a setup cell placed last still counts.
            cell("helpers", "def norm(v):\n    return v / np.linalg.norm(v)", role="setup"),
            cell("c", "scaled = norm(arr)"),
        ]
    )

    assert edges(result) == {("a", "b"): ["arr"], ("a", "c"): ["arr"]}
    assert result["problems"] == []
    assert by_id(result)["c"]["uses"] == ["arr", "norm"]


def test_a_node_mutating_a_setup_name_does_not_become_its_source():
    result = analyze_cells(
        [
            cell("imports", "import pandas as pd", role="setup"),
            cell("opts", "pd.options.display.max_rows = 20\ntable = pd.Series([1, 2])"),
            cell("show", "print(pd.options.display.max_rows, table)"),
        ]
    )

    assert by_id(result)["opts"]["defines"] == ["pd", "table"]
    assert edges(result) == {("opts", "show"): ["table"]}


def test_untagged_and_setup_cells_are_analysed_but_get_no_edges():
    result = analyze_cells(
        [
            cell("a", "x = 1"),
            cell("scratch", "y = x * 2", role=None),
            {"id": "no-role", "source": "z = x + 3"},
            cell("s", "w = x", role="setup"),
        ]
    )

    assert result["edges"] == []
    assert by_id(result)["scratch"] == {
        "id": "scratch",
        "defines": ["y"],
        "uses": ["x"],
        "error": None,
    }
    assert by_id(result)["no-role"]["uses"] == ["x"]
    assert by_id(result)["s"]["defines"] == ["w"]


# Functions, classes and scopes.


def test_functions_defined_in_one_node_and_called_in_another():
    result = analyze_cells(
        [
            cell("config", "THRESHOLD = 0.5\nweights = [0.2, 0.8]"),
            cell(
                "helpers",
                """
                def score(row, w=weights):
                    # `THRESHOLD` is read when the function runs: a use of this cell.
                    total = sum(value * weight for value, weight in zip(row, w))
                    return total > THRESHOLD

                def score_all(rows):
                    return [score(r) for r in rows]
                """,
            ),
            cell("rows", "rows = [[1, 0], [0, 1]]"),
            cell("apply", "flags = score_all(rows)"),
        ]
    )

    helpers = by_id(result)["helpers"]
    assert helpers["defines"] == ["score", "score_all"]
    # Locals (`total`, `row`, `r`), recursion between the cell's own functions and builtins are
    # not uses; the default and the global read in the body are.
    assert helpers["uses"] == ["THRESHOLD", "weights"]
    assert edges(result) == {
        ("config", "helpers"): ["THRESHOLD", "weights"],
        ("helpers", "apply"): ["score_all"],
        ("rows", "apply"): ["rows"],
    }


def test_a_function_reading_a_global_its_own_cell_binds_later_does_not_use_it():
    defines, uses = facts(
        """
        def predict():
            return model.predict(X_new)

        model = fit(X_train)
        labels = predict()
        """
    )

    assert defines == ["labels", "model", "predict"]
    assert uses == ["X_new", "X_train", "fit"]


def test_classes_and_their_methods():
    result = analyze_cells(
        [
            cell("base", "class Base:\n    pass\nDEFAULT_LR = 0.01"),
            cell(
                "model",
                """
                class Regressor(Base):
                    lr = DEFAULT_LR
                    steps = lr * 100

                    def fit(self, X, y):
                        # `lr` is a class attribute: inside a method it would be a global.
                        self.coef_ = solve(X, y, self.lr, epochs)
                        return self
                """,
            ),
            cell("solver", "def solve(X, y, lr, n):\n    return X.T @ y * lr * n\nepochs = 10"),
            cell("fit", "reg = Regressor().fit(X, y)"),
        ]
    )

    model = by_id(result)["model"]
    assert model["defines"] == ["Regressor"]
    assert model["uses"] == ["Base", "DEFAULT_LR", "epochs", "solve"]
    # `solve` and `epochs` are defined by a later node: the method reads them when it runs.
    assert result["problems"] == [
        {
            "cell_id": "model",
            "code": "defined-later",
            "variables": ["epochs", "solve"],
            "defined_in": ["solver"],
            "message": "`epochs`, `solve` are defined only by a later node; "
            "move the defining cell above this one",
        }
    ]
    assert edges(result) == {
        ("base", "model"): ["Base", "DEFAULT_LR"],
        ("model", "fit"): ["Regressor"],
    }


def test_comprehension_variables_do_not_leak():
    result = analyze_cells(
        [
            cell("a", "x = 10\nitems = [1, 2, 3]\nweight = 2"),
            cell(
                "b",
                """
                squares = [x * x for x in items]
                pairs = {k: v * weight for k, v in zip(items, squares)}
                total = sum(i for row in [items] for i in row if i < x)
                """,
            ),
            cell("c", "print(x, squares)"),
        ]
    )

    b = by_id(result)["b"]
    assert b["defines"] == ["pairs", "squares", "total"]
    # `x` is read by the generator's condition, where it is not a comprehension target.
    assert b["uses"] == ["items", "weight", "x"]
    assert edges(result)[("a", "b")] == ["items", "weight", "x"]
    assert edges(result)[("a", "c")] == ["x"]
    assert edges(result)[("b", "c")] == ["squares"]


def test_class_scope_is_not_visible_from_comprehensions_and_methods():
    defines, uses = facts(
        """
        class Grid:
            size = 3
            cells = [size * i for i in range(n)]
            first = [size for _ in range(2)]
        """
    )

    assert defines == ["Grid"]
    # The first iterable runs in the class body; the rest of a comprehension does not.
    assert uses == ["n", "size"]


def test_closures_and_nonlocal():
    defines, uses = facts(
        """
        def make_counter(start):
            count = start
            factor = 2
            def step(by=1):
                nonlocal count
                count += by
                return count * scale + start
            def batch(values):
                return [step(v * factor) for v in values if v > limit]
            return batch

        counter = make_counter(0)
        """
    )

    assert defines == ["counter", "make_counter"]
    # Closure variables (`start`, `factor`, `step`) resolve in the enclosing function.
    assert uses == ["limit", "scale"]


def test_lambdas_and_walrus():
    defines, uses = facts(
        """
        key = lambda row, col=default_col: row[col] + offset
        if (n := len(rows)) > limit:
            ranked = sorted(rows, key=key)
        found = [hit for r in rows if (hit := match(r))]

        def last_match(items):
            kept = [i for i in items if (m := match(i))]
            return m, kept
        """
    )

    # A walrus inside a comprehension binds in the enclosing scope (PEP 572).
    assert defines == ["found", "hit", "key", "last_match", "n", "ranked"]
    assert uses == ["default_col", "limit", "match", "offset", "rows"]


def test_global_declarations_define_module_names():
    defines, uses = facts(
        """
        def reset_cache():
            global cache, hits
            cache = {}
            hits += 1

        def make_peek():
            registry = "shadowed"
            def peek():
                global registry
                return registry
            return peek
        """
    )

    # `registry` is only read through `global`, so it is a use and not a definition.
    assert defines == ["cache", "hits", "make_peek", "reset_cache"]
    assert uses == ["hits", "registry"]


def test_order_within_a_cell_matters():
    assert facts("x = x + 1") == (["x"], ["x"])
    assert facts("y = 1\ny = y + 1") == (["y"], [])
    assert facts("print(z)\nz = 2") == (["z"], ["z"])


def test_every_kind_of_binding():
    defines, uses = facts(
        """
        import os.path
        import numpy as np
        from sklearn import metrics as skm
        from helpers import *
        a, (b, *c) = source()
        d: int = 1
        e: Schema
        def typed():
            local: LocalType = 1
        for i, row in enumerate(rows):
            last = row
        else:
            done = True
        with open(path) as fh, context() as (left, right):
            pass
        try:
            pass
        except ParseError as err:
            pass
        async def fetch():
            pass
        match command:
            case Point(x=px) as point:
                pass
            case {"k": kv, **rest}:
                pass
            case [first, *others]:
                pass
            case Color.RED:
                pass
        """
    )

    assert defines == [
        "a",
        "b",
        "c",
        "d",
        "done",
        "err",
        "fetch",
        "fh",
        "first",
        "i",
        "kv",
        "last",
        "left",
        "np",
        "os",
        "others",
        "point",
        "px",
        "rest",
        "right",
        "row",
        "skm",
        "typed",
    ]
    # Module-level annotations are evaluated; those of a function's locals are not.
    assert uses == [
        "Color",
        "ParseError",
        "Point",
        "Schema",
        "command",
        "context",
        "path",
        "rows",
        "source",
    ]


def test_builtins_and_ipython_names_are_not_uses_unless_rebound():
    result = analyze_cells(
        [
            cell("a", "display(len(data), sorted(data), In, Out)\nprint(get_ipython())"),
            cell("b", "input = load_input()"),
            cell("c", "result = process(input)\nprint(max(result))"),
        ]
    )

    assert by_id(result)["a"]["uses"] == ["data"]
    assert by_id(result)["c"]["uses"] == ["input", "process"]
    assert edges(result) == {("b", "c"): ["input"]}


# Mutation, `del` and augmented assignment.


def test_subscript_and_attribute_mutation_redefine_the_base_name():
    result = analyze_cells(
        [
            cell("load", "df = read_table('sales.csv')\nmodel = Model()"),
            cell("clean", "df['revenue'] = df['price'] * df['qty']\ndf.loc[df.qty < 0, 'qty'] = 0"),
            cell("tune", "model.params.lr = 0.1\nmodel.fit(df)"),
            cell("report", "summary = df.groupby('region').revenue.sum()\nscore = model.score(df)"),
        ]
    )

    assert by_id(result)["clean"] == {
        "id": "clean",
        "defines": ["df"],
        "uses": ["df"],
        "error": None,
    }
    # A method call reads `model`; only the attribute assignment redefines it.
    assert by_id(result)["tune"]["defines"] == ["model"]
    assert edges(result) == {
        ("load", "clean"): ["df"],
        ("load", "tune"): ["model"],
        ("clean", "tune"): ["df"],
        ("clean", "report"): ["df"],
        ("tune", "report"): ["model"],
    }


def test_del_uses_and_redefines_the_name():
    result = analyze_cells(
        [
            cell("a", "cache = {'k': 1}\ntmp = 2"),
            cell("b", "del tmp\ndel cache['k']"),
            cell("c", "print(cache, tmp)"),
        ]
    )

    assert by_id(result)["b"]["defines"] == ["cache", "tmp"]
    assert by_id(result)["b"]["uses"] == ["cache", "tmp"]
    assert edges(result) == {("a", "b"): ["cache", "tmp"], ("b", "c"): ["cache", "tmp"]}


def test_augmented_assignment_chains_follow_the_latest_definer():
    result = analyze_cells(
        [
            cell("init", "step = 0\nhistory = []"),
            cell("one", "step += 1\nhistory += [step]"),
            cell("look", "print(step)", role=None),
            cell("two", "step *= 2\nweights = [0.0]\nweights[0] += step"),
            cell("done", "print(step, history, weights)"),
        ]
    )

    assert by_id(result)["one"]["uses"] == ["history", "step"]
    assert by_id(result)["two"]["defines"] == ["step", "weights"]
    assert by_id(result)["two"]["uses"] == ["step"]
    assert edges(result) == {
        ("init", "one"): ["history", "step"],
        ("one", "two"): ["step"],
        ("one", "done"): ["history"],
        ("two", "done"): ["step", "weights"],
    }


def test_the_latest_earlier_node_wins_and_names_merge_per_source():
    result = analyze_cells(
        [
            cell("v1", "df = first()\nlabels = ['a']"),
            cell("v2", "df = second()\ncols = ['x']"),
            cell("scratch", "df = scratch()", role=None),
            cell("use", "out = df[cols].assign(label=labels[0])"),
        ]
    )

    assert result["edges"] == [
        {"source": "v1", "target": "use", "variables": ["labels"]},
        {"source": "v2", "target": "use", "variables": ["cols", "df"]},
    ]
    # An earlier node defines `df`, so the untagged redefinition is not reported.
    assert result["problems"] == []


# IPython syntax.


def test_magics_and_shell_escapes():
    result = analyze_cells(
        [
            cell("paths", "data_dir = 'data'\npkg = 'lightgbm'\ntmp_dir = '/tmp'\nreport = 'r.md'"),
            cell(
                "shell",
                """
                %load_ext autoreload
                %autoreload 2
                !pip install $pkg --quiet
                files = !ls {data_dir}
                listing = %sx ls $tmp_dir
                sizes = [f for f in files]
                files?
                """,
            ),
            cell("bash", "%%bash\nexport x=1\necho $x"),
            cell("write", "%%writefile {report}\n# Report"),
            cell("awk", "!awk '{print $1}' $$HOME { files[0] }"),
            # Hand-written calls that look like IPython's are left alone, not crashed on.
            cell(
                "manual",
                "get_ipython().system()\n"
                "get_ipython().run_line_magic('time')\n"
                "get_ipython().run_cell_magic('time', x)",
            ),
        ]
    )

    cells = by_id(result)
    assert cells["shell"]["error"] is None
    assert cells["shell"]["defines"] == ["files", "listing", "sizes"]
    # IPython substitutes `{expr}` and `$name` from the user namespace.
    assert cells["shell"]["uses"] == ["data_dir", "pkg", "tmp_dir"]
    assert cells["bash"] == {"id": "bash", "defines": [], "uses": [], "error": None}
    assert cells["awk"]["uses"] == ["files"]
    assert cells["manual"] == {"id": "manual", "defines": [], "uses": ["x"], "error": None}
    assert edges(result) == {
        ("paths", "shell"): ["data_dir", "pkg", "tmp_dir"],
        ("paths", "write"): ["report"],
        ("shell", "awk"): ["files"],
    }


def test_code_in_time_and_capture_magics_is_analysed():
    result = analyze_cells(
        [
            cell("data", "X, y = load()"),
            cell("fit", "%%time\nmodel = train(X, y)\nscore = model.score(X, y)"),
            cell("install", "%%capture log --no-stderr\n!pip install extra\nready = True"),
            cell("predict", "%time preds = model.predict(X)\nprint(log.stdout, ready)"),
        ]
    )

    cells = by_id(result)
    assert cells["fit"]["defines"] == ["model", "score"]
    assert cells["install"]["defines"] == ["log", "ready"]
    assert cells["predict"]["defines"] == ["preds"]
    assert edges(result) == {
        ("data", "fit"): ["X", "y"],
        ("data", "predict"): ["X"],
        ("fit", "predict"): ["model"],
        ("install", "predict"): ["log", "ready"],
    }


def test_syntax_errors_are_reported_on_their_cell():
    result = analyze_cells(
        [
            cell("a", "x = 1"),
            cell("broken", "y = x + 1\nz = (y,\nprint(z)"),
            {"id": "blank-lines", "source": "\n\n\ndef f(:\n    pass"},
            cell("magic-body", "%%time\nok = 1\nbad = ]", role=None),
            cell("c", "w = x * 2"),
        ]
    )

    cells = by_id(result)
    broken = cells["broken"]
    assert broken["defines"] == [] and broken["uses"] == []
    assert broken["error"]["line"] == 2
    assert broken["error"]["column"] == 5
    assert "never closed" in broken["error"]["message"]
    # Line numbers are the user's, whatever IPython's transformation drops or wraps.
    assert cells["blank-lines"]["error"]["line"] == 4
    assert cells["magic-body"]["error"]["line"] == 3
    assert cells["magic-body"]["error"]["message"]
    # The other cells still analyse and link.
    assert cells["c"] == {"id": "c", "defines": ["w"], "uses": ["x"], "error": None}
    assert edges(result) == {("a", "c"): ["x"]}


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("x = 1\x00", 1),
        ("x = " + " + ".join(["1"] * 20_000), 1),
        ("if x:", 1),
        ('x = """open', 1),
        ("a ? b", 1),
        # Raised by IPython's transformation itself, after a dropped leading blank line.
        ("\nif ok:\n    x = 1\n  y = 2", 4),
        # IPython splits on form feeds too: the line is clamped to the editor's lines.
        ("!\x0c}@", 1),
        ("x = 1\r\ny = (", 2),
        # IPython's transformation itself crashes on this one (IndexError).
        ("ok = 1\nx = %\\", 1),
    ],
    ids=[
        "null-byte",
        "too-deep",
        "no-block",
        "open-string",
        "bad-help",
        "bad-dedent",
        "form-feed",
        "crlf",
        "ipython-crash",
    ],
)
def test_unparseable_sources_never_raise(source, line):
    (result,) = analyze_cells([{"id": "c", "source": source, "role": "node"}])["cells"]

    assert result["defines"] == [] and result["uses"] == []
    assert result["error"]["line"] == line
    assert result["error"]["column"] >= 1
    assert result["error"]["message"]


def test_warnings_about_user_code_are_neither_logged_nor_errors():
    source = 'pattern = re.compile("\\d+")\nflag = 0xfor other'
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (result,) = analyze_cells([cell("c", source)])["cells"]

    assert result == {
        "id": "c",
        "defines": ["flag", "pattern"],
        "uses": ["other", "re"],
        "error": None,
    }


# Problems.


def test_untagged_definers_are_all_named():
    result = analyze_cells(
        [
            cell("explore-1", "df = load()\nthreshold = 3", role=None),
            cell("explore-2", "df = df.dropna()", role=None),
            cell("node", "kept = df[df.score > threshold]"),
        ]
    )

    assert result["edges"] == []
    assert result["problems"] == [
        {
            "cell_id": "node",
            "code": "undefined-upstream",
            "variables": ["df"],
            "defined_in": ["explore-1", "explore-2"],
            "message": "`df` is defined only in untagged cells; "
            "tag one of them as a node or a setup cell",
        },
        {
            "cell_id": "node",
            "code": "undefined-upstream",
            "variables": ["threshold"],
            "defined_in": ["explore-1"],
            "message": "`threshold` is defined only in an untagged cell; "
            "tag that cell as a node or a setup cell",
        },
    ]


def test_defined_later_and_undefined_names():
    result = analyze_cells(
        [
            cell("early", "predictions = model.predict(features)\nprint(unknown_name)\nruns += 1"),
            cell("scratch", "unknown_name = 1", role=None),
            cell("late", "model = fit()\nfeatures = build()"),
            cell("later", "model = refit()"),
        ]
    )

    assert result["problems"] == [
        {
            "cell_id": "early",
            "code": "defined-later",
            "variables": ["features"],
            "defined_in": ["late"],
            "message": "`features` is defined only by a later node; "
            "move the defining cell above this one",
        },
        {
            "cell_id": "early",
            "code": "defined-later",
            "variables": ["model"],
            "defined_in": ["late", "later"],
            "message": "`model` is defined only by later nodes; "
            "move the defining cell above this one",
        },
    ]
    # A name defined nowhere earlier and by no later node (`unknown_name` only by a later
    # untagged cell) may come at run time: no problem.
    assert all("unknown_name" not in p["variables"] for p in result["problems"])
    # `early` reads `runs` before defining it itself: that is not "defined later".
    assert all("runs" not in p["variables"] for p in result["problems"])
    assert result["edges"] == []


# Input validation.


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"cells": []}, "must be a list"),
        ("x = 1", "must be a list"),
        ([["x = 1"]], r"cells\[0\] must be an object"),
        ([{"source": "x = 1"}], r"cells\[0\]\.id must be a non-empty string"),
        ([{"id": 3, "source": "x = 1"}], r"cells\[0\]\.id"),
        ([{"id": "", "source": "x = 1"}], r"cells\[0\]\.id"),
        ([cell("a", "x"), {"id": "b"}], r"cells\[1\]\.source must be a string"),
        ([{"id": "a", "source": ["x = 1\n"]}], r"cells\[0\]\.source"),
        ([{"id": "a", "source": "", "role": "leader"}], r"cells\[0\]\.role must be"),
        (
            [cell("a", "x"), cell("b", "y"), cell("a", "z")],
            r"duplicate cell id 'a' \(cells\[0\] and cells\[2\]\)",
        ),
    ],
)
def test_malformed_input_raises_value_error(cells, message):
    with pytest.raises(ValueError, match=message):
        analyze_cells(cells)


def test_empty_notebook():
    assert analyze_cells([]) == {"cells": [], "edges": [], "problems": []}


def test_results_are_fresh_objects_on_every_call():
    cells = [cell("a", "x = 1"), cell("b", "y = x")]
    first = analyze_cells(cells)
    first["cells"][0]["defines"].append("tampered")
    first["edges"][0]["variables"].clear()

    assert analyze_cells(cells) == {
        "cells": [
            {"id": "a", "defines": ["x"], "uses": [], "error": None},
            {"id": "b", "defines": ["y"], "uses": ["x"], "error": None},
        ],
        "edges": [{"source": "a", "target": "b", "variables": ["x"]}],
        "problems": [],
    }


# Scale.


def test_a_500_cell_notebook():
    """Nodes fan in from their predecessor and from cell i // 2; every 50th cell is untagged."""
    cells = [cell("setup", "import math\nSCALE = 2", role="setup"), cell("n0", "v0 = 1\ntotal = 0")]
    for i in range(1, 500):
        role = None if i % 50 == 0 else "node"
        source = f"""
            def f{i}(a, b):
                return math.sqrt(a * a + b * b) * SCALE

            v{i} = f{i}(v{i - 1}, v{i // 2})
            total += v{i}
            """
        cells.append(cell(f"n{i}", source, role=role))

    result = analyze_cells(cells)

    expected_edges, expected_problems = {}, {}
    for i in range(1, 500):
        if i % 50 == 0:
            continue
        uses = {f"v{i - 1}": i - 1, f"v{i // 2}": i // 2, "total": i - 1}
        if (i - 1) % 50 == 0 and i - 1:
            # The untagged predecessor defines `v{i-1}`, and `total` too: an earlier node
            # defines `total`, so only `v{i-1}` is a problem.
            del uses[f"v{i - 1}"]
            expected_problems[f"n{i}"] = [f"v{i - 1}"]
            uses["total"] = i - 2
        if (i // 2) % 50 == 0 and i // 2:
            uses.pop(f"v{i // 2}")
            expected_problems.setdefault(f"n{i}", []).append(f"v{i // 2}")
        for name, source in uses.items():
            expected_edges.setdefault((f"n{source}", f"n{i}"), []).append(name)
    expected_edges = {key: sorted(names) for key, names in expected_edges.items()}

    assert len(result["cells"]) == 501
    assert all(c["error"] is None for c in result["cells"])
    assert by_id(result)["n7"]["uses"] == ["SCALE", "math", "total", "v3", "v6"]
    assert edges(result) == expected_edges
    problems = {}
    for problem in result["problems"]:
        assert problem["code"] == "undefined-upstream"
        problems.setdefault(problem["cell_id"], []).extend(problem["variables"])
    assert {k: sorted(v) for k, v in problems.items()} == {
        k: sorted(v) for k, v in expected_problems.items()
    }
    # `total` chains every tagged node to the latest node before it: 499 cells, 9 untagged.
    assert sum(1 for e in result["edges"] if "total" in e["variables"]) == 499 - 9
