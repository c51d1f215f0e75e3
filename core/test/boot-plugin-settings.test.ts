import 'reflect-metadata';
import { expect } from 'chai';
import * as v from 'valibot';
import {
  CORE_SETTINGS,
  definePlugin,
  loadConfig,
  pluginEnabledBySettings,
  pluginOptionsFromSettings,
  pluginSettingSpecs,
  providerSelectionFromSettings,
} from '../src/index.js';

const PREFIX = 'PLUGIN_SETTINGS_';

const chatPlugin = definePlugin({
  name: 'chat-test',
  kind: 'provider',
  configSchema: v.strictObject({ token: v.string(), mode: v.optional(v.string()), publicUrl: v.optional(v.string()), deploymentMode: v.optional(v.string()), nested: v.optional(v.object({ dir: v.string() })) }),
  settings: [
    { key: 'CHAT_TOKEN', option: 'token', type: 'string', secret: true, envAliases: ['OTHER_CHAT_TOKEN'], description: 'Bot token.' },
    { key: 'CHAT_ID', type: 'string', default: 'chat', description: 'Instance id.' },
    { key: 'CHAT_MODE', option: 'mode', type: 'enum', values: ['a', 'b'], default: 'a', description: 'Mode.' },
    { key: 'CHAT_PUBLIC_URL', option: 'publicUrl', fallback: 'PUBLIC_URL', type: 'url', description: 'Public URL.' },
    { key: 'CHAT_DIR', option: 'nested.dir', type: 'string', description: 'A nested option.' },
    { key: 'DEPLOYMENT_MODE', option: 'deploymentMode', shared: true },
  ],
  enabledBy: 'CHAT_TOKEN',
  instanceIdSetting: 'CHAT_ID',
  register() {},
});

const load = (env: Record<string, string>) => loadConfig({ prefix: PREFIX, specs: [...CORE_SETTINGS, ...pluginSettingSpecs(chatPlugin)], env });

describe('plugin-declared flat settings', () => {
  it('declares its own settings with the plugin as reader, not the shared ones', () => {
    const specs = pluginSettingSpecs(chatPlugin);
    expect(specs.map((s) => s.key)).to.deep.equal(['CHAT_TOKEN', 'CHAT_ID', 'CHAT_MODE', 'CHAT_PUBLIC_URL', 'CHAT_DIR']);
    expect(specs.every((s) => s.readBy === 'chat-test')).to.equal(true);
    expect(specs[0]).not.to.have.property('option');
  });

  it('fills options from set, defaulted, fallback and shared settings, leaving unset ones out', () => {
    const config = load({ [`${PREFIX}CHAT_TOKEN`]: 'tok-123456', [`${PREFIX}PUBLIC_URL`]: 'https://gw.example.com', [`${PREFIX}CHAT_DIR`]: '/srv' });
    expect(pluginOptionsFromSettings(chatPlugin, config)).to.deep.equal({
      token: 'tok-123456',
      mode: 'a',
      publicUrl: 'https://gw.example.com',
      nested: { dir: '/srv' },
      deploymentMode: config.get('DEPLOYMENT_MODE'),
    });
    expect(config.secrets.list()).to.include('tok-123456');
  });

  it('is enabled by its enabledBy setting (also through an env alias) and names its instance by instanceIdSetting', () => {
    expect(pluginEnabledBySettings(chatPlugin, load({}))).to.equal(false);
    const config = load({ OTHER_CHAT_TOKEN: 'tok-alias-99', [`${PREFIX}CHAT_ID`]: 'chat-prod' });
    expect(pluginEnabledBySettings(chatPlugin, config)).to.equal(true);
    const selection = providerSelectionFromSettings(chatPlugin, config, 'chat-test');
    expect(selection).to.deep.include({ id: 'chat-prod', use: 'chat-test', key: `${PREFIX}CHAT_TOKEN` });
    expect(selection.options).to.include({ token: 'tok-alias-99' });
  });
});
