/**
 * How the Store kit's cases are registered: as mocha `describe`/`it` while a suite is being
 * declared, or collected as plain checks so {@link runStoreCheck} can run one by its id.
 */
import * as mocha from 'mocha';

/** One case of the Store kit: `<area>: <title>` and its body. */
export interface StoreCheck {
  /** Stable id, `<area>: <title>`, e.g. `leases: release frees the lease for others; ...`. */
  id: string;
  run(): Promise<void>;
}

interface Sink {
  describe(title: string, body: () => void): void;
  it(title: string, fn: () => Promise<void>): void;
}

const mochaSink: Sink = { describe: (title, body) => mocha.describe(title, body), it: (title, fn) => mocha.it(title, fn) };
let sink: Sink = mochaSink;

/** Declares a group of cases (one area of the contract). */
export function describe(title: string, body: () => void): void {
  sink.describe(title, body);
}

/** Declares one case. */
export function it(title: string, fn: () => Promise<void>): void {
  sink.it(title, fn);
}

/** Runs `register` collecting its cases instead of handing them to mocha. */
export function collectChecks(register: () => void): StoreCheck[] {
  const checks: StoreCheck[] = [];
  const path: string[] = [];
  const previous = sink;
  sink = {
    describe(title, body) {
      path.push(title);
      try {
        body();
      } finally {
        path.pop();
      }
    },
    it(title, fn) {
      checks.push({ id: [...path, title].join(': '), run: fn });
    },
  };
  try {
    register();
  } finally {
    sink = previous;
  }
  return checks;
}
