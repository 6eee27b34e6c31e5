// The HTTPS listener's self-signed certificate, made once and kept with the state.

import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TlsMaterial } from "./state";

/** Generate an RSA-2048 self-signed server certificate for `hostname` with the openssl CLI. */
export function generateSelfSigned(hostname: string): TlsMaterial {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "winrm-sim-tls-"));
  try {
    const keyFile = path.join(dir, "key.pem");
    const certFile = path.join(dir, "cert.pem");
    const short = hostname.split(".")[0];
    execFileSync(
      "openssl",
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
        "-keyout", keyFile, "-out", certFile,
        "-subj", `/CN=${hostname}`,
        "-addext", `subjectAltName=DNS:${hostname},DNS:${short},IP:127.0.0.1`,
        "-addext", "extendedKeyUsage=serverAuth",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    return { certPem: fs.readFileSync(certFile, "utf8"), keyPem: fs.readFileSync(keyFile, "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function certDer(certPem: string): Buffer {
  return new X509Certificate(certPem).raw;
}

/** SHA-256 of the DER certificate, lower-case hex without separators. */
export function certSha256(certPem: string): string {
  return createHash("sha256").update(certDer(certPem)).digest("hex");
}

/** Windows' certificate thumbprint: SHA-1 of the DER certificate, upper-case hex. */
export function certThumbprintSha1(certPem: string): string {
  return createHash("sha1").update(certDer(certPem)).digest("hex").toUpperCase();
}
