"""pyspnego as an oracle for CredSSP's pure functions: reads a JSON list of operations
on stdin, answers a JSON list of results on stdout (bytes as hex). Our encoders must
agree with it byte for byte.

  {"op": "pack_ts_request", "version", "nego_tokens": [hex], "auth_info", "pub_key_auth", "error_code", "client_nonce"}
  {"op": "unpack_ts_request", "data": hex}
  {"op": "pack_password_creds", "domain", "user", "password"}
  {"op": "unpack_ts_credentials", "data": hex}
  {"op": "pack_smart_card_creds", ...}   (MS-CSSP's own TSSmartCardCreds example)
  {"op": "pub_key_auth", "key": hex, "usage": "initiate"|"accept", "nonce": hex|null}
  {"op": "cert_public_key", "cert": hex}
  {"op": "trailer_length", "protocol", "cipher", "length"}
"""
import json
import sys

import spnego._credssp as impl
import spnego._credssp_structures as s
import spnego.tls


def h(b):
    return None if b is None else b.hex()


def b(x):
    return None if x is None else bytes.fromhex(x)


def run(op):
    kind = op["op"]
    if kind == "pack_ts_request":
        tokens = [s.NegoData(b(t)) for t in op.get("nego_tokens") or []] or None
        return h(s.TSRequest(op["version"], tokens, b(op.get("auth_info")), b(op.get("pub_key_auth")),
                             op.get("error_code"), b(op.get("client_nonce"))).pack())
    if kind == "unpack_ts_request":
        r = s.TSRequest.unpack(b(op["data"]))
        return {"version": r.version, "nego_tokens": [h(t.nego_token) for t in r.nego_tokens or []],
                "auth_info": h(r.auth_info), "pub_key_auth": h(r.pub_key_auth), "error_code": r.error_code,
                "client_nonce": h(r.client_nonce)}
    if kind == "pack_password_creds":
        return h(s.TSCredentials(s.TSPasswordCreds(op["domain"], op["user"], op["password"])).pack())
    if kind == "unpack_ts_credentials":
        c = s.TSCredentials.unpack(b(op["data"]))
        creds = c.credentials
        if isinstance(creds, s.TSPasswordCreds):
            return {"cred_type": c.cred_type, "domain": creds.domain_name, "user": creds.username, "password": creds.password}
        return {"cred_type": c.cred_type}
    if kind == "pack_smart_card_creds":
        detail = s.TSCspDataDetail(1, reader_name="OMNIKEY CardMan 3x21 0",
                                   container_name="le-MSSmartcardUser-8bda019f-1266--53268",
                                   csp_name="Microsoft Base Smart Card Crypto Provider")
        return h(s.TSCredentials(s.TSSmartCardCreds("bbbbbbbbbbbb", detail)).pack())
    if kind == "pub_key_auth":
        return h(impl._get_pub_key_auth(b(op["key"]), op["usage"], nonce=b(op.get("nonce"))))
    if kind == "cert_public_key":
        return h(spnego.tls.get_certificate_public_key(b(op["cert"])))
    if kind == "trailer_length":
        return impl._tls_trailer_length(op["length"], op["protocol"], op["cipher"])
    raise ValueError("unknown op " + kind)


out = []
for op in json.load(sys.stdin):
    try:
        out.append({"ok": run(op)})
    except Exception as e:
        out.append({"error": "%s: %s" % (type(e).__name__, e)})
json.dump(out, sys.stdout)
