// A throwaway MIT Kerberos realm for tests: a temp folder with its own kdc.conf and
// krb5.conf (passed by KRB5_KDC_PROFILE / KRB5_CONFIG, never the system files), a KDB
// made by kdb5_util, principals made by kadmin.local (users, and HTTP/<fqdn> plus
// WSMAN/<fqdn> per simulated host, each host's keys exported to its own keytab), and
// `krb5kdc -n` on a free loopback port (UDP and TCP). stop() kills the KDC and removes
// the folder; a process exit kills it too.
//
// Needs Debian's krb5-kdc, krb5-admin-server and krb5-user (scripts/lib.sh installs them).

import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const SBIN = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];

function findTool(name: string): string | undefined {
  for (const dir of SBIN) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

const TOOLS = ["krb5kdc", "kdb5_util", "kadmin.local", "kinit", "klist", "kvno"] as const;

/** Why a realm cannot be started here, or undefined when it can. */
export function mitKdcUnavailableReason(): string | undefined {
  const missing = TOOLS.filter((t) => !findTool(t));
  return missing.length > 0 ? `MIT Kerberos tools missing (${missing.join(", ")}): apt-get install krb5-kdc krb5-admin-server krb5-user` : undefined;
}

function tool(name: (typeof TOOLS)[number]): string {
  const p = findTool(name);
  if (!p) throw new Error(mitKdcUnavailableReason());
  return p;
}

export interface RealmUser {
  name: string;
  password: string;
  /** kadmin key/salt list, e.g. ["arcfour-hmac:normal"]; default the realm's supported_enctypes. */
  enctypes?: string[];
}

export interface RealmHost {
  fqdn: string;
  /** Service names to register; default ["HTTP", "WSMAN"]. */
  services?: string[];
  /**
   * kadmin key/salt list, e.g. ["arcfour-hmac:normal"]. Also limits the session keys the KDC
   * issues for the host (the session_enctypes attribute; MIT otherwise assumes every service
   * can do AES), like an AD computer account whose msDS-SupportedEncryptionTypes says RC4.
   */
  enctypes?: string[];
}

export interface MitRealmOptions {
  realm?: string;
  users?: RealmUser[];
  hosts?: RealmHost[];
  /** The KDC answers UDP requests whose reply would exceed this with KRB_ERR_RESPONSE_TOO_BIG. */
  maxDgramReplySize?: number;
  /** Extra [libdefaults] lines for the clients' krb5.conf. */
  libdefaults?: Record<string, string>;
}

export interface MitRealm {
  realm: string;
  dir: string;
  kdcPort: number;
  /** Paths of the generated krb5.conf (clients) and kdc.conf (KDC). */
  krb5Conf: string;
  kdcConf: string;
  /** Environment for MIT tools and python-gssapi: KRB5_CONFIG, KRB5_KDC_PROFILE, no system cache. */
  env: NodeJS.ProcessEnv;
  /** The keytab holding HTTP/<fqdn> and WSMAN/<fqdn> of a host. */
  keytabFor(fqdn: string): string;
  /** Run kadmin.local -q QUERY; returns stdout, throws on failure. */
  kadmin(query: string): string;
  /** kinit user into a fresh FILE: ccache and return its path. */
  kinit(user: string, password: string, ccache?: string): string;
  /** The KDC's log so far. */
  log(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): string {
  const r = spawnSync(cmd, args, { env, input, encoding: "utf8", timeout: 30_000 });
  if (r.error) throw new Error(`${path.basename(cmd)} failed to run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(" ")} exited ${r.status}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** A loopback port free for both TCP and UDP right now. */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
    });
    const udp = dgram.createSocket("udp4");
    const udpOk = await new Promise<boolean>((resolve) => {
      udp.once("error", () => resolve(false));
      udp.bind(port, "127.0.0.1", () => resolve(true));
    });
    udp.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (udpOk) return port;
  }
  throw new Error("no free loopback port for the KDC");
}

function waitForTcp(port: number, timeoutMs: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tryOnce = () => {
      if (child.exitCode !== null) {
        const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
        reject(new Error(`krb5kdc exited with ${child.exitCode}: ${log.trim().split("\n").slice(-5).join(" | ")}`));
        return;
      }
      const s = net.connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        resolve();
      });
      s.once("error", () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`krb5kdc did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`));
        else setTimeout(tryOnce, 50);
      });
    };
    tryOnce();
  });
}

export async function startMitRealm(opts: MitRealmOptions = {}): Promise<MitRealm> {
  const realm = opts.realm ?? "CORP.TEST";
  const domain = realm.toLowerCase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mit-realm-"));
  const kdcConf = path.join(dir, "kdc.conf");
  const krb5Conf = path.join(dir, "krb5.conf");
  const logFile = path.join(dir, "kdc.log");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KRB5_CONFIG: krb5Conf,
    KRB5_KDC_PROFILE: kdcConf,
    KRB5CCNAME: `FILE:${path.join(dir, "ccache-default")}`,
    KRB5_KTNAME: `FILE:${path.join(dir, "default.keytab")}`,
    KRB5RCACHETYPE: "none",
  };
  delete env.KRB5_TRACE;

  let child: ChildProcess | undefined;
  let port = 0;
  const writeConfigs = () => {
    fs.writeFileSync(
      kdcConf,
      [
        "[kdcdefaults]",
        `    kdc_listen = 127.0.0.1:${port}`,
        `    kdc_tcp_listen = 127.0.0.1:${port}`,
        opts.maxDgramReplySize ? `    kdc_max_dgram_reply_size = ${opts.maxDgramReplySize}` : "",
        "[realms]",
        `    ${realm} = {`,
        `        database_name = ${path.join(dir, "principal")}`,
        `        key_stash_file = ${path.join(dir, "stash")}`,
        `        acl_file = ${path.join(dir, "kadm5.acl")}`,
        "        max_life = 10h 0m 0s",
        "        max_renewable_life = 7d 0h 0m 0s",
        "        master_key_type = aes256-cts-hmac-sha1-96",
        "        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal",
        // As in Active Directory, every principal must pre-authenticate.
        "        default_principal_flags = +preauth",
        "    }",
        "[logging]",
        `    kdc = FILE:${logFile}`,
        `    admin_server = FILE:${path.join(dir, "kadmin.log")}`,
        `    default = FILE:${path.join(dir, "krb5lib.log")}`,
        "",
      ].join("\n"),
    );
    const libdefaults = {
      default_realm: realm,
      dns_lookup_kdc: "false",
      dns_lookup_realm: "false",
      rdns: "false",
      udp_preference_limit: "1465",
      allow_rc4: "true",
      ...opts.libdefaults,
    };
    fs.writeFileSync(
      krb5Conf,
      [
        "[libdefaults]",
        ...Object.entries(libdefaults).map(([k, v]) => `    ${k} = ${v}`),
        "[realms]",
        `    ${realm} = {`,
        `        kdc = 127.0.0.1:${port}`,
        "    }",
        "[domain_realm]",
        `    .${domain} = ${realm}`,
        `    ${domain} = ${realm}`,
        "",
      ].join("\n"),
    );
  };

  const kadmin = (query: string) => run(tool("kadmin.local"), ["-r", realm, "-q", query], env);
  try {
    port = await freePort();
    writeConfigs();
    fs.writeFileSync(path.join(dir, "kadm5.acl"), "");
    run(tool("kdb5_util"), ["-r", realm, "create", "-s", "-P", "throwaway-master-key"], env);
    for (const u of opts.users ?? []) {
      const e = u.enctypes ? ` -e "${u.enctypes.join(" ")}"` : "";
      kadmin(`addprinc${e} -pw "${u.password}" ${u.name}`);
    }
    for (const h of opts.hosts ?? []) {
      const keytab = path.join(dir, `${h.fqdn}.keytab`);
      const e = h.enctypes ? ` -e "${h.enctypes.join(" ")}"` : "";
      for (const service of h.services ?? ["HTTP", "WSMAN"]) {
        kadmin(`addprinc${e} -randkey ${service}/${h.fqdn}`);
        if (h.enctypes) kadmin(`setstr ${service}/${h.fqdn} session_enctypes "${h.enctypes.map((x) => x.split(":")[0]).join(" ")}"`);
        kadmin(`ktadd -norandkey -k ${keytab} ${service}/${h.fqdn}`);
      }
    }
    // Start the KDC; if the port was taken in the meantime, pick another one.
    for (let attempt = 0; ; attempt++) {
      const kdc = spawn(tool("krb5kdc"), ["-n", "-r", realm], { env, stdio: ["ignore", "ignore", "pipe"] });
      live.add(kdc);
      kdc.once("exit", () => live.delete(kdc));
      try {
        await waitForTcp(port, 10_000, kdc, logFile);
        child = kdc;
        break;
      } catch (err) {
        kdc.kill("SIGKILL");
        if (attempt >= 2) throw err;
        port = await freePort();
        writeConfigs();
      }
    }
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const kdcProcess = child;
  return {
    realm,
    dir,
    kdcPort: port,
    krb5Conf,
    kdcConf,
    env,
    keytabFor: (fqdn) => path.join(dir, `${fqdn}.keytab`),
    kadmin,
    kinit(user, password, ccache) {
      const file = ccache ?? path.join(dir, `ccache-${user.replace(/[^A-Za-z0-9]/g, "_")}-${Date.now()}`);
      run(tool("kinit"), ["-c", `FILE:${file}`, user], env, `${password}\n`);
      return file;
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
    async stop() {
      if (kdcProcess.exitCode === null) {
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => kdcProcess.kill("SIGKILL"), 3000);
          kdcProcess.once("exit", () => {
            clearTimeout(force);
            resolve();
          });
          kdcProcess.kill("SIGTERM");
        });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
