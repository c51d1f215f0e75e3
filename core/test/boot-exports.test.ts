import { expect } from 'chai';
import * as core from '../src/index.js';
import * as testing from '../src/testing/index.js';

/** The boot API a second host builds on, and the test kernel (house style: surface tests). */
describe('@cowork-gateway/core boot surface', () => {
  const boot = [
    'bootGateway', 'assemblePlugins', 'assembleStore', 'assertUniqueInstanceIds', 'buildKernel', 'kernelSettingsFrom',
    'httpServerOptionsFrom', 'createConfigLogger',
    'secret', 'isSecretSchema', 'secretValuesOf',
    'identitySchema', 'identityKeySchema', 'checkIdentity', 'IDENTITY_STATUSES', 'IDENTITY_FIELDS',
    'pluginSettingSpecs', 'pluginOptionsFromSettings', 'pluginEnabledBySettings', 'pluginSelectionFromSettings', 'providerSelectionFromSettings',
  ];
  for (const name of boot) {
    it(`exports ${name}`, () => {
      expect((core as Record<string, unknown>)[name], name).not.to.equal(undefined);
    });
  }

  it('exports the test kernel from /testing', () => {
    for (const name of ['startTestKernel', 'testMessage', 'until']) expect((testing as Record<string, unknown>)[name], name).to.be.a('function');
    expect(testing.FAST_TEST_SETTINGS.idlePollMs).to.equal(20);
    expect(testing.TEST_IDENTITIES.map((i) => i.externalUserId)).to.deep.equal(['alice', 'ada', 'sam']);
  });
});
