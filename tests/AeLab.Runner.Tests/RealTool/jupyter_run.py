#!/usr/bin/python3
"""Executes notebooks in the real dotnet-interactive tool through Jupyter's own client (Debian's python3-nbclient),
as Jupyter Notebook does: one kernel per notebook, started from the tool's own kernelspec.

    jupyter_run.py --kernelspecs DIR --cwd DIR --out DIR [--timeout S] [--startup-timeout S] NOTEBOOK.ipynb ...

--kernelspecs DIR: a private Jupyter data folder holding kernels/.net-csharp (written by `dotnet interactive jupyter
install --path DIR/kernels`); Jupyter looks there first and nowhere in the user's home, so the run depends on no
kernelspec the user registered. --cwd: the kernel's working folder (the course's jupyter/ folder, where the lessons'
#r "../lib/bin/AeLab.dll" resolves and `dotnet interactive` finds the repository's tool manifest).

Per notebook it writes OUT/<name>.ipynb (executed, as far as it got), OUT/<name>.kernel.log (the kernel process's
stdout and stderr) and OUT/<name>.json:
  {"ok": bool, "error": str|null, "cell": index of the cell that failed or null, "seconds": float,
   "cells": [{"index", "seconds"}],
   "displays": [{"cell", "type", "id"}]}   every display_data / update_display_data / execute_result message's display_id
The process exits 0 when it could run every notebook (a failing cell is a result, not a crash of this script).
"""
import argparse
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernelspecs", required=True)
    ap.add_argument("--cwd", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--startup-timeout", type=int, default=180)
    ap.add_argument("--kernel", default=".net-csharp")
    ap.add_argument("notebooks", nargs="+")
    a = ap.parse_args()

    # Jupyter's search path: the private folder only (plus the system folders, which come after it).
    private = os.path.abspath(a.kernelspecs)
    os.environ["JUPYTER_PATH"] = private
    os.environ["JUPYTER_DATA_DIR"] = private
    os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(private, "runtime")
    os.environ["JUPYTER_CONFIG_DIR"] = os.path.join(private, "config")

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    class Client(NotebookClient):
        """nbclient, recording the display id of every display message it processes."""

        displays = []
        current = None   # the index of the cell being executed

        def process_message(self, msg, cell, cell_index):
            kind = msg["msg_type"]
            if kind in ("display_data", "update_display_data", "execute_result"):
                self.displays.append({"cell": cell_index, "type": kind,
                                      "id": msg["content"].get("transient", {}).get("display_id")})
            return super().process_message(msg, cell, cell_index)

    os.makedirs(a.out, exist_ok=True)
    for path in a.notebooks:
        name = os.path.splitext(os.path.basename(path))[0]
        nb = nbformat.read(path, as_version=4)
        client = Client(nb, timeout=a.timeout, startup_timeout=a.startup_timeout, kernel_name=a.kernel,
                        record_timing=True, resources={"metadata": {"path": os.path.abspath(a.cwd)}})
        client.displays = []
        client.on_cell_start = lambda cell, cell_index: setattr(client, "current", cell_index)
        clock = time.monotonic()
        error = None
        # The kernel's own output (its web host's start-up lines, native messages) goes to OUT/<name>.kernel.log.
        kernel_log = open(os.path.join(a.out, name + ".kernel.log"), "w")
        try:
            client.execute(stdout=kernel_log, stderr=kernel_log)
        except CellTimeoutError as e:
            error = f"a cell did not finish within {a.timeout:.0f} s: {first_line(e)}"
        except CellExecutionError as e:
            error = str(e)
        except DeadKernelError as e:
            error = f"the kernel died: {e}"
        except RuntimeError as e:   # kernel did not start within the startup timeout, and the like
            error = f"{type(e).__name__}: {e}"
        finally:
            kernel_log.close()
        seconds = time.monotonic() - clock
        cells = []
        for i, cell in enumerate(nb.cells):
            t = cell.get("metadata", {}).get("execution", {})
            start, end = t.get("iopub.execute_input"), t.get("shell.execute_reply")
            if start and end:
                cells.append({"index": i, "seconds": elapsed(start, end)})
        nbformat.write(nb, os.path.join(a.out, name + ".ipynb"))
        with open(os.path.join(a.out, name + ".json"), "w") as f:
            json.dump({"ok": error is None, "error": error, "cell": None if error is None else client.current,
                       "seconds": seconds, "cells": cells,
                       "displays": client.displays}, f)
        print(f"{name}: {'ok' if error is None else 'FAILED'} in {seconds:.1f} s", flush=True)
    return 0


def first_line(e):
    return str(e).strip().split("\n")[0]


def elapsed(start, end):
    from datetime import datetime
    parse = lambda s: datetime.strptime(s.rstrip("Z")[:26], "%Y-%m-%dT%H:%M:%S.%f")
    return (parse(end) - parse(start)).total_seconds()


if __name__ == "__main__":
    sys.exit(main())
