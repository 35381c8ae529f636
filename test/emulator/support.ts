import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../src/identity/index.js';

export type Reply = { status: number; text: string; body: any; headers: Headers };

/** A fetch bound to the emulator's app, authenticated with its API key unless told otherwise. */
export function apiClient(emulator: Emulator, apiKey: string | null = emulator.apiKey) {
  return async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${emulator.apiUrl}/apps/${emulator.appId}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, text, body: parsed, headers: res.headers };
  };
}

export function makeTempDir(): { dir: string; file: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'passgraph-emulator-'));
  return { dir, file: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// --- OpenAPI conformance -------------------------------------------------------

type Schema = {
  $ref?: string;
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  nullable?: boolean;
  enum?: unknown[];
  format?: string;
};
type Spec = {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: { 'application/json'?: { schema: Schema } } }> }>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, { content?: { 'application/json'?: { schema: Schema } } }> };
};

export const spec: Spec = JSON.parse(readFileSync(new URL('../fixtures/passage-openapi.json', import.meta.url), 'utf8'));

/** Every (METHOD, path template) the spec declares, e.g. "GET /apps/{app_id}/users". */
export const specOperations: string[] = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((m) => ['get', 'post', 'patch', 'delete', 'put'].includes(m))
    .map((m) => `${m.toUpperCase()} ${path}`),
);

function resolve<T extends { $ref?: string }>(node: T): T {
  let current = node;
  while (current.$ref) {
    const [, , section, name] = current.$ref.split('/');
    current = (spec.components as Record<string, Record<string, unknown>>)[section!]![name!] as T;
  }
  return current;
}

/** The JSON schema of a declared response, or undefined when the spec declares no body. */
export function responseSchema(method: string, pathTemplate: string, status: number): Schema | undefined {
  const response = spec.paths[pathTemplate]?.[method.toLowerCase()]?.responses[String(status)];
  if (!response) throw new Error(`spec declares no ${status} response for ${method} ${pathTemplate}`);
  return resolve(response).content?.['application/json']?.schema;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Lists every way `value` departs from `schema`: missing required properties, wrong types, enums, date-times. */
export function schemaProblems(schemaOrRef: Schema, value: unknown, at = '$'): string[] {
  const schema = resolve(schemaOrRef);
  if (value === null) return schema.nullable ? [] : [`${at}: null but not nullable`];
  const problems: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${at}: expected string`];
      if (schema.format === 'date-time' && !DATE_TIME.test(value)) problems.push(`${at}: not an RFC 3339 UTC date-time`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) return [`${at}: expected integer`];
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return [`${at}: expected boolean`];
      break;
    case 'array':
      if (!Array.isArray(value)) return [`${at}: expected array`];
      if (schema.items) value.forEach((item, i) => problems.push(...schemaProblems(schema.items!, item, `${at}[${i}]`)));
      break;
    case 'object':
    case undefined:
      if (schema.type === undefined && !schema.properties && !schema.required) break;
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: expected object`];
      for (const name of schema.required ?? []) if (!(name in value)) problems.push(`${at}.${name}: missing`);
      for (const [name, child] of Object.entries(schema.properties ?? {})) {
        if (name in value) problems.push(...schemaProblems(child, (value as Record<string, unknown>)[name], `${at}.${name}`));
      }
      break;
  }
  return problems;
}
