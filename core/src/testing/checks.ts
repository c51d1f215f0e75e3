import { describe, it } from 'mocha';

/** Thrown by a check that finds, at run time, that its case does not apply (e.g. no buttons). */
export class ConformanceSkipped extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ConformanceSkipped';
  }
}

/** The result of one conformance check: it passed, or its case does not apply. */
export type CheckOutcome = 'passed' | 'skipped';

/** What every conformance check has: an id to run it by, a title, and the body. */
export interface ConformanceCheck<P> {
  id: string;
  title: string;
  run(probe: P): Promise<void>;
}

/**
 * Registers one mocha case per applicable check. A case whose check reports at run time that it
 * does not apply (a capability the implementation does not declare) is shown as pending.
 */
export function describeChecks<C extends { id: string; title: string }>(
  title: string,
  timeoutMs: number,
  checks: readonly C[],
  applies: (check: C) => boolean,
  run: (id: string) => Promise<CheckOutcome>,
): void {
  describe(title, function () {
    this.timeout(timeoutMs);
    for (const check of checks) {
      if (!applies(check)) continue;
      it(check.title, async function () {
        if ((await run(check.id)) === 'skipped') this.skip();
      });
    }
  });
}

/** Runs the check with this id against a fresh harness, and always tears the harness down. */
export async function runCheck<P, C extends ConformanceCheck<P>>(
  suite: string,
  checks: readonly C[],
  id: string,
  applies: (check: C) => boolean,
  harness: () => Promise<P & { tearDown(): Promise<void> }>,
): Promise<CheckOutcome> {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`${suite} conformance: no check "${id}"`);
  if (!applies(check)) return 'skipped';
  const probe = await harness();
  try {
    await check.run(probe);
    return 'passed';
  } catch (error) {
    if (error instanceof ConformanceSkipped) return 'skipped';
    throw error;
  } finally {
    await probe.tearDown();
  }
}
