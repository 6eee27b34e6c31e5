"""pywinrm 0.5's own run_ps against a WinRM endpoint: the script as powershell
-encodedcommand, the CLIXML error stream turned back into text by pywinrm itself.

Usage: pywinrm_run_ps.py ENDPOINT USER
The password comes from PEER_PASSWORD, the script from PEER_SCRIPT (never argv).
Prints one JSON object, {"stdout", "stderr", "rc"}, or {"error": "<ExceptionClass>",
"detail"} and exits 3.
"""
import json
import os
import sys

import winrm

endpoint, user = sys.argv[1], sys.argv[2]
session = winrm.Session(endpoint, auth=(user, os.environ["PEER_PASSWORD"]), transport="ntlm")
try:
    r = session.run_ps(os.environ["PEER_SCRIPT"])
    print(json.dumps({"stdout": r.std_out.decode("utf-8"), "stderr": r.std_err.decode("utf-8"), "rc": r.status_code}))
except Exception as exc:  # the class name is what the tests assert on
    print(json.dumps({"error": type(exc).__name__, "detail": str(exc)}))
    sys.exit(3)
