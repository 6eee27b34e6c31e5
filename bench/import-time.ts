// Benchmark: how long `require` of each public entry point takes in a fresh Node
// process, and whether it loads @pulumi/pulumi. `pulumi-credssp/winrm` is the WinRM
// client alone (scripts and tools that never touch Pulumi); `pulumi-credssp` is the
// resources, which need the Pulumi SDK. Each run is a new process (a cold module cache
// but a warm OS file cache), resolving the package by its own name as an installed
// package would.
//   npm run bench:import -- [--runs 15]
import { execFileSync } from "node:child_process";
import { REPO_ROOT } from "../scripts/engine";

const PROBE = `
const t0 = process.hrtime.bigint();
require(process.argv[1]);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const pulumi = Object.keys(require.cache).some((f) => f.includes("/node_modules/@pulumi/pulumi/"));
console.log(JSON.stringify({ ms, pulumi }));
`;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const runs = arg("runs", 15);
  for (const entry of ["pulumi-credssp/winrm", "pulumi-credssp"]) {
    const samples = Array.from({ length: runs }, () =>
      JSON.parse(execFileSync(process.execPath, ["-e", PROBE, entry], { cwd: REPO_ROOT, encoding: "utf8" })) as { ms: number; pulumi: boolean },
    );
    const ms = samples.map((s) => s.ms);
    console.log(
      `${entry.padEnd(22)} median ${median(ms).toFixed(0)} ms (min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)}, ${runs} runs); ` +
        `loads @pulumi/pulumi: ${samples.some((s) => s.pulumi) ? "yes" : "no"}`,
    );
  }
}

main();
