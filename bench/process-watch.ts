// Watches the processes a benchmark starts indirectly (the engine's provider plugins,
// which the Pulumi CLI starts, which the Automation API starts) through /proc: finds the
// descendants of this process by their command line and keeps the largest peak RSS
// (VmHWM, the kernel's high-water mark for the process) and the CPU time (user +
// system) each has used, as last seen while polling.
import * as fs from "node:fs";

/** The fields of /proc/PID/stat after the command name, or undefined when the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[1]) : undefined;
}

/**
 * Clock ticks per second of utime/stime in /proc/PID/stat (USER_HZ). Linux reports
 * them in 1/100 s on every architecture Node runs on, whatever the kernel's HZ.
 */
const USER_HZ = 100;

/** CPU time (user + system) the process has used so far, ms. */
function cpuMs(pid: number): number | undefined {
  const f = statFields(pid);
  // utime and stime are fields 14 and 15 of stat: 11 and 12 after the command name.
  return f ? ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ : undefined;
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

export interface Watched {
  /** The largest peak RSS of a matching process, bytes (0 when none matched). */
  peakRss: number;
  /**
   * CPU time the matching processes used while watched, ms: from when each was first
   * seen (its start, for one started after the watch began) to when it was last seen.
   */
  cpuMs: number;
}

export interface ProcessWatch {
  /** Stops polling and returns what was seen. */
  stop(): Watched;
}

/**
 * Polls every `intervalMs` for descendants of this process whose command line contains
 * `needle`, and records their peak RSS and CPU time. The last interval before a process
 * exits is not seen: VmHWM makes up for it for RSS, being the high-water mark of the
 * whole lifetime; CPU time may be short by up to one interval per process.
 */
export function watchProcesses(needle: string, intervalMs = 100): ProcessWatch {
  let peak = 0;
  // CPU time per pid when first seen (0 for one started during the watch) and last seen.
  const cpu = new Map<number, { first: number; last: number }>();
  let firstPoll = true;
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
      const used = cpuMs(pid);
      if (used === undefined) continue;
      const seen = cpu.get(pid);
      if (seen) seen.last = used;
      else cpu.set(pid, { first: firstPoll ? used : 0, last: used });
    }
    firstPoll = false;
  };
  poll();
  const timer = setInterval(poll, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      poll();
      let used = 0;
      for (const { first, last } of cpu.values()) used += last - first;
      return { peakRss: peak, cpuMs: used };
    },
  };
}
