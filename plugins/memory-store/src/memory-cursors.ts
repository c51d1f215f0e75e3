import type { CursorRepository } from '@cowork-gateway/core';
import type { MemoryState } from './memory-state.js';

/** Named positions (e.g. a polling offset); last write wins. */
export class MemoryCursors implements CursorRepository {
  constructor(private readonly state: MemoryState) {}

  async get(name: string): Promise<string | undefined> {
    return this.state.cursors.get(name);
  }

  async set(name: string, value: string): Promise<void> {
    this.state.cursors.set(name, value);
  }
}
