"""pywinrm with transport="kerberos" runs commands against a WinRM endpoint (the simulator).

Runs under the peers' virtualenv (pywinrm 0.5, its vendored requests-kerberos over PyPI's
pykerberos, i.e. MIT's GSS-API) and under Debian's /usr/bin/python3 (python3-winrm 0.3 with
python3-requests-kerberos over python3-kerberos).

Usage: pywinrm_kerberos.py ENDPOINT USER [MESSAGE_ENCRYPTION]
The ticket comes from the credential cache in KRB5CCNAME (after kinit), the realm from
KRB5_CONFIG; PEER_SPN_HOST is the host name in the SPN (kerberos_hostname_override), for an
endpoint addressed by IP; PEER_COMMANDS is a JSON list of [command, [args]]. Prints
{"versions": {...}} first, then one JSON object per command, {"cmd", "stdout", "stderr",
"rc"}, or {"error": "<ExceptionClass>", "detail"} and exits 3.
"""
import json
import os
import sys

import winrm

try:
    from importlib import metadata
    version = metadata.version("pywinrm")
except Exception:  # Debian's package has no dist-info under that name everywhere
    version = getattr(winrm, "__version__", "unknown")

endpoint, user = sys.argv[1], sys.argv[2]
encryption = sys.argv[3] if len(sys.argv) > 3 else "auto"
options = {}
if os.environ.get("PEER_SPN_HOST"):
    options["kerberos_hostname_override"] = os.environ["PEER_SPN_HOST"]
print(json.dumps({"versions": {"pywinrm": version, "python": sys.executable}}))
sys.stdout.flush()
session = winrm.Session(endpoint, auth=(user, None), transport="kerberos",
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
