/** Reading the config file and inline JSON: JSONC parsing with line-numbered locations. */
import { readFileSync } from 'node:fs';
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { JSONPath, Node, ParseError } from 'jsonc-parser';
import { ConfigFileUnreadable } from '../errors.js';
import { describeValue, isPlainObject, type ConfigDoc, type Context } from './context.js';

export function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigFileUnreadable({ path, reason: errorReason(error) }, { cause: error });
  }
}

export function errorReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : String((error as Error).message ?? error);
}

export function parseFileDoc(ctx: Context, path: string): ConfigDoc | undefined {
  const text = readConfigText(path);
  const root = parseJsonc(text, (line, column, code) => `config file ${path}:${line}:${column}: ${code}`, ctx);
  const locate = (jsonPath: JSONPath): string => `file ${path}:${lineOf(text, nodeOffset(root, jsonPath))}`;
  return asDoc(ctx, root, `${ctx.prefix}CONFIG`, locate);
}

export function parseInlineDoc(ctx: Context, text: string): ConfigDoc | undefined {
  const name = `${ctx.prefix}CONFIG_JSON`;
  const root = parseJsonc(text, (line, column, code) => `${name} (inline): invalid JSON at ${line}:${column}: ${code}`, ctx);
  return asDoc(ctx, root, name, () => 'inline');
}

export type SyntaxIssue = (line: number, column: number, code: string) => string;

/** Parses JSON with comments and trailing commas; syntax errors become issues and yield undefined. */
export function parseJsonc(text: string, syntaxIssue: SyntaxIssue, ctx: Context): Node | null | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  for (const error of errors) {
    const { line, column } = lineColumnOf(text, error.offset);
    ctx.issues.push(syntaxIssue(line, column, printParseErrorCode(error.error)));
  }
  return errors.length > 0 ? undefined : (root ?? null);
}

export function asDoc(ctx: Context, root: Node | null | undefined, name: string, locate: ConfigDoc['locate']): ConfigDoc | undefined {
  if (root === undefined) return undefined;
  const value: unknown = root === null ? undefined : getNodeValue(root);
  if (!isPlainObject(value)) {
    ctx.issues.push(`${name} (${locate([])}): must be a JSON object, got ${describeValue(value)}`);
    return undefined;
  }
  return { value, locate };
}

/** Offset of the deepest node on `path` (the key of a property, when it is one). */
export function nodeOffset(root: Node | null | undefined, path: JSONPath): number {
  if (!root) return 0;
  for (let length = path.length; length > 0; length--) {
    const node = findNodeAtLocation(root, path.slice(0, length));
    if (node) return node.parent?.type === 'property' ? node.parent.offset : node.offset;
  }
  return root.offset;
}

export function lineOf(text: string, offset: number): number {
  return lineColumnOf(text, offset).line;
}

export function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}
