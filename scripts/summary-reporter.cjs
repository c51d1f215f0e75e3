// Mocha reporter: the usual spec output, plus a JSON file with the totals that
// scripts/run-tests.mjs prints as the final "N passed, N failed" line.
const fs = require('node:fs');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const out = process.env.COWORK_TEST_RESULTS || '.test-results.json';
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      fs.writeFileSync(out, JSON.stringify({ passes, failures, pending }));
    });
  }
}

module.exports = SummaryReporter;
