"""pywinrm runs commands against a WinRM endpoint (the simulator).

Usage: pywinrm_run.py ENDPOINT TRANSPORT USER [MESSAGE_ENCRYPTION]
The password comes from PEER_PASSWORD (never argv; absent for transport="kerberos",
whose ticket comes from the credential cache in KRB5CCNAME); the commands from
PEER_COMMANDS, a JSON list of [command, [args]]; PEER_OPTIONS (JSON) holds further
winrm.Session keywords, e.g. {"kerberos_hostname_override": "srv01.corp.test"} for an
endpoint addressed by IP. Runs under the peers' virtualenv (pywinrm 0.5) and under
Debian's /usr/bin/python3 (pywinrm 0.3). Prints one JSON object per command,
{"cmd", "stdout", "stderr", "rc"}, or {"error": "<ExceptionClass>", "detail"} and exits 3.
"""
import json
import os
import sys

import winrm

endpoint, transport, user = sys.argv[1], sys.argv[2], sys.argv[3]
encryption = sys.argv[4] if len(sys.argv) > 4 else "auto"
options = json.loads(os.environ.get("PEER_OPTIONS", "{}"))
session = winrm.Session(endpoint, auth=(user, os.environ.get("PEER_PASSWORD")), transport=transport,
                        server_cert_validation="ignore", message_encryption=encryption, **options)
try:
    for cmd, args in json.loads(os.environ["PEER_COMMANDS"]):
        r = session.run_cmd(cmd, args)
        print(json.dumps({"cmd": " ".join([cmd] + args), "stdout": r.std_out.decode("utf-8"),
                          "stderr": r.std_err.decode("utf-8"), "rc": r.status_code}))
        sys.stdout.flush()
except Exception as exc:  # the class name is what the tests assert on
    print(json.dumps({"error": type(exc).__name__, "detail": str(exc)}))
    sys.exit(3)
