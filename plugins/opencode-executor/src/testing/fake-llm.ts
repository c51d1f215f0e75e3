import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One chat-completions request the fake received. */
export interface FakeLlmRequest {
  stream: boolean;
  /** Names of the tools OpenCode offered. */
  tools: string[];
  /** Text of the last user message. */
  userText: string;
  /** Role of the last message (`tool` after a tool result). */
  lastRole: string;
}

/** A running fake of the OpenAI chat-completions API on 127.0.0.1. */
export interface FakeLlm {
  /** Base URL for an OpenAI-compatible provider, ending in `/v1`. */
  readonly url: string;
  readonly requests: FakeLlmRequest[];
  close(): Promise<void>;
}

interface ChatMessage {
  role: string;
  content?: string | { type: string; text?: string }[] | null;
}

interface ChatRequest {
  messages?: ChatMessage[];
  stream?: boolean;
  tools?: { function?: { name?: string } }[];
}

type Reply = { text: string; chunkSize: number } | { toolCall: { name: string; args: unknown } };

const QUESTION_ARGS = {
  questions: [
    {
      question: 'Which colour?',
      header: 'Colour',
      options: [
        { label: 'red', description: 'Red' },
        { label: 'blue', description: 'Blue' },
      ],
    },
  ],
};

/**
 * Starts a loopback fake of the OpenAI chat-completions API (`POST /v1/chat/completions`,
 * streaming and not, and `GET /v1/models`) whose behaviour is picked by markers in the last
 * user message:
 *
 * - `[[stream]]`: a reply in several chunks with small delays;
 * - `[[tool:bash]]`: calls the bash tool (`echo hello-from-tool`), so OpenCode asks permission;
 *   after the tool result it answers `tool said: <output>`;
 * - `[[question]]`: calls OpenCode's `question` tool ("Which colour?", red/blue); after the
 *   answer it replies `you chose: <tool output>`;
 * - `[[slow]]`: sends one chunk and never finishes until the client goes away (aborted);
 * - `[[4xx]]`: answers HTTP 400 (not retried by OpenCode); `[[5xx]]`: HTTP 500 (retried);
 * - anything else: `echo: <text>`.
 *
 * Requests without tools (OpenCode's title generation) get a short plain title.
 */
export async function startFakeLlm(options: { chunkDelayMs?: number } = {}): Promise<FakeLlm> {
  const delay = options.chunkDelayMs ?? 20;
  const requests: FakeLlmRequest[] = [];
  const server = createServer((req, res) => {
    void handle(req, res, requests, delay).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, requests: FakeLlmRequest[], delay: number): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (req.method === 'GET' && path === '/v1/models') {
    return json(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: 'fake' }] });
  }
  if (req.method !== 'POST' || path !== '/v1/chat/completions') return json(res, 404, { error: { message: `no route ${req.method} ${path}` } });
  const body = JSON.parse(await readBody(req)) as ChatRequest;
  const messages = body.messages ?? [];
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const request: FakeLlmRequest = {
    stream: body.stream === true,
    tools: (body.tools ?? []).map((t) => t.function?.name ?? '').filter(Boolean),
    userText: textOf(lastUser),
    lastRole: messages.at(-1)?.role ?? 'none',
  };
  requests.push(request);
  if (request.tools.length === 0) return answer(res, request, { text: 'Fake session title', chunkSize: 100 }, delay);
  const marker = /\[\[(stream|tool:bash|question|slow|4xx|5xx)\]\]/.exec(request.userText)?.[1];
  if (marker === '4xx') return json(res, 400, { error: { message: 'fake upstream failure (400)', type: 'invalid_request_error', code: 'fake_400' } });
  if (marker === '5xx') return json(res, 500, { error: { message: 'fake upstream failure (500)', type: 'server_error' } });
  if (marker === 'slow') return hang(res);
  return answer(res, request, replyFor(marker, request, messages), delay);
}

function replyFor(marker: string | undefined, request: FakeLlmRequest, messages: ChatMessage[]): Reply {
  const toolResult = request.lastRole === 'tool' ? textOf(messages.at(-1)).trim().slice(0, 200) : undefined;
  if (marker === 'tool:bash') {
    if (toolResult !== undefined) return { text: `tool said: ${toolResult}`, chunkSize: 8 };
    if (!request.tools.includes('bash')) return { text: 'the bash tool was not offered', chunkSize: 100 };
    return { toolCall: { name: 'bash', args: { command: 'echo hello-from-tool', description: 'Print a greeting' } } };
  }
  if (marker === 'question') {
    if (toolResult !== undefined) return { text: `you chose: ${toolResult}`, chunkSize: 8 };
    if (!request.tools.includes('question')) return { text: 'the question tool was not offered', chunkSize: 100 };
    return { toolCall: { name: 'question', args: QUESTION_ARGS } };
  }
  if (marker === 'stream') return { text: 'Streaming reply: one two three four five six seven.', chunkSize: 6 };
  return { text: `echo: ${request.userText.trim()}`, chunkSize: 8 };
}

async function answer(res: ServerResponse, request: FakeLlmRequest, reply: Reply, delay: number): Promise<void> {
  const id = `chatcmpl-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  if (!request.stream) {
    const message = 'text' in reply
      ? { role: 'assistant', content: reply.text }
      : { role: 'assistant', content: null, tool_calls: [toolCall(reply.toolCall, true)] };
    return json(res, 200, { id, object: 'chat.completion', created, model: 'fake-model', choices: [{ index: 0, message, finish_reason: 'text' in reply ? 'stop' : 'tool_calls' }], usage });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: unknown, finish: string | null, extra: Record<string, unknown> = {}): void => {
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: 'fake-model', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`);
  };
  if ('text' in reply) {
    for (let i = 0; i < reply.text.length; i += reply.chunkSize) {
      if (res.destroyed) return;
      chunk(i === 0 ? { role: 'assistant', content: reply.text.slice(i, i + reply.chunkSize) } : { content: reply.text.slice(i, i + reply.chunkSize) }, null);
      await sleep(delay);
    }
    chunk({}, 'stop', { usage });
  } else {
    chunk({ role: 'assistant', tool_calls: [{ index: 0, ...toolCall(reply.toolCall, false) }] }, null);
    chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(reply.toolCall.args) } }] }, null);
    chunk({}, 'tool_calls', { usage });
  }
  res.end('data: [DONE]\n\n');
}

function toolCall(call: { name: string; args: unknown }, withArgs: boolean): Record<string, unknown> {
  return { id: `call_${call.name}_${Date.now()}`, type: 'function', function: { name: call.name, arguments: withArgs ? JSON.stringify(call.args) : '' } };
}

/** Streams one chunk, then holds the response open until OpenCode gives up on it (abort). */
function hang(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(`data: ${JSON.stringify({ id: 'chatcmpl-slow', object: 'chat.completion.chunk', created: 0, model: 'fake-model', choices: [{ index: 0, delta: { role: 'assistant', content: 'Thinking' }, finish_reason: null }] })}\n\n`);
  const keepAlive = setInterval(() => res.write(': still thinking\n\n'), 1_000);
  res.on('close', () => clearInterval(keepAlive));
}

function textOf(message: ChatMessage | undefined): string {
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('\n');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
