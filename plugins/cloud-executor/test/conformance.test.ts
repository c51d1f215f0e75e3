import 'reflect-metadata';
import { describeExecutionAuthorityConformance } from '@cowork-gateway/core/testing';
import { cloudFixture, type CloudFixture } from './helpers/fixture.js';

const fixtures = new Map<unknown, CloudFixture>();

describeExecutionAuthorityConformance({
  name: 'cloud (fake Cloud)',
  async create() {
    const fixture = await cloudFixture();
    fixtures.set(fixture.executor, fixture);
    return { executor: fixture.executor, fake: fixture.fake };
  },
  async destroy({ executor }) {
    await fixtures.get(executor)?.close();
    fixtures.delete(executor);
  },
  scripts: {
    reply: 'hello cloud',
    expectedReplyIncludes: 'Echo: hello cloud',
    fail: '/fail boom',
    slow: '/slow',
    permission: '/permission',
    question: '/question',
  },
});
