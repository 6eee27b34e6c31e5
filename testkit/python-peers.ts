// Where the Python peers live and the environment they run in, for the tests
// (tests/peers) and the benchmarks (bench/winrm-get.ts compares our client's CPU with
// pywinrm's). The virtualenv comes from scripts/lib.sh (ensure_peers_venv).
import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot } from "../provider/src/plugin/package-root";

const REPO_ROOT = packageRoot(__dirname);

export const PEERS_PYTHON = path.join(REPO_ROOT, ".tools", "peers-venv", "bin", "python");

/** The peers' virtualenv's python when it exists, else Debian's (whose python3-winrm is older). */
export function peersPythonOrSystem(): string {
  return fs.existsSync(PEERS_PYTHON) ? PEERS_PYTHON : "/usr/bin/python3";
}

/**
 * The peers' environment: no CA bundle override (requests would let it replace
 * pywinrm's certificate-validation setting), MD4 from OpenSSL's legacy provider
 * (NTLM hashes with it), no proxies, no .pyc files in the checkout.
 */
export function peerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: "1",
    NO_PROXY: "*",
    no_proxy: "*",
    OPENSSL_CONF: path.join(REPO_ROOT, "tests", "simulator", "py", "openssl-legacy.cnf"),
    ...extra,
  };
  delete env.REQUESTS_CA_BUNDLE;
  delete env.CURL_CA_BUNDLE;
  return env;
}
