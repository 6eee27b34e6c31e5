"""A WinRM-shaped HTTP endpoint around pyspnego's CredSSP acceptor (a referee: we did
not write it). It speaks the header exchange WinRM uses for CredSSP:

    POST /wsman + "Authorization: CredSSP <b64>"  ->  401 + "WWW-Authenticate: CredSSP <b64>" ... 200

keeps one CredSSP context per TCP connection, and then answers WS-Management requests
(encrypted with pyspnego's own wrap_winrm over HTTP, plain over HTTPS) with an echo
envelope that names the request's ResourceURI and size.

Usage: credssp_acceptor.py [--tls-max 1.2|1.3] [--https CERT KEY] [--bad-server-pubkey]
NTLM users come from NTLM_USER_FILE (lines DOMAIN:USER:PASSWORD), as pyspnego's NTLM
acceptor reads them. Prints {"port": N}, then one JSON line per event:
  {"event": "delegated", "domain", "user", "password", "version", "tls"}  credentials received
  {"event": "request", "bytes", "encrypted", "length_field", "expected_length_field"}
  {"event": "error", "stage", "detail"}
"""
import argparse
import base64
import http.server
import json
import re
import socketserver
import ssl
import struct
import sys

import spnego
import spnego._credssp as credssp_impl
import spnego.tls

BOUNDARY = b"--Encrypted Boundary"
PROTOCOL = "application/HTTP-CredSSP-session-encrypted"
CHUNK = 16384

parser = argparse.ArgumentParser()
parser.add_argument("--tls-max", default="1.3")
parser.add_argument("--https", nargs=2, metavar=("CERT", "KEY"))
parser.add_argument("--bad-server-pubkey", action="store_true")
args = parser.parse_args()

if args.bad_server_pubkey:
    # A server that authenticates the client properly but then answers with a
    # pubKeyAuth for a different key: what a client sees behind a man in the middle.
    real = credssp_impl._get_pub_key_auth

    def tampered(pub_key, usage, nonce=None):
        value = real(pub_key, usage, nonce=nonce)
        if usage == "accept":
            value = bytes([value[0] ^ 0x55]) + value[1:]
        return value

    credssp_impl._get_pub_key_auth = tampered


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def tls_context():
    ctx = spnego.tls.default_tls_context(usage="accept")
    if args.tls_max == "1.2":
        ctx.context.maximum_version = ssl.TLSVersion.TLSv1_2
    cert_pem, key_pem, public_key = spnego.tls.generate_tls_certificate()
    import os
    import tempfile

    folder = tempfile.mkdtemp()
    try:
        path = os.path.join(folder, "cert.pem")
        with open(path, "wb") as fd:
            fd.write(cert_pem + key_pem)
        ctx.context.load_cert_chain(path)
    finally:
        import shutil

        shutil.rmtree(folder)
    ctx.public_key = public_key
    return ctx


TLS_CONTEXT = tls_context()


def echo_envelope(request_xml, size):
    message_id = re.search(rb"<(?:\w+:)?MessageID>([^<]*)<", request_xml)
    resource = re.search(rb"<(?:\w+:)?ResourceURI[^>]*>([^<]*)<", request_xml)
    big = b"x" * 40000 if b"big-reply" in request_xml else b""
    return (
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        b'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">'
        b"<s:Header><a:Action>urn:peer/EchoResponse</a:Action>"
        b"<a:RelatesTo>" + (message_id.group(1) if message_id else b"") + b"</a:RelatesTo></s:Header>"
        b'<s:Body><p:Echo xmlns:p="urn:peer"><p:ResourceURI>' + (resource.group(1) if resource else b"")
        + b"</p:ResourceURI><p:RequestBytes>" + str(size).encode() + b"</p:RequestBytes>"
        b"<p:Padding>" + big + b"</p:Padding></p:Echo></s:Body></s:Envelope>"
    )


