// Throwaway self-signed certificates for channel-binding tests, made with the openssl CLI.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";

export type CertKind = "rsa-sha256" | "rsa-sha1" | "rsa-sha512" | "ec-sha384";

export function makeCertDer(kind: CertKind, cn = "srv01.corp.test"): Buffer {
  const [alg, digest] = kind.split("-");
  const keyArgs = alg === "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"] : ["-newkey", "rsa:1024"];
  const pem = execFileSync(
    "openssl",
    ["req", "-x509", ...keyArgs, "-nodes", `-${digest}`, "-days", "1", "-subj", `/CN=${cn}`, "-keyout", "/dev/null"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  return new X509Certificate(pem).raw;
}
