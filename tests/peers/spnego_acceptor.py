"""pyspnego's SPNEGO ("negotiate") acceptor, one JSON command per stdin line, one JSON
answer per stdout line (bytes as hex). NTLM users come from NTLM_USER_FILE.

  {"op": "step", "token"}  -> {"token", "complete", "mech"}
  {"op": "wrap", "data"}   -> {"data"}        GSS_Wrap with confidentiality
  {"op": "unwrap", "data"} -> {"data"}
"""
import json
import sys

import spnego

ctx = spnego.server(protocol="negotiate")


def handle(cmd):
    op = cmd["op"]
    if op == "step":
        out = ctx.step(bytes.fromhex(cmd["token"]))
        return {"token": out.hex() if out else None, "complete": ctx.complete, "mech": ctx.negotiated_protocol}
    if op == "wrap":
        return {"data": ctx.wrap(bytes.fromhex(cmd["data"])).data.hex()}
    if op == "unwrap":
        return {"data": ctx.unwrap(bytes.fromhex(cmd["data"])).data.hex()}
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    try:
        answer = handle(json.loads(line))
    except Exception as e:  # report, keep serving
        answer = {"error": "%s: %s" % (type(e).__name__, e)}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
