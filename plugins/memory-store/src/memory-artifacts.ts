import { randomUUID } from 'node:crypto';
import type { Artifact, ArtifactRepository } from '@cowork-gateway/core';
import type { MemoryState } from './memory-state.js';
import { copy, limited, newestFirst } from './rows.js';

/** Artifact metadata (the bytes live elsewhere, at `storageUri`), listed newest first. */
export class MemoryArtifacts implements ArtifactRepository {
  constructor(private readonly state: MemoryState) {}

  /** Recording an `artifactId` that already exists returns the stored row unchanged. */
  async record(artifact: Omit<Artifact, 'artifactId' | 'createdAt'> & { artifactId?: string }): Promise<Artifact> {
    const existing = artifact.artifactId === undefined ? undefined : this.state.artifacts.get(artifact.artifactId);
    if (existing) return copy(existing);
    const row: Artifact = {
      artifactId: artifact.artifactId ?? randomUUID(),
      sessionId: artifact.sessionId,
      filename: artifact.filename,
      contentType: artifact.contentType,
      storageUri: artifact.storageUri,
      sizeBytes: artifact.sizeBytes,
      createdAt: this.state.now(),
    };
    this.state.artifacts.set(row.artifactId, row);
    return copy(row);
  }

  async get(artifactId: string): Promise<Artifact | null> {
    const row = this.state.artifacts.get(artifactId);
    return row ? copy(row) : null;
  }

  async list(options: { sessionId?: string; limit?: number } = {}): Promise<Artifact[]> {
    const rows = newestFirst(this.state.artifacts.values()).filter(
      (a) => options.sessionId === undefined || a.sessionId === options.sessionId,
    );
    return limited(rows, options.limit);
  }
}
