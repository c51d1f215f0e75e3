import { describe, it } from 'mocha';

/**
 * The result of running one conformance check by id: it passed, or the descriptor does not declare
 * what the check needs, so the suite does not register it. A check never decides at run time that
 * it does not apply: what a descriptor declares decides that at registration, and a registered
 * check passes or fails (a pending case fails the test run).
 */
export type CheckOutcome = 'passed' | 'not-applicable';

/** What every conformance check has: an id to run it by, a title, and the body. */
export interface ConformanceCheck<P> {
  id: string;
  title: string;
  run(probe: P): Promise<void>;
}

/**
 * Registers one mocha case per applicable check; checks that do not apply to what the descriptor
 * declares are not registered at all (never pending).
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
        const outcome = await run(check.id);
        if (outcome !== 'passed') throw new Error(`conformance check "${check.id}" was registered but reported "${outcome}"`);
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
  if (!applies(check)) return 'not-applicable';
  const probe = await harness();
  try {
    await check.run(probe);
    return 'passed';
  } finally {
    await probe.tearDown();
  }
}
