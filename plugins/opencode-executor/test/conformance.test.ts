import 'reflect-metadata';
import { describeExecutionAuthorityConformance } from '@cowork-gateway/core/testing';
import { startFakeOpenCode, type FakeOpenCode } from '../src/testing/fake-opencode.js';
import { executorFor } from './helpers.js';

const scripts = {
  reply: 'hello conformance',
  expectedReplyIncludes: 'echo: hello conformance',
  fail: '[[4xx]] please fail',
  slow: '[[slow]] take your time',
  permission: '[[tool:bash]] run a command',
  question: '[[question]] ask me',
};

describeExecutionAuthorityConformance<FakeOpenCode>({
  name: 'opencode (fake OpenCode 1.18)',
  create: async () => {
    const fake = await startFakeOpenCode({ password: 'conformance-secret' });
    return { executor: executorFor(fake, { password: 'conformance-secret' }), fake };
  },
  destroy: async ({ fake }) => fake?.close(),
  scripts,
});

describeExecutionAuthorityConformance<FakeOpenCode>({
  name: 'opencode (fake OpenCode, old event names)',
  create: async () => {
    const fake = await startFakeOpenCode({ legacy: true });
    return { executor: executorFor(fake), fake };
  },
  destroy: async ({ fake }) => fake?.close(),
  scripts: { ...scripts, question: undefined },
});
