import { randomUUID } from 'node:crypto';
import type { Artifact, ArtifactRepository } from '@cowork-gateway/core';
import { sqlLimit, type PgDatabase } from './database.js';
import { toArtifact } from './rows.js';

/** Artifact metadata (the bytes live elsewhere, at `storageUri`), listed newest first. */
export class PgArtifacts implements ArtifactRepository {
  constructor(private readonly db: PgDatabase) {}

  /** Recording an `artifactId` that already exists returns the stored row unchanged. */
  async record(artifact: Omit<Artifact, 'artifactId' | 'createdAt'> & { artifactId?: string }): Promise<Artifact> {
    const id = artifact.artifactId ?? randomUUID();
    const [row] = await this.db.sql`
      insert into cg_artifacts (artifact_id, session_id, filename, content_type, storage_uri, size_bytes, created_at)
      values (${id}, ${artifact.sessionId}, ${artifact.filename}, ${artifact.contentType}, ${artifact.storageUri},
              ${artifact.sizeBytes}, ${this.db.now()})
      on conflict (artifact_id) do nothing
      returning *`;
    return row ? toArtifact(row) : ((await this.get(id)) as Artifact);
  }

  async get(artifactId: string): Promise<Artifact | null> {
    const [row] = await this.db.sql`select * from cg_artifacts where artifact_id = ${artifactId}`;
    return row ? toArtifact(row) : null;
  }

  async list(options: { sessionId?: string; limit?: number } = {}): Promise<Artifact[]> {
    const rows = await this.db.sql`
      select * from cg_artifacts
      where (${options.sessionId ?? null}::text is null or session_id = ${options.sessionId ?? null})
      order by created_at desc, pos desc
      limit ${sqlLimit(options.limit)}`;
    return rows.map(toArtifact);
  }
}
