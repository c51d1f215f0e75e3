/**
 * OpenCode's config for running offline against {@link startFakeLlm}: provider `fake`
 * (`@ai-sdk/openai-compatible`, bundled in the binary) with model `fake/fake-model`, bash and
 * edit on `ask`. Serialize it into `OPENCODE_CONFIG_CONTENT`.
 */
export function opencodeConfigFor(fakeLlmUrl: string): Record<string, unknown> {
  return {
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
    enabled_providers: ['fake'],
    model: 'fake/fake-model',
    small_model: 'fake/fake-model',
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Fake LLM (loopback)',
        options: { baseURL: fakeLlmUrl, apiKey: 'fake-key' },
        models: {
          'fake-model': { name: 'Fake Model', tool_call: true, limit: { context: 128000, output: 4096 } },
        },
      },
    },
    permission: { bash: 'ask', edit: 'ask', webfetch: 'deny' },
  };
}
