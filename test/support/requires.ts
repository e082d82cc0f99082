/**
 * A describe that needs a service or tool: defined when `reason` is undefined; otherwise skipped
 * with the reason printed, and under CI (where the service is part of the build) one failing
 * test that says what is missing.
 */
export function describeRequiring(name: string, reason: string | undefined, needs: string, body: () => void): void {
  if (!reason) return describe(name, body);
  if (process.env.CI) {
    return describe(name, () => {
      it(`needs ${needs}, which CI provides`, () => {
        throw new Error(reason);
      });
    });
  }
  console.warn(`${name}: skipped: ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}
