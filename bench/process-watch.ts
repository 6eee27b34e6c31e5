// Watches the processes a benchmark starts indirectly (the engine's provider plugins,
// which the Pulumi CLI starts, which the Automation API starts) through /proc: finds a
// descendant of this process by its command line and keeps the largest peak RSS
// (VmHWM, the kernel's high-water mark for the process) seen while polling.
import * as fs from "node:fs";

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ")".
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p: number | undefined = pid, hops = 0; p && p > 1 && hops < 64; hops++) {
    if (p === ancestor) return true;
    p = parentOf(p);
  }
  return false;
}

/** Peak resident set size of the process in bytes, or undefined when it is gone. */
function peakRss(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface PeakWatch {
  /** Stops polling; resolves to the largest peak RSS seen in bytes (0 when no process matched). */
  stop(): number;
}

/**
 * Polls every `intervalMs` for descendants of this process whose command line contains
 * `needle`, and records their peak RSS. The last interval before a process exits is not
 * seen, which VmHWM makes up for: it is the high-water mark of the whole lifetime.
 */
export function watchPeakRss(needle: string, intervalMs = 200): PeakWatch {
  let peak = 0;
  const poll = (): void => {
    if (!fs.existsSync("/proc/self/status")) return;
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      let cmdline: string;
      try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        continue;
      }
      if (!cmdline.includes(needle) || !descendsFrom(pid, process.pid)) continue;
      peak = Math.max(peak, peakRss(pid) ?? 0);
    }
  };
  const timer = setInterval(poll, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      poll();
      return peak;
    },
  };
}
