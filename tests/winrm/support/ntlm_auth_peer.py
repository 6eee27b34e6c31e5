"""Interop referee for the NTLM tests: drives the `ntlm_auth` package (the NTLM
implementation pywinrm uses) and pywinrm's own message-encryption framing, one JSON
command per stdin line, one JSON answer per stdout line. Run with /usr/bin/python3."""
import json
import sys
import types

from ntlm_auth.gss_channel_bindings import GssChannelBindingsStruct
from ntlm_auth.ntlm import NtlmContext
from ntlm_auth.session_security import SessionSecurity
from winrm.encryption import Encryption

ctx = None


def framing():
    # pywinrm's Encryption only needs session.auth.session_security for NTLM.
    session = types.SimpleNamespace(auth=types.SimpleNamespace(session_security=ctx._session_security))
    return Encryption(session, "ntlm")


def handle(cmd):
    global ctx
    op = cmd["op"]
    if op == "init":
        cbt = None
        if cmd.get("cbt_app_data"):
            cbt = GssChannelBindingsStruct()
            cbt[cbt.APPLICATION_DATA] = bytes.fromhex(cmd["cbt_app_data"])
        ctx = NtlmContext(cmd["user"], cmd["password"], domain=cmd.get("domain"),
                          workstation=cmd.get("workstation"), cbt_data=cbt, ntlm_compatibility=3)
        return {"negotiate": ctx.step().hex()}
    if op == "server_session":
        # Acceptor-side session from a known exported key, to check our client role.
        sec = SessionSecurity(int(cmd["flags"]), bytes.fromhex(cmd["key"]), source="server")
        ctx = types.SimpleNamespace(_session_security=sec)
        return {}
    if op == "step":
        return {"authenticate": ctx.step(bytes.fromhex(cmd["challenge"])).hex()}
    if op == "wrap":
        sealed, signature = ctx._session_security.wrap(bytes.fromhex(cmd["data"]))
        return {"sealed": sealed.hex(), "signature": signature.hex()}
    if op == "unwrap":
        data = ctx._session_security.unwrap(bytes.fromhex(cmd["sealed"]), bytes.fromhex(cmd["signature"]))
        return {"data": data.hex()}
    if op == "encrypt":
        enc = framing()
        body = enc._encrypt_message(bytes.fromhex(cmd["data"]), "localhost") + enc.MIME_BOUNDARY + b"--\r\n"
        return {"body": body.hex()}
    if op == "decrypt":
        enc = framing()
        response = types.SimpleNamespace(content=bytes.fromhex(cmd["body"]))
        return {"data": enc._decrypt_response(response, "localhost").hex()}
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    try:
        answer = handle(json.loads(line))
    except Exception as e:  # report, keep serving
        answer = {"error": "%s: %s" % (type(e).__name__, e)}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
