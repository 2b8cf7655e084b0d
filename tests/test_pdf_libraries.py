"""WeasyPrint's libraries are found by the linker cache alone, and the search is put back."""

from __future__ import annotations

import json
import subprocess
import sys

# A fresh process: WeasyPrint is imported once per process, and pytest's may have it already.
CODE = """
import ctypes.util, json, subprocess
ran = []
real = subprocess.Popen.__init__
def spy(self, args, *rest, **kw):
    ran.append(args if isinstance(args, str) else " ".join(map(str, args)))
    real(self, args, *rest, **kw)
subprocess.Popen.__init__ = spy
search = ctypes.util.find_library
import ketapub.renderers.pdf_fetch
from weasyprint.text import ffi
print(json.dumps({"ran": ran, "restored": ctypes.util.find_library is search,
                  "loaded": [ffi.pango is not None, ffi.fontconfig is not None,
                             ffi.harfbuzz is not None, ffi.pangoft2 is not None]}))
"""


def test_weasyprint_import_runs_no_compiler_and_restores_find_library() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    got = json.loads(out.strip().splitlines()[-1])
    # ldconfig only: no gcc, cc or ld run for each of the names WeasyPrint tries
    assert got["ran"], "WeasyPrint found its libraries without asking ldconfig?"
    assert all(cmd.split()[0].endswith("/ldconfig") for cmd in got["ran"]), got["ran"]
    assert got["restored"]
    assert got["loaded"] == [True, True, True, True]
