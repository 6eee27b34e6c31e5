// The second hop's real parts: Samba's smbd serving a simulated host's share to its own
// accounts, smbclient reading it, smbd's log naming who logged on — and the simulator's
// --hosts-file ready line reporting the smbd.

import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startSmbServer, SmbServer } from "../../simulator/src/smb/server";
import { smbList, smbRead, smbStat } from "../../simulator/src/smb/client";

let dir: string;
let smb: SmbServer;
const target = () => ({ host: smb.host, port: smb.port, share: "share", workstation: "SRV01" });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "smb-share-"));
  fs.writeFileSync(path.join(dir, "readme.txt"), "hello\r\n");
  fs.mkdirSync(path.join(dir, "sub"));
  smb = await startSmbServer({
    netbiosName: "FS01",
    shares: { share: dir },
    accounts: [
      { name: "Administrator", password: "S3cret!pw" },
      { name: "alice", password: "Al1ce pass" },
    ],
  });
});
afterAll(async () => {
  await smb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("each account logs on with its own password; smbd's log names the user, the calling workstation and the file read", async () => {
  const r = await smbRead(target(), { domain: "SRV01", user: "alice", password: "Al1ce pass" }, "readme.txt");
  expect(r).toEqual({ status: "ok", value: Buffer.from("hello\r\n") });
  const list = await smbList(target(), { domain: "", user: "Administrator", password: "S3cret!pw" }, "");
  expect(list.status).toBe("ok");
  const entries = list.status === "ok" ? list.value.map((e) => [e.name, e.directory]).sort() : [];
  expect(entries).toEqual([
    ["readme.txt", false],
    ["sub", true],
  ]);
  const log = smb.log();
  expect(log).toMatch(/Auth: \[SMB2,\(null\)\] user \[SRV01\]\\\[alice\] .* with \[NTLMv2\] status \[NT_STATUS_OK\] workstation \[SRV01\]/);
  expect(log).toMatch(/alice\|127\.0\.0\.1\|share\|openat\|ok\|r\|.*readme\.txt/);
});

test("a wrong password is a logon failure, and a file that is not there is not found", async () => {
  expect((await smbStat(target(), { domain: "", user: "alice", password: "nope" }, "")).status).toBe("logon-failure");
  expect((await smbStat(target(), { domain: "", user: "alice", password: "Al1ce pass" }, "missing.txt")).status).toBe("not-found");
});

test("without credentials (the double hop) smbd is never given a password: an anonymous logon, refused at the share", async () => {
  const before = smb.log().length;
  const r = await smbList(target(), undefined, "");
  expect(r.status).toBe("access-denied");
  const added = smb.log().slice(before);
  expect(added).toMatch(/Auth: .* user \[\]\\\[\] .*status \[NT_STATUS_OK\]/);
  expect(added).not.toMatch(/with \[NTLMv2\]/);
});

test("Samba's own smbclient lists the share with an account's password", async () => {
  const out = await new Promise<string>((resolve) => {
    const conf = path.join(dir, "..", `client-${process.pid}.conf`);
    fs.writeFileSync(conf, "");
    execFile("smbclient", ["-s", conf, `//127.0.0.1/share`, "-p", String(smb.port), "-U", "Administrator", "-c", "ls"], { env: { ...process.env, PASSWD: "S3cret!pw" } }, (_e, so, se) => {
      fs.rmSync(conf, { force: true });
      resolve(`${so}${se}`);
    });
  });
  expect(out).toMatch(/readme\.txt\s+\w*\s+7 /);
});

test("sim --hosts-file: a host with shares gets an smbd, reported as \"smb\" in its ready-line entry; none without", async () => {
  const hostsFile = path.join(dir, "..", `hosts-${process.pid}.json`);
  fs.writeFileSync(
    hostsFile,
    JSON.stringify([
      { hostname: "srv01.corp.test", users: [{ name: "admin", password: "pw", admin: true }] },
      { hostname: "fs01.corp.test", users: [{ name: "admin", password: "pw", admin: true }], shares: { share: dir } },
    ]),
  );
  const cli = path.join(__dirname, "../../dist/simulator/src/cli.js");
  const child = spawn(process.execPath, [cli, "--hosts-file", hostsFile], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let buf = "";
      child.stdout!.on("data", (b: Buffer) => {
        buf += b.toString();
        if (buf.includes("\n")) resolve(buf.split("\n")[0]);
      });
      child.once("exit", (c) => reject(new Error(`sim exited ${c}`)));
    });
    const ready = JSON.parse(line) as { hosts: Array<Record<string, string>> };
    expect(ready.hosts[0].smb).toBeUndefined();
    expect(ready.hosts[1].smb).toMatch(/^127\.0\.0\.1:\d+$/);
    const [, port] = ready.hosts[1].smb.split(":");
    const r = await smbStat({ host: "127.0.0.1", port: Number(port), share: "share", workstation: "WS01" }, { domain: "", user: "admin", password: "pw" }, "readme.txt");
    expect(r.status).toBe("ok");
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    fs.rmSync(hostsFile, { force: true });
  }
}, 60_000);
