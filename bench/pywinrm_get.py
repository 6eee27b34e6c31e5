"""pywinrm's side of the client-CPU benchmark (bench/winrm-get.ts).

Usage: pywinrm_get.py ENDPOINT USER RESOURCE_URI GETS   (password in PEER_PASSWORD)
One pywinrm client does what a caller of its Protocol does for a WS-Transfer Get:
builds the envelope (build_wsman_header, xmltodict), sends it over NTLM with message
encryption, and parses the reply (ElementTree, as pywinrm's own operations do). The
handshake and the first Get are start-up; then GETS Gets are timed by the process's
CPU clock (user + system, all threads). Prints one JSON object.
"""
import importlib.metadata
import json
import os
import sys
import time
import xml.etree.ElementTree as ET

import xmltodict
from winrm.protocol import Protocol

GET = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
endpoint, user, uri, gets = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
protocol = Protocol(endpoint, transport="ntlm", username=user, password=os.environ["PEER_PASSWORD"],
                    message_encryption="always", server_cert_validation="ignore")
# pywinrm 0.5 calls it build_wsman_header; 0.3 (Debian's) _get_soap_header.
header = getattr(protocol, "build_wsman_header", None) or getattr(protocol, "_get_soap_header")


def get():
    envelope = {"env:Envelope": header(resource_uri=uri, action=GET)}
    envelope["env:Envelope"]["env:Body"] = {}
    root = ET.fromstring(protocol.send_message(xmltodict.unparse(envelope)))
    if root.find("{http://www.w3.org/2003/05/soap-envelope}Body") is None:
        raise RuntimeError("reply without a SOAP body")


get()
startup = time.process_time()
wall = time.perf_counter()
for _ in range(gets):
    get()
print(json.dumps({
    "client": "pywinrm " + importlib.metadata.version("pywinrm"),
    "startupCpuMs": startup * 1000,
    "cpuMs": (time.process_time() - startup) * 1000,
    "wallMs": (time.perf_counter() - wall) * 1000,
    "gets": gets,
}))
