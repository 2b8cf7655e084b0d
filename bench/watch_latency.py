"""Edit -> reloaded preview in a warm ``ketapub watch``, as a browser would see it.

Starts ``ketapub watch`` on a copy of a source (127.0.0.1, a free port), opens the preview's
event stream, then, N times: appends a sentence to part 3, and times

- ``event``: until the ``reload`` event arrives;
- ``preview``: until the preview page (fetched right after the event, as the page's script
  does) shows the new sentence: the figure of the target (<= 1.0 s);
- ``everything``: until the last phase landed (PDF handouts and booklet laid out again).

    python bench/watch_latency.py [SOURCE] [--as-of ISO8601] [--repeat N] [--jobs N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _events(port: int, into: queue.Queue[tuple[float, str, dict[str, Any]]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", "/_ketapub/events")
    name = ""
    try:
        for raw in conn.getresponse():
            line = raw.decode("utf-8").rstrip("\r\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                into.put((time.perf_counter(), name, json.loads(line[6:])))
    except OSError:
        pass


def _page(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/")
        return conn.getresponse().read().decode("utf-8")
    finally:
        conn.close()


def measure(src: Path, out: Path, as_of: str, repeat: int = 3, jobs: int = 2
            ) -> list[dict[str, float]]:
    """Timings of ``repeat`` edits of part 3 of ``src`` (edited in place)."""
    proc = subprocess.Popen([sys.executable, "-m", "ketapub.cli", "watch", str(src), "-o",
                             str(out), "--as-of", as_of, "--port", "0", "--jobs", str(jobs)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stderr is not None
        port = 0
        for line in proc.stderr:
            found = re.search(r"preview at http://127\.0\.0\.1:(\d+)/", line)
            if found:
                port = int(found.group(1))
                break
        if not port:
            raise SystemExit(f"ketapub watch did not start (exit {proc.wait()})")
        threading.Thread(target=lambda: [None for _ in proc.stderr or ()], daemon=True).start()
        got: queue.Queue[tuple[float, str, dict[str, Any]]] = queue.Queue()
        threading.Thread(target=_events, args=(port, got), daemon=True).start()
        got.get(timeout=120)  # hello
        part = sorted((src / "parts").glob("03-*.md"))[0]
        runs = []
        for r in range(repeat):
            marker = f"Sentence {r} added by the watch benchmark."
            load = os.getloadavg()[0]
            edited = time.perf_counter()
            part.write_text(part.read_text("utf-8") + f"\n{marker}\n", "utf-8")
            at, name, state = got.get(timeout=300)
            assert name == "reload", (name, state)
            page = _page(port)
            shown = time.perf_counter()
            assert marker in page, "the reloaded preview lacks the edit"
            done = at
            while state.get("pending"):
                done, name, state = got.get(timeout=300)
            runs.append({"event": at - edited, "preview": shown - edited,
                         "everything": done - edited, "load": load})
            time.sleep(0.5)
        return runs
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", nargs="?", default=str(ROOT / "content"))
    ap.add_argument("--as-of", default="2025-10-01T00:00:00+00:00")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    opts = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ketapub-watch-bench-"))
    try:
        shutil.copytree(opts.source, tmp / "src")
        runs = measure(tmp / "src", tmp / "out", opts.as_of, opts.repeat, opts.jobs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for key in ("event", "preview", "everything"):
        values = sorted(run[key] for run in runs)
        print(f"edit -> {key:10s} median {values[(len(values) - 1) // 2]:.2f} s "
              f"(range {values[0]:.2f}-{values[-1]:.2f}, {len(values)} edits)")


if __name__ == "__main__":
    main()
