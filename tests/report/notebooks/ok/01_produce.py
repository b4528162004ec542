# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Produce: a tiny N+1 and its fix, measured on the real database

# %% tags=["parameters"]
scale: str = "tiny"  # data preset or number of users
seed: int = 42  # random seed
repeat: int = 3  # timed repeats per variant
label: str = "none"  # free text that must stay text ("007" is not 7)
results_dir: str = ""  # the run folder, set by the runner

# %%
from workbench.report.notebook import bootstrap

params = bootstrap(check_data=False)  # a pipeline test: no marketplace data needed

# %%
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from django.db import connection


def one_per_row():
    with connection.cursor() as cur:
        cur.execute("SELECT generate_series(1, 8)")
        for (i,) in cur.fetchall():
            cur.execute("SELECT %s::int * 2", [i])
            cur.fetchone()


def all_at_once():
    with connection.cursor() as cur:
        cur.execute("SELECT i * 2 FROM generate_series(1, 8) AS i")
        cur.fetchall()


def measure(fn):
    """Query count, repeated statements and timings of ``fn``, run ``repeat`` times."""
    timings, statements, db_seconds = [], [], []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_seconds.append(time.perf_counter() - started)
            statements.append(sql)

    for _ in range(repeat):
        statements.clear()
        db_seconds.clear()
        with connection.execute_wrapper(timed):
            started = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - started) * 1000)
    repeated = max(statements.count(s) for s in set(statements))
    return {
        "queries": len(statements),
        "n_plus_one": 1 if repeated > 2 else 0,
        "p50_ms": float(np.percentile(timings, 50)),
        "p95_ms": float(np.percentile(timings, 95)),
        "db_ms": sum(db_seconds) * 1000,
    }


variants = {"baseline": measure(one_per_row), "all": measure(all_at_once)}

# %%
go.Figure(
    [go.Bar(x=list(variants), y=[v["queries"] for v in variants.values()])],
    layout_title_text="Queries per variant",
).show()

# %%
out = {
    "variants": variants,
    "params": params,
    "label": label,
    "label_type": type(label).__name__,
    "executable": sys.executable,
    "prefix": sys.prefix,
    "cwd": os.getcwd(),
}
_ = Path(results_dir, "produce.json").write_text(json.dumps(out))
