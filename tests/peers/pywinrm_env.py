"""pywinrm 0.5's Protocol opens a shell with environment variables (its env_vars, sent
as rsp:Environment) and runs one command in it.

Usage: pywinrm_env.py ENDPOINT USER COMMAND [ARG...]
Password in PEER_PASSWORD; the variables as a JSON object in PEER_ENV.
Prints {"stdout", "stderr", "rc"}.
"""
import json
import os
import sys

from winrm.protocol import Protocol

endpoint, user, command, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
p = Protocol(endpoint, transport="ntlm", username=user, password=os.environ["PEER_PASSWORD"])
shell = p.open_shell(env_vars=json.loads(os.environ["PEER_ENV"]))
try:
    cid = p.run_command(shell, command, args)
    out, err, rc = p.get_command_output(shell, cid)
    p.cleanup_command(shell, cid)
finally:
    p.close_shell(shell)
print(json.dumps({"stdout": out.decode("utf-8"), "stderr": err.decode("utf-8"), "rc": rc}))
