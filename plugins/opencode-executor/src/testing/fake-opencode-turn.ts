import type { OpenCodeMessage, OpenCodePart } from '../opencode-types.js';
import { fakeId } from './fake-ids.js';

/** What a scripted turn can do to the fake server around it. */
export interface TurnHost {
  legacy: boolean;
  chunkDelayMs: number;
  emit(type: string, properties: Record<string, unknown>): void;
  setBusy(sessionId: string, status: { type: string; [key: string]: unknown } | null): void;
  askPermission(request: Record<string, unknown>): Promise<string>;
  askQuestion(request: Record<string, unknown>): Promise<string[][]>;
  /** Resolves the instance's model (lazily, once); false when an earlier abort broke it. */
  resolveModel(): Promise<boolean>;
  /** This loop was aborted while it resolved the model. */
  modelResolutionInterrupted(): void;
}

const ABORTED = Symbol('aborted');
/** Thrown by a script that already ended its turn (the 4xx failure). */
const DONE = Symbol('done');

/**
 * One agent loop of the fake OpenCode, scripted by markers in the prompt (the same markers as
 * the fake LLM): plain echo, `[[stream]]`, `[[tool:bash]]` (asks permission), `[[question]]`,
 * `[[slow]]` (until aborted), `[[4xx]]` (fails, with OpenCode's double `session.error`),
 * `[[5xx]]` (retries until aborted). It emits the events OpenCode 1.18 emits, or the older names
 * when the host is `legacy`.
 */
export class FakeTurn {
  private aborted = false;
  private readonly abortWaiters = new Set<() => void>();
  private current: OpenCodeMessage | null = null;

  constructor(
    private readonly host: TurnHost,
    private readonly sessionId: string,
    private readonly messages: OpenCodeMessage[],
    private readonly userMessageId: string,
    private readonly text: string,
  ) {}

  abort(): void {
    this.aborted = true;
    for (const wake of [...this.abortWaiters]) wake();
  }

  async run(): Promise<void> {
    try {
      this.host.setBusy(this.sessionId, { type: 'busy' });
      await this.script();
      this.idle();
    } catch (error) {
      if (error === DONE) return;
      if (error !== ABORTED) throw error;
      this.endAborted();
    }
  }

  private async script(): Promise<void> {
    const marker = /\[\[(stream|tool:bash|question|slow|4xx|5xx)\]\]/.exec(this.text)?.[1];
    if (marker === '4xx') return this.fail4xx();
    if (marker === '5xx') return this.retryForever();
    if (!(await this.modelResolved())) return this.failBrokenInstance();
    this.startAssistant();
    if (marker === 'slow') {
      await this.streamText('Thinking', 1);
      await this.wait(new Promise<never>(() => undefined));
    }
    if (marker === 'tool:bash') return this.bashTool();
    if (marker === 'question' && !this.host.legacy) return this.questionTool();
    await this.streamText(marker === 'stream' ? 'Streaming reply: one two three four five six seven.' : `echo: ${this.text.trim()}`, marker === 'stream' ? 6 : 8);
    this.completeAssistant('stop');
  }

  private async bashTool(): Promise<void> {
    const part = this.addPart({ type: 'tool', callID: `call_${fakeId('x').slice(2, 14)}`, tool: 'bash', state: { status: 'running', title: 'echo hello-from-tool' } });
    const request = this.host.legacy
      ? { id: fakeId('per'), type: 'bash', pattern: 'echo *', sessionID: this.sessionId, messageID: this.current!.info.id, callID: part.callID, title: 'echo hello-from-tool', metadata: { command: 'echo hello-from-tool' }, time: { created: Date.now() } }
      : { id: fakeId('per'), sessionID: this.sessionId, permission: 'bash', patterns: ['echo hello-from-tool'], metadata: { command: 'echo hello-from-tool' }, always: ['echo *'], tool: { messageID: this.current!.info.id, callID: part.callID } };
    const reply = await this.wait(this.host.askPermission(request));
    const allowed = reply !== 'reject';
    this.updatePart(part, { state: allowed ? { status: 'completed', title: 'echo hello-from-tool', output: 'hello-from-tool' } : { status: 'error', error: 'The user rejected permission to use this specific tool call' } });
    this.completeAssistant('tool-calls');
    this.startAssistant();
    await this.streamText(allowed ? 'tool said: hello-from-tool' : 'permission was rejected', 8);
    this.completeAssistant('stop');
  }

  private async questionTool(): Promise<void> {
    const part = this.addPart({ type: 'tool', callID: `call_${fakeId('x').slice(2, 14)}`, tool: 'question', state: { status: 'running', title: 'Asking 1 question' } });
    const questions = [{ question: 'Which colour?', header: 'Colour', options: [{ label: 'red', description: 'Red' }, { label: 'blue', description: 'Blue' }] }];
    const answers = await this.wait(this.host.askQuestion({ id: fakeId('que'), sessionID: this.sessionId, questions, tool: { messageID: this.current!.info.id, callID: part.callID } }));
    this.updatePart(part, { state: { status: 'completed', title: 'Asked 1 question' } });
    this.completeAssistant('tool-calls');
    this.startAssistant();
    await this.streamText(`you chose: ${answers.map((a) => a.join(',')).join(';')}`, 8);
    this.completeAssistant('stop');
  }

