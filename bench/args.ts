// Command-line flags shared by the benchmarks: `--name value`.

/** The number after `--name`, or `fallback` when the flag is absent; anything else is an error. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a non-negative number, got ${String(process.argv[i + 1])}`);
  return value;
}
