/**
 * Conditions besides the event store that keep an instance out of traffic until they hold —
 * e.g. the projector's first catch-up. Modules add theirs; `/readyz` asks every one.
 */
export class ReadinessChecks {
  private readonly checks = new Map<string, () => string | undefined>();

  /** `check` returns why the instance is not ready yet, or undefined when it is. */
  add(name: string, check: () => string | undefined): void {
    this.checks.set(name, check);
  }

  /** The conditions that do not hold now, by name. */
  failing(): Record<string, string> {
    const failing: Record<string, string> = {};
    for (const [name, check] of this.checks) {
      const reason = check();
      if (reason !== undefined) failing[name] = reason;
    }
    return failing;
  }
}