  private async fail4xx(): Promise<void> {
    this.startAssistant();
    const error = { name: 'APIError', data: { message: 'fake upstream failure (400)', statusCode: 400, isRetryable: false } };
    this.current!.info.error = error;
    this.host.emit('message.updated', { sessionID: this.sessionId, info: this.current!.info });
    this.host.emit('session.error', { sessionID: this.sessionId, error });
    this.idle();
    this.host.emit('session.error', { sessionID: this.sessionId, error: { name: 'UnknownError', data: { message: 'Error: fake upstream failure (400)\n    at stack (fake.ts:1:1)' } } });
    throw DONE;
  }

  private async modelResolved(): Promise<boolean> {
    try {
      return await this.wait(this.host.resolveModel());
    } catch (error) {
      if (error === ABORTED) this.host.modelResolutionInterrupted();
      throw error;
    }
  }

  /** What OpenCode 1.18.33 does for every loop once an abort interrupted its model resolution. */
  private failBrokenInstance(): never {
    this.idle();
    const message = 'Error: All fibers interrupted without error\n    at SessionPrompt.getModel (fake.ts:1:1)';
    this.host.emit('session.error', { sessionID: this.sessionId, error: { name: 'UnknownError', data: { message } } });
    throw DONE;
  }

  private async retryForever(): Promise<never> {
    for (let attempt = 1; ; attempt += 1) {
      this.host.setBusy(this.sessionId, { type: 'retry', attempt, message: 'fake upstream failure (500)', next: Date.now() + 200 });
      await this.pause(200);
    }
  }

  private startAssistant(): void {
    const info = { id: fakeId('msg'), sessionID: this.sessionId, role: 'assistant' as const, parentID: this.userMessageId, time: { created: Date.now() } };
    this.current = { info, parts: [] };
    this.messages.push(this.current);
    this.host.emit('message.updated', { sessionID: this.sessionId, info });
  }

  private completeAssistant(finish: string): void {
    const info = this.current!.info;
    info.finish = finish;
    info.time = { ...info.time, completed: Date.now() };
    this.host.emit('message.updated', { sessionID: this.sessionId, info });
  }

  private async streamText(text: string, size: number): Promise<void> {
    const part = this.addPart({ type: 'text', text: '', time: { start: Date.now() } });
    for (let i = 0; i < text.length; i += size) {
      await this.pause(this.host.chunkDelayMs);
      const delta = text.slice(i, i + size);
      part.text = (part.text ?? '') + delta;
      if (this.host.legacy) this.host.emit('message.part.updated', { sessionID: this.sessionId, part: { ...part }, delta });
      else this.host.emit('message.part.delta', { sessionID: this.sessionId, messageID: part.messageID, partID: part.id, field: 'text', delta });
    }
    if (text.length > size || text === 'Thinking') await this.pause(this.host.chunkDelayMs);
    if (text !== 'Thinking') this.updatePart(part, { time: { start: part.time!.start, end: Date.now() } });
  }

  private addPart(fields: Partial<OpenCodePart> & { type: string; [key: string]: unknown }): OpenCodePart {
    const part = { id: fakeId('prt'), sessionID: this.sessionId, messageID: this.current!.info.id, ...fields } as OpenCodePart;
    this.current!.parts.push(part);
    this.host.emit('message.part.updated', { sessionID: this.sessionId, part: { ...part }, time: Date.now() });
    return part;
  }

  private updatePart(part: OpenCodePart, fields: Record<string, unknown>): void {
    Object.assign(part, fields);
    this.host.emit('message.part.updated', { sessionID: this.sessionId, part: { ...part }, time: Date.now() });
  }

  private idle(): void {
    this.host.setBusy(this.sessionId, null);
  }

  private endAborted(): void {
    const error = { name: 'MessageAbortedError', data: { message: 'Aborted' } };
    if (this.current) {
      this.current.info.error = error;
      this.current.info.time = { ...this.current.info.time, completed: Date.now() };
      this.host.emit('message.updated', { sessionID: this.sessionId, info: this.current.info });
    }
    this.host.emit('session.error', { sessionID: this.sessionId, error });
    this.idle();
  }

  private async pause(ms: number): Promise<void> {
    await this.wait(new Promise<void>((resolve) => setTimeout(resolve, ms)));
  }

  /** Waits for `promise`, or throws when the turn is aborted first. */
  private wait<T>(promise: Promise<T>): Promise<T> {
    if (this.aborted) return Promise.reject(ABORTED);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(ABORTED);
      this.abortWaiters.add(onAbort);
      promise.then(resolve, reject).finally(() => this.abortWaiters.delete(onAbort));
    });
  }
}
