// Command line for the simulated Windows host.
//
//   sim --hostname FQDN [--http ADDR:PORT] [--https ADDR:PORT] \
//       --user NAME:PASSWORD[:admin] ... [--state FILE] [--set PATH=VALUE ...] [--keytab FILE]
//   sim --hosts-file hosts.json
//
// Prints exactly one JSON ready line on stdout once listening; everything else goes to
// stderr. SIGTERM (or SIGINT) flushes the state and exits 0.

import * as fs from "node:fs";
import { readyInfo, SimHost, startHost, StartHostOptions, startHosts, StateError } from "./index";

const HELP = `Simulated Windows host speaking WinRM (WS-Management over HTTP/HTTPS at /wsman).

Single host:
  sim --hostname FQDN [--http ADDR:PORT] [--https ADDR:PORT]
      --user NAME:PASSWORD[:admin] ... [--state FILE] [--set PATH=VALUE ...] [--keytab FILE]

  --hostname FQDN        DNS name, e.g. srv01.corp.test (NetBIOS name = first label, upper-case)
  --http ADDR:PORT       HTTP listener (default 127.0.0.1:0 when neither --http nor --https is given;
                         port 0 = ephemeral). --http none disables it.
  --https ADDR:PORT      HTTPS listener; a self-signed certificate is made at first start and kept
                         in the state file; its SHA-256 (hex) is reported as certSha256.
  --user N:P[:admin]     local account (repeatable). A trailing ":admin" makes it an administrator;
                         only administrators may use WinRM. The password is everything between the
                         first ":" and an optional trailing ":admin".
  --state FILE           persist WSMan config + registry + certificate to FILE (atomic writes)
  --set PATH=VALUE       set a WSMan: drive setting at start, e.g. Service/Auth/Basic=true (repeatable)
  --keytab FILE          a keytab with the keys of HTTP/<hostname> (and WSMAN/<hostname>), as kadmin's
                         ktadd or ktpass export them: the host accepts Kerberos (raw or in SPNEGO,
                         under Negotiate, or under Kerberos while Service/Auth/Kerberos=true) from
                         that realm's users, each mapped to the local --user of the same name

Ready line (stdout, one line):
  {"ready":true,"hostname":"…","http":"http://…/wsman","https":"https://…/wsman","certSha256":"…","kerberosRealm":"…"}
  (fields for absent listeners are left out)

Multi-host mode (many hosts in one process, each on its own ports):
  sim --count N --hostname 'node{n}.fleet.test' [same options as above]
      N copies of the single-host options; "{n}" (1..N) is replaced in --hostname and
      --state. Every host listens on its own ephemeral port (give ADDR:0).
  sim --hosts-file hosts.json
  hosts.json is a JSON array of objects shaped like the single-host options:
    [{"hostname":"srv01.corp.test","http":"127.0.0.1:0","https":"127.0.0.1:0",
      "users":[{"name":"admin","password":"…","admin":true}],
      "stateFile":"state/srv01.json","set":{"Service/Auth/Basic":"true"},
      "shares":{"share":"/abs/folder"},"credsspVersion":6,"keytab":"/abs/srv01.keytab"}, …]
  The hosts of one process resolve each other by FQDN and NetBIOS name; WinRM from one
  to another by name on port 5985/5986 reaches that host's real listener. "shares"
  starts a real Samba smbd for that host (its users are the accounts; needs root and
  Debian's samba + libnss-wrapper), reported as "smb":"127.0.0.1:PORT". "credsspVersion"
  (2-6, default 6) is the MS-CSSP version the host's CredSSP speaks: below 5 it lacks
  the CVE-2018-0886 fix, which patched clients refuse unless AllowEncryptionOracle = 2.
  Ready line: {"ready":true,"hosts":[{"hostname":…,"http":…,"https":…,"certSha256":…,"smb":…}, …]}

Exit status: 0 after SIGTERM/SIGINT, 2 for bad arguments, 1 when the host could not start.
`;

class UsageError extends Error {
  readonly code = "SIM_USAGE";
}

