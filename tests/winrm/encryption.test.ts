// Contract B: multipart/encrypted framing around NTLM-sealed SOAP bodies.
import {
  decryptMessage,
  encryptMessage,
  ENCRYPTED_CONTENT_TYPE,
  isEncryptedContentType,
} from "../../provider/src/winrm/encryption";
import { NtlmClient, NtlmServer, NtlmSession } from "../../provider/src/winrm/ntlm";
import { expectNtlmError } from "./support/expect-ntlm-error";
import { SOAP_CONTENT_TYPE } from "../../provider/src/winrm/soap";

const identity = { netbiosDomain: "CORP", netbiosComputer: "SRV01", dnsDomain: "corp.test", dnsComputer: "srv01.corp.test" };

function sessions(): { client: NtlmSession; server: NtlmSession } {
  const client = new NtlmClient({ username: "admin", password: "pw", domain: "CORP" });
  const server = new NtlmServer({ identity, lookupPassword: () => "pw" });
  const { message, session } = client.authenticate(server.challenge(client.negotiate()));
  return { client: session, server: server.authenticate(message).session };
}


const SOAP = Buffer.from('<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>é</s:Body></s:Envelope>');

describe("WinRM message encryption", () => {
  it("exposes the content type Windows and pywinrm use", () => {
    expect(ENCRYPTED_CONTENT_TYPE).toBe('multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"');
    expect(isEncryptedContentType(ENCRYPTED_CONTENT_TYPE)).toBe(true);
    expect(isEncryptedContentType('Multipart/Encrypted; protocol="application/HTTP-SPNEGO-session-encrypted"; boundary="Encrypted Boundary"')).toBe(true);
    expect(isEncryptedContentType(SOAP_CONTENT_TYPE)).toBe(false);
    expect(isEncryptedContentType('multipart/encrypted;protocol="application/HTTP-CredSSP-session-encrypted"')).toBe(false);
    expect(isEncryptedContentType(undefined)).toBe(false);
  });

  it("frames the body exactly as MS-WSMV 2.2.9.1.1 / pywinrm do", () => {
    const { client } = sessions();
    const body = encryptMessage(client, SOAP);
    const head =
      "--Encrypted Boundary\r\n" +
      "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n" +
      `\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=${SOAP.length}\r\n` +
      "--Encrypted Boundary\r\n" +
      "\tContent-Type: application/octet-stream\r\n";
    expect(body.subarray(0, head.length).toString("latin1")).toBe(head);
    expect(body.readUInt32LE(head.length)).toBe(16);
    expect(body.readUInt32LE(head.length + 4)).toBe(1); // signature version
    expect(body.length).toBe(head.length + 4 + 16 + SOAP.length + "--Encrypted Boundary--\r\n".length);
    expect(body.subarray(body.length - 24).toString("latin1")).toBe("--Encrypted Boundary--\r\n");
    expect(body.includes(SOAP)).toBe(false);
  });

  it("round-trips client->server and server->client, several times", () => {
    const { client, server } = sessions();
    for (let i = 0; i < 3; i++) {
      const req = Buffer.concat([SOAP, Buffer.from(`#${i}`)]);
      expect(decryptMessage(server, encryptMessage(client, req))).toEqual({ plain: req, innerContentType: SOAP_CONTENT_TYPE });
      const resp = Buffer.alloc(20000 + i, 0x41);
      expect(decryptMessage(client, encryptMessage(server, resp)).plain.equals(resp)).toBe(true);
    }
  });

  it("carries a custom inner content type", () => {
    const { client, server } = sessions();
    const out = decryptMessage(server, encryptMessage(client, Buffer.from("x"), "application/soap+xml;charset=UTF-16"));
    expect(out.innerContentType).toBe("application/soap+xml;charset=UTF-16");
  });

  it("handles plaintext whose sealed form ends in CRLF or contains the boundary text", () => {
    const { client, server } = sessions();
    // Whatever bytes RC4 produces, the payload runs up to the last closing boundary.
    for (let i = 0; i < 50; i++) {
      const msg = Buffer.from(`--Encrypted Boundary\r\n${i}`);
      expect(decryptMessage(server, encryptMessage(client, msg)).plain.equals(msg)).toBe(true);
    }
  });

  it("checks the OriginalContent Length", () => {
    const { client, server } = sessions();
    const body = encryptMessage(client, SOAP).toString("latin1").replace(`Length=${SOAP.length}`, `Length=${SOAP.length + 1}`);
    expectNtlmError(() => decryptMessage(server, Buffer.from(body, "latin1")), "WINRM_NTLM_BAD_MESSAGE");
  });

  it("detects tampering of the sealed payload", () => {
    const { client, server } = sessions();
    const body = encryptMessage(client, SOAP);
    body[body.length - 30] ^= 0x20;
    expectNtlmError(() => decryptMessage(server, body), "WINRM_NTLM_INTEGRITY");
  });

  it("rejects bad framing with WINRM_NTLM_BAD_MESSAGE", () => {
    const { client, server } = sessions();
    const good = encryptMessage(client, SOAP).toString("latin1");
    const variants = [
      "",
      "not multipart at all",
      good.replace("application/HTTP-SPNEGO-session-encrypted", "application/HTTP-Kerberos-session-encrypted"),
      good.replace("OriginalContent: type=application/soap+xml;charset=UTF-8;Length=", "OriginalContent: type=application/soap+xml;charset=UTF-8;Len="),
      good.replace("application/octet-stream", "text/plain"),
      good.replace("--Encrypted Boundary--\r\n", ""),
    ];
    for (const v of variants) expectNtlmError(() => decryptMessage(server, Buffer.from(v, "latin1")), "WINRM_NTLM_BAD_MESSAGE");
    // Signature length field other than 16.
    const buf = Buffer.from(good, "latin1");
    const at = buf.indexOf("application/octet-stream\r\n") + "application/octet-stream\r\n".length;
    buf.writeUInt32LE(12, at);
    expectNtlmError(() => decryptMessage(server, buf), "WINRM_NTLM_BAD_MESSAGE");
  });

  it("accepts part headers without the leading tab", () => {
    const { client, server } = sessions();
    const body = encryptMessage(client, SOAP);
    // Only touch the header block (up to the octet-stream line), never the sealed bytes.
    const headerEnd = body.indexOf("application/octet-stream\r\n") + "application/octet-stream\r\n".length;
    const headers = body.subarray(0, headerEnd).toString("latin1").replace(/\t/g, "");
    const untabbed = Buffer.concat([Buffer.from(headers, "latin1"), body.subarray(headerEnd)]);
    expect(decryptMessage(server, untabbed).plain.equals(SOAP)).toBe(true);
  });
});
