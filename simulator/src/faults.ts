// Switchable misbehaviour for reliability tests, one instance per host.

export interface FaultControls {
  /** Added before every response, in milliseconds. */
  latencyMs: number;
  /** Serve this many more requests, then drop the connection of the next one (one-shot). */
  dropAfter?: number;
  /** Answer the next `count` requests with this bare HTTP status. */
  failNext?: { status: 500 | 503; count: number };
  /** "WinRM service restart": drop every connection, security context and shell. */
  restart(): void;
  /** The host's clock runs this many seconds ahead (negative: behind); Kerberos checks it against tickets. */
  clockSkewSeconds: number;
}

export class HostFaults implements FaultControls {
  latencyMs = 0;
  clockSkewSeconds = 0;
  failNext?: { status: 500 | 503; count: number };
  private dropBudget?: number;

  constructor(private readonly onRestart: () => void) {}

  get dropAfter(): number | undefined {
    return this.dropBudget;
  }
  set dropAfter(n: number | undefined) {
    this.dropBudget = n;
  }

  restart(): void {
    this.onRestart();
  }

  /** The host's idea of now (ms since epoch). */
  now(): number {
    return Date.now() + this.clockSkewSeconds * 1000;
  }

  /** Decide what happens to one incoming request. Consumes budgets. */
  take(): { action: "drop" } | { action: "fail"; status: 500 | 503 } | { action: "serve" } {
    if (this.dropBudget !== undefined) {
      if (this.dropBudget <= 0) {
        this.dropBudget = undefined;
        return { action: "drop" };
      }
      this.dropBudget--;
    }
    if (this.failNext && this.failNext.count > 0) {
      const status = this.failNext.status;
      this.failNext.count--;
      if (this.failNext.count <= 0) this.failNext = undefined;
      return { action: "fail", status };
    }
    return { action: "serve" };
  }
}
