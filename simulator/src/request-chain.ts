// A measurement for benchmarks, not Windows behaviour: the longest chain of requests
// that followed one another on this host. A request that arrives after another was
// answered may depend on it (its client may have waited for that answer), so it extends
// that request's chain; requests in flight together do not. With a latency injected per
// response, latency × the longest chain is the least time the host's requests can take.
export class RequestChain {
  /** The deepest chain among the requests answered so far. */
  private answered = 0;
  private deepest = 0;
  private epoch = 0;

  /** A request arrived; call the function returned once it has been answered. */
  begin(): () => void {
    const depth = this.answered + 1;
    if (depth > this.deepest) this.deepest = depth;
    const epoch = this.epoch;
    let done = false;
    return () => {
      if (done || epoch !== this.epoch) return;
      done = true;
      if (depth > this.answered) this.answered = depth;
    };
  }

  /** Requests in the longest chain since the last reset. */
  get longest(): number {
    return this.deepest;
  }

  /** Starts counting afresh (requests still in flight no longer count). */
  reset(): void {
    this.answered = 0;
    this.deepest = 0;
    this.epoch++;
  }
}
