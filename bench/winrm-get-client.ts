// Our side of the client-CPU benchmark (bench/winrm-get.ts), in a process of its own so
// that the simulator's work is not counted: one WinRMClient over NTLM with message
// encryption; the handshake and the first Get are start-up, then GETS Gets are timed by
// the process's CPU clock (user + system, all threads). Prints one JSON object.
//   node dist/bench/winrm-get-client.js PORT USER RESOURCE_URI GETS   (password in PEER_PASSWORD)
import { performance } from "node:perf_hooks";
import { WinRMClient } from "../provider/src/winrm";

async function main(): Promise<void> {
  const [port, user, uri, gets] = process.argv.slice(2);
  const client = new WinRMClient({ host: "127.0.0.1", port: Number(port), auth: "ntlm", username: user, password: process.env.PEER_PASSWORD ?? "" });
  await client.get(uri);
  const startup = process.cpuUsage();
  const wall = performance.now();
  for (let i = 0; i < Number(gets); i++) await client.get(uri);
  const used = process.cpuUsage(startup);
  await client.close();
  process.stdout.write(
    JSON.stringify({
      client: `pulumi-credssp ${process.version}`,
      startupCpuMs: (startup.user + startup.system) / 1000,
      cpuMs: (used.user + used.system) / 1000,
      wallMs: performance.now() - wall,
      gets: Number(gets),
    }) + "\n",
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
