/**
 * The parts of OpenCode's classic HTTP API shapes this executor reads (opencode-ai 1.18.33, with
 * the older names of §7 of the API notes). Everything is optional where servers differ.
 */

export interface OpenCodeErrorValue {
  name?: string;
  data?: { message?: string; statusCode?: number; isRetryable?: boolean; [key: string]: unknown };
}

export interface OpenCodeMessageInfo {
  id: string;
  sessionID: string;
  role: 'user' | 'assistant';
  parentID?: string;
  time?: { created?: number; completed?: number };
  finish?: string;
  error?: OpenCodeErrorValue;
}

export interface OpenCodeToolState {
  status: 'pending' | 'running' | 'completed' | 'error';
  title?: string;
  error?: string;
}

export interface OpenCodePart {
  id: string;
  sessionID: string;
  messageID: string;
  type: string;
  text?: string;
  synthetic?: boolean;
  ignored?: boolean;
  time?: { start?: number; end?: number };
  callID?: string;
  tool?: string;
  state?: OpenCodeToolState;
}

export interface OpenCodeMessage {
  info: OpenCodeMessageInfo;
  parts: OpenCodePart[];
}

export interface OpenCodeSessionStatus {
  type: 'idle' | 'busy' | 'retry';
  attempt?: number;
  message?: string;
}

/** `permission.asked` (1.18) and the legacy `permission.updated` in one shape. */
export interface OpenCodePermissionRequest {
  id: string;
  sessionID: string;
  permission?: string;
  patterns?: string[];
  type?: string;
  pattern?: string | string[];
  title?: string;
  metadata?: Record<string, unknown>;
}

export interface OpenCodeQuestionRequest {
  id: string;
  sessionID: string;
  questions: { question: string; header?: string; options?: { label: string; description?: string }[]; multiple?: boolean }[];
}

/** One event of `GET /event`: `{id?, type, properties}`. */
export interface OpenCodeEvent {
  id?: string;
  type: string;
  properties: Record<string, unknown>;
}
