"""Peer-conformance probe: Debian's pywinrm runs commands against the simulator.

Usage: run_cmds.py ENDPOINT TRANSPORT USER [MESSAGE_ENCRYPTION]
The password comes from the environment (SIM_PASSWORD) so it never appears in argv.
Prints one JSON object per line: {"cmd":..., "stdout":..., "stderr":..., "rc":...}
or {"error": "<ExceptionClass>", "detail": "..."} and exits 3 on failure.
"""
import json
import os
import sys

import winrm

endpoint, transport, user = sys.argv[1], sys.argv[2], sys.argv[3]
encryption = sys.argv[4] if len(sys.argv) > 4 else "auto"
password = os.environ["SIM_PASSWORD"]

session = winrm.Session(
    endpoint,
    auth=(user, password),
    transport=transport,
    server_cert_validation="ignore",
    message_encryption=encryption,
)
commands = [
    ("hostname", []),
    ("whoami", []),
    ("cmd", ["/c", "echo", "hi"]),
    ("exit 3", []),
    ("definitely-not-a-command", []),
]
try:
    for cmd, args in commands:
        r = session.run_cmd(cmd, args)
        print(json.dumps({
            "cmd": " ".join([cmd] + args),
            "stdout": r.std_out.decode("utf-8"),
            "stderr": r.std_err.decode("utf-8"),
            "rc": r.status_code,
        }))
        sys.stdout.flush()
except Exception as exc:  # report the class so the test can assert on it
    print(json.dumps({"error": type(exc).__name__, "detail": str(exc)}))
    sys.exit(3)
