// Reliability benchmark: what hostile WinRM endpoints cost the client. For each
// scenario a fresh child process runs one WinRMClient.get against a loopback server that
// misbehaves, and reports its idle RSS, its peak RSS (the kernel's ru_maxrss) and the
// time until the typed error. Figures go into the README, not into tests.
//   npm run bench:hostile -- [--runs 3]
import { spawn } from "node:child_process";
import { WSMAN_CONFIG_URI } from "../provider/src/windows";
import { WinRMClient } from "../provider/src/winrm";
import {
  httpResponse, replyEnvelope, startHostileServer, streamEndlessChunks, streamRepeated,
} from "../testkit/hostile-server";
import type { HostileAnswer } from "../testkit/hostile-server";

const SOAP = "application/soap+xml;charset=UTF-8";
const MB = 1024 * 1024;

/** The hostile endpoints, by name: what each one sends back. */
const SCENARIOS: Record<string, HostileAnswer> = {
  "50 MB reply of small elements (Content-Length)": (req, socket) => {
    const head = replyEnvelope("<r>", req.messageId).replace("</s:Body></s:Envelope>", "");
    void streamRepeated(socket, `HTTP/1.1 200 OK\r\nContent-Type: ${SOAP}\r\nContent-Length: ${50 * MB}\r\n\r\n${head}`, "<a/>", 50 * MB - head.length);
  },
  "50 MB reply of small elements (chunked, no length)": (req, socket) => {
    const head = replyEnvelope("<r>", req.messageId).replace("</s:Body></s:Envelope>", "");
    const first = `${Buffer.byteLength(head).toString(16)}\r\n${head}\r\n`;
    void streamEndlessChunks(socket, `HTTP/1.1 200 OK\r\nContent-Type: ${SOAP}\r\nTransfer-Encoding: chunked\r\n\r\n${first}`, "<a/>", 50 * MB);
  },
  "endless chunked body": (_req, socket) => {
    void streamEndlessChunks(socket, `HTTP/1.1 200 OK\r\nContent-Type: ${SOAP}\r\nTransfer-Encoding: chunked\r\n\r\n`, "<a/>");
  },
  "200 MB of one text node": (req, socket) => {
    const head = replyEnvelope("<r>", req.messageId).replace("</s:Body></s:Envelope>", "");
    void streamRepeated(socket, `HTTP/1.1 200 OK\r\nContent-Type: ${SOAP}\r\nContent-Length: ${200 * MB}\r\n\r\n${head}`, "x", 200 * MB - head.length);
  },
  "600 KB reply of 140,000 empty elements": (req, socket) => {
    socket.end(httpResponse(200, replyEnvelope(`<r>${"<a/>".repeat(140_000)}</r>`, req.messageId), { "Content-Type": SOAP }));
  },
  "XML nested 30,000 levels": (req, socket) => {
    socket.end(httpResponse(200, replyEnvelope("<a>".repeat(30_000) + "</a>".repeat(30_000), req.messageId), { "Content-Type": SOAP }));
  },
  "64 KiB of response headers": (_req, socket) => {
    socket.end(`HTTP/1.1 200 OK\r\nX-Junk: ${"j".repeat(64 * 1024)}\r\nContent-Length: 0\r\n\r\n`);
  },
};

interface ChildResult {
  idleRssMb: number;
  peakRssMb: number;
  ms: number;
  code: string;
  message: string;
}

/** In the child: one Get against the endpoint, measured. */
async function child(port: number): Promise<void> {
  const client = new WinRMClient({
    host: "127.0.0.1", port, auth: "basic", allowUnencrypted: true, username: "u", password: "p", retries: 0, timeoutMs: TIMEOUT_MS,
  });
  // Let the module graph settle before taking the idle figure.
  await new Promise((r) => setTimeout(r, 200));
  global.gc?.();
  const idle = process.memoryUsage().rss;
  const started = performance.now();
  let code = "none";
  let message = "";
  try {
    await client.get(WSMAN_CONFIG_URI);
  } catch (err) {
    code = String((err as { code?: unknown }).code ?? (err as Error).name);
    message = (err as Error).message;
  }
  const ms = performance.now() - started;
  await client.close();
  const result: ChildResult = {
    idleRssMb: idle / MB,
    peakRssMb: process.resourceUsage().maxRSS / 1024, // KiB
    ms,
    code,
    message: message.slice(0, 160),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(port: number): Promise<ChildResult | { crashed: string }> {
  return new Promise((resolve, reject) => {
    const flags = ["--expose-gc", ...(HEAP_MB ? [`--max-old-space-size=${HEAP_MB}`] : [])];
    const args = [...flags, __filename, "--child", String(port), "--timeout-ms", String(TIMEOUT_MS)];
    const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    p.stderr.on("data", (c: Buffer) => (err += c.toString()));
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.on("error", reject);
    p.on("close", (code, signal) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0 && line.startsWith("{")) resolve(JSON.parse(line) as ChildResult);
      else resolve({ crashed: /heap out of memory/i.test(err) ? "crashed: JavaScript heap out of memory" : `crashed: exit ${code ?? signal}` });
    });
  });
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The client's per-request timeout (its default, 60 s, unless told). */
const TIMEOUT_MS = arg("timeout-ms", 60_000);
/** A V8 heap cap for the client process (to bound a run against an unprotected client). */
const HEAP_MB = arg("max-old-space-mb", 0);

async function main(): Promise<void> {
  const runs = arg("runs", 3);
  const rows: string[] = [];
  for (const [name, answer] of Object.entries(SCENARIOS)) {
    const results: ChildResult[] = [];
    let sent = 0;
    let crash = "";
    for (let i = 0; i < runs; i++) {
      const server = await startHostileServer(answer);
      try {
        const r = await runChild(server.port);
        if ("crashed" in r) crash = r.crashed;
        else results.push(r);
        await new Promise((res) => setTimeout(res, 50));
        sent = Math.max(sent, server.bytesSent);
      } finally {
        await server.close();
      }
    }
    if (results.length === 0) {
      rows.push(`| ${name} | – | – | – | ${crash} | ${(sent / MB).toFixed(1)} MB |`);
      continue;
    }
    const growth = results.map((r) => r.peakRssMb - r.idleRssMb).sort((a, b) => a - b);
    const times = results.map((r) => r.ms).sort((a, b) => a - b);
    const codes = [...new Set(results.map((r) => r.code))].join(", ");
    rows.push(
      `| ${name} | ${results[0].idleRssMb.toFixed(0)} MB | +${growth[growth.length - 1].toFixed(1)} MB | ` +
        `${times[Math.floor(times.length / 2)].toFixed(0)} ms (max ${times[times.length - 1].toFixed(0)}) | \`${codes}\` | ${(sent / MB).toFixed(1)} MB |`,
    );
    process.stderr.write(`${name}: ${results[0].message}\n`);
  }
  process.stdout.write(
    `Client under hostile WinRM endpoints on loopback (${runs} runs each, one fresh client process per run)\n\n` +
      `| server sends | client idle RSS | peak RSS over idle (max) | time to typed error (median) | error code | bytes the server got out (max) |\n` +
      `|---|---|---|---|---|---|\n${rows.join("\n")}\n`,
  );
}

if (process.argv[2] === "--child") {
  child(Number(process.argv[3])).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
