"""pywinrm's run_ps on a simulated host: powershell -encodedcommand, CLIXML errors decoded
by pywinrm's own _clean_error_msg. (Debian's pywinrm 0.3.0 hands that function bytes on
Python 3, pywinrm#285, so this does run_ps's two steps itself and passes it a str.)

Usage: run_ps.py ENDPOINT USER   (password in SIM_PASSWORD, script in SIM_SCRIPT)
Prints one JSON object: {"stdout":..., "stderr":..., "rc":...}
"""
import json
import os
import sys

from base64 import b64encode

import winrm

endpoint, user = sys.argv[1], sys.argv[2]
session = winrm.Session(endpoint, auth=(user, os.environ["SIM_PASSWORD"]), transport="ntlm")
encoded = b64encode(os.environ["SIM_SCRIPT"].encode("utf_16_le")).decode("ascii")
r = session.run_cmd("powershell -encodedcommand {0}".format(encoded))
stderr = r.std_err.decode("utf-8")
if stderr:
    stderr = session._clean_error_msg(stderr)
print(json.dumps({"stdout": r.std_out.decode("utf-8"), "stderr": stderr, "rc": r.status_code}))
