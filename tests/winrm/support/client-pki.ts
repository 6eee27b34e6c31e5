// Test PKI for the client's TLS tests, made with the openssl CLI in a temp dir: a CA
// and a server certificate it signed for 127.0.0.1 / winrm.test.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TestPki {
  caPem: string;
  serverKey: string;
  serverCert: string;
  /** "AA:BB:..." as node reports it. */
  serverSha256: string;
  serverSubject: string;
}

export function makeTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "winrm-pki-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  try {
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test WinRM CA");
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=winrm.test/O=Replay Lab");
    fs.writeFileSync(path.join(dir, "ext.cnf"), "subjectAltName=DNS:winrm.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf");
    const serverCert = fs.readFileSync(path.join(dir, "srv.pem"), "utf8");
    const x = new X509Certificate(serverCert);
    return {
      caPem: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
      serverKey: fs.readFileSync(path.join(dir, "srv.key"), "utf8"),
      serverCert,
      serverSha256: x.fingerprint256,
      serverSubject: x.subject,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
