"""MIT Kerberos GSS-API (python-gssapi under /usr/bin/python3) as a referee for our
Kerberos code. One JSON command per stdin line, one JSON answer per stdout line;
binary values are base64. KRB5_CONFIG etc. come from the environment the test sets.

Commands:
  {"op": "accept", "keytab": path, "token": b64}        -> {"token": b64|null, "complete", "initiator", "mech"}
  {"op": "initiate", "ccache": path, "target": "HTTP@host", "mech"?: "spnego"} -> {"token": b64}
  {"op": "initiate_step", "token": b64}                  -> {"complete"}
  {"op": "wrap", "data": b64}                            -> {"token": b64}
  {"op": "unwrap", "token": b64}                         -> {"data": b64, "encrypted"}
  {"op": "wrap_winrm", "data": b64}                      -> {"header", "data", "padding"}
  {"op": "unwrap_winrm", "header": b64, "data": b64}     -> {"data": b64}
  {"op": "get_mic", "data": b64} / {"op": "verify_mic", "data": b64, "mic": b64}
Errors: {"error": "...", "kind": "..."}.
"""
import base64
import json
import sys

import gssapi
import gssapi.raw as raw
from gssapi.raw import IOV, IOVBufferType, unwrap_iov, wrap_iov

ctx = None


def b64(data):
    return None if data is None else base64.b64encode(data).decode()


def unb64(text):
    return base64.b64decode(text)


def handle(cmd):
    global ctx
    op = cmd["op"]
    if op == "accept":
        if ctx is None or ctx.usage != "accept":
            creds = gssapi.Credentials(usage="accept", store={"keytab": cmd["keytab"]})
            ctx = gssapi.SecurityContext(creds=creds, usage="accept")
        out = ctx.step(unb64(cmd["token"]))
        return {
            "token": b64(out),
            "complete": ctx.complete,
            "initiator": str(ctx.initiator_name) if ctx.complete else None,
            "mech": ctx.mech.dotted_form if ctx.complete else None,
        }
    if op == "initiate":
        creds = gssapi.Credentials(usage="initiate", store={"ccache": "FILE:" + cmd["ccache"]})
        name = gssapi.Name(cmd["target"], gssapi.NameType.hostbased_service)
        flags = (gssapi.RequirementFlag.mutual_authentication | gssapi.RequirementFlag.replay_detection
                 | gssapi.RequirementFlag.out_of_sequence_detection | gssapi.RequirementFlag.confidentiality
                 | gssapi.RequirementFlag.integrity)
        mech = gssapi.Mechanism.from_sasl_name("SPNEGO") if cmd.get("mech") == "spnego" else gssapi.MechType.kerberos
        ctx = gssapi.SecurityContext(name=name, creds=creds, usage="initiate", mech=mech, flags=flags)
        return {"token": b64(ctx.step())}
    if op == "initiate_step":
        ctx.step(unb64(cmd["token"]))
        return {"complete": ctx.complete}
    if op == "wrap":
        return {"token": b64(ctx.wrap(unb64(cmd["data"]), True).message)}
    if op == "unwrap":
        res = ctx.unwrap(unb64(cmd["token"]))
        return {"data": b64(res.message), "encrypted": res.encrypted}
    if op == "wrap_winrm":
        # As pyspnego/pykerberos do for WinRM: header, data and padding buffers, no trailer.
        iov = IOV(IOVBufferType.header, unb64(cmd["data"]), IOVBufferType.padding, std_layout=False)
        wrap_iov(ctx, iov, confidential=True)
        return {"header": b64(iov[0].value or b""), "data": b64(iov[1].value or b""), "padding": b64(iov[2].value or b"")}
    if op == "unwrap_winrm":
        iov = IOV((IOVBufferType.header, False, unb64(cmd["header"])), unb64(cmd["data"]), IOVBufferType.data, std_layout=False)
        unwrap_iov(ctx, iov)
        return {"data": b64(iov[1].value or b"")}
    if op == "get_mic":
        return {"mic": b64(ctx.get_signature(unb64(cmd["data"])))}
    if op == "verify_mic":
        ctx.verify_signature(unb64(cmd["data"]), unb64(cmd["mic"]))
        return {"ok": True}
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    try:
        answer = handle(json.loads(line))
    except Exception as exc:  # every failure is an answer, so the test sees MIT's own words
        answer = {"error": str(exc), "kind": type(exc).__name__}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