def decrypt(ctx, body):
    """Splits the multipart body the way pywinrm does and unwraps each part."""
    parts = [p for p in body.split(BOUNDARY + b"\r\n") if p]
    message = b""
    length_fields = []
    for i in range(0, len(parts), 2):
        header, payload = parts[i], parts[i + 1]
        expected = int(re.search(rb"Length=(\d+)", header).group(1))
        if payload.endswith(BOUNDARY + b"--\r\n"):
            payload = payload[: -len(BOUNDARY + b"--\r\n")]
        payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"")
        length_fields.append(struct.unpack("<I", payload[:4])[0])
        piece = ctx.unwrap(payload[4:]).data
        if len(piece) != expected:
            raise ValueError("part length %d != OriginalContent %d" % (len(piece), expected))
        message += piece
    return message, length_fields


def encrypt(ctx, data):
    body = b""
    chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    for chunk in chunks:
        wrapped = ctx.wrap_winrm(chunk)
        body += (
            BOUNDARY + b"\r\n\tContent-Type: " + PROTOCOL.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(chunk)).encode() + b"\r\n"
            + BOUNDARY + b"\r\n\tContent-Type: application/octet-stream\r\n"
            + struct.pack("<I", len(wrapped.header)) + wrapped.header + wrapped.data
        )
    kind = "multipart/x-multi-encrypted" if len(chunks) > 1 else "multipart/encrypted"
    return body + BOUNDARY + b"--\r\n", '%s;protocol="%s";boundary="Encrypted Boundary"' % (kind, PROTOCOL)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the context lives with the connection

    def setup(self):
        super().setup()
        self.ctx = None

    def log_message(self, *a):
        pass

    def reply(self, status, headers=None, body=b""):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("credssp "):
            return self.credssp_step(base64.b64decode(auth.split(" ", 1)[1]))
        if self.ctx is None or not self.ctx.complete:
            return self.reply(401, {"WWW-Authenticate": "CredSSP"})
        content_type = self.headers.get("Content-Type", "")
        try:
            if PROTOCOL in content_type:
                plain, length_fields = decrypt(self.ctx, body)
                expected = credssp_impl._tls_trailer_length(0, *self.tls_details())
                emit({"event": "request", "bytes": len(plain), "encrypted": True,
                      "length_fields": length_fields, "expected_gcm_length_field": expected})
                out, out_type = encrypt(self.ctx, echo_envelope(plain, len(plain)))
                return self.reply(200, {"Content-Type": out_type}, out)
            emit({"event": "request", "bytes": len(body), "encrypted": False})
            return self.reply(200, {"Content-Type": "application/soap+xml;charset=UTF-8"}, echo_envelope(body, len(body)))
        except Exception as e:
            emit({"event": "error", "stage": "message", "detail": "%s: %s" % (type(e).__name__, e)})
            return self.reply(400)

    def tls_details(self):
        cipher, protocol, _ = self.ctx.get_extra_info("ssl_object").cipher()
        return protocol, cipher

    def credssp_step(self, token):
        # A ClientHello (TLS handshake record, type 22) starts a new exchange.
        if self.ctx is None or self.ctx.complete or (token[:1] == b"\x16" and token[5:6] == b"\x01"):
            self.ctx = spnego.server(protocol="credssp", credssp_tls_context=TLS_CONTEXT)
        try:
            out = self.ctx.step(token)
        except Exception as e:
            emit({"event": "error", "stage": self.ctx.get_extra_info("auth_stage"), "detail": "%s: %s" % (type(e).__name__, e)})
            self.ctx = None
            return self.reply(401, {"WWW-Authenticate": "CredSSP"})
        if self.ctx.complete:
            cred = self.ctx.get_extra_info("client_credential")
            protocol, cipher = self.tls_details()
            emit({"event": "delegated", "domain": cred.domain_name, "user": cred.username, "password": cred.password,
                  "version": self.ctx.get_extra_info("protocol_version"), "tls": protocol, "cipher": cipher})
            return self.reply(200)
        header = "CredSSP " + base64.b64encode(out).decode() if out else "CredSSP"
        return self.reply(401, {"WWW-Authenticate": header})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
if args.https:
    outer = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    outer.load_cert_chain(args.https[0], args.https[1])
    server.socket = outer.wrap_socket(server.socket, server_side=True)
emit({"port": server.server_address[1]})
server.serve_forever()