export function parseArgs(argv: string[]): { help: true } | { hosts: StartHostOptions[]; multi: boolean } {
  let hostname: string | undefined;
  let httpAddr: string | false | undefined;
  let httpsAddr: string | false | undefined;
  let stateFile: string | undefined;
  let keytab: string | undefined;
  let hostsFile: string | undefined;
  let count: number | undefined;
  const users: StartHostOptions["users"] = [];
  const set: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "-h":
      case "--help":
        return { help: true };
      case "--hostname":
        hostname = next();
        break;
      case "--http": {
        const v = next();
        httpAddr = v === "none" ? false : v;
        break;
      }
      case "--https": {
        const v = next();
        httpsAddr = v === "none" ? false : v;
        break;
      }
      case "--state":
        stateFile = next();
        break;
      case "--keytab":
        keytab = next();
        break;
      case "--hosts-file":
        hostsFile = next();
        break;
      case "--count": {
        const v = next();
        count = Number(v);
        if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new UsageError("--count wants an integer 1..10000");
        break;
      }
      case "--user": {
        const v = next();
        const colon = v.indexOf(":");
        if (colon <= 0) throw new UsageError("--user wants NAME:PASSWORD[:admin]");
        let password = v.slice(colon + 1);
        let admin = false;
        if (password.endsWith(":admin")) {
          password = password.slice(0, -":admin".length);
          admin = true;
        }
        users.push({ name: v.slice(0, colon), password, admin });
        break;
      }
      case "--set": {
        const v = next();
        const eq = v.indexOf("=");
        if (eq <= 0) throw new UsageError("--set wants PATH=VALUE");
        set[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  if (hostsFile) {
    if (hostname) throw new UsageError("--hosts-file and --hostname are exclusive");
    if (keytab) throw new UsageError('--keytab goes with --hostname; in a hosts file, give each host its "keytab"');
    let list: unknown;
    try {
      list = JSON.parse(fs.readFileSync(hostsFile, "utf8"));
    } catch (err) {
      throw new UsageError(`cannot read hosts file ${hostsFile}: ${(err as Error).message}`);
    }
    if (!Array.isArray(list) || list.length === 0) throw new UsageError("hosts file must be a non-empty JSON array");
    for (const h of list as StartHostOptions[]) {
      if (!h || typeof h.hostname !== "string" || !Array.isArray(h.users)) {
        throw new UsageError("each host needs hostname and users");
      }
      if (h.shares !== undefined) {
        const ok = typeof h.shares === "object" && h.shares !== null && !Array.isArray(h.shares) && Object.values(h.shares).every((d) => typeof d === "string");
        if (!ok) throw new UsageError(`${h.hostname}: "shares" must map share names to absolute folders, e.g. {"share": "/srv/share"}`);
      }
      if (h.keytab !== undefined && (typeof h.keytab !== "string" || h.keytab === "")) {
        throw new UsageError(`${h.hostname}: "keytab" must be the path of a keytab file`);
      }
    }
    return { hosts: list as StartHostOptions[], multi: true };
  }
  if (!hostname) throw new UsageError("--hostname is required");
  if (users.length === 0) throw new UsageError("at least one --user is required");
  const http = httpAddr === undefined ? (httpsAddr ? false : "127.0.0.1:0") : httpAddr;
  const one: StartHostOptions = { hostname, http, https: httpsAddr ?? false, users, stateFile, set, keytab };
  if (count === undefined) return { hosts: [one], multi: false };
  if (!hostname.includes("{n}")) throw new UsageError('--count needs "{n}" in --hostname');
  if (stateFile && !stateFile.includes("{n}")) throw new UsageError('--count needs "{n}" in --state');
  if (keytab) throw new UsageError("--keytab names one host's keys; --count hosts would share them (use a hosts file)");
  for (const addr of [http, httpsAddr]) {
    if (addr && !/:0$/.test(addr)) throw new UsageError("--count needs port 0 listeners (each host gets its own port)");
  }
  const hosts: StartHostOptions[] = [];
  for (let n = 1; n <= count; n++) {
    const sub = (v: string) => v.split("{n}").join(String(n));
    hosts.push({ ...one, hostname: sub(hostname), stateFile: stateFile ? sub(stateFile) : undefined });
  }
  return { hosts, multi: true };
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sim: ${err.message}\n\n${HELP}`);
      process.exit(2);
    }
    throw err;
  }
  if ("help" in parsed) {
    process.stdout.write(HELP);
    return;
  }
  let hosts: SimHost[];
  try {
    hosts = parsed.multi ? await startHosts(parsed.hosts) : [await startHost(parsed.hosts[0])];
  } catch (err) {
    // Never echo argv or options: they hold passwords.
    process.stderr.write(`sim: could not start: ${(err as Error).message}\n`);
    process.exit(err instanceof StateError && err.code !== "SIM_STATE_FILE" ? 2 : 1);
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    Promise.all(hosts.map((h) => h.stop()))
      .then(() => process.exit(0))
      .catch((err: Error) => {
        process.stderr.write(`sim: error while stopping: ${err.message}\n`);
        process.exit(1);
      });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  const line = parsed.multi ? { ready: true, hosts: hosts.map((h) => { const { ready: _r, ...rest } = readyInfo(h); return rest; }) } : readyInfo(hosts[0]);
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`sim: ${err.message}\n`);
    process.exit(1);
  });
}
