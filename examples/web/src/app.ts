import type { Result } from './api';
import { describeErrors } from './api';
import { h, type Child } from './dom';

// What every view shares: the notice line, the "run an action, then redraw" step, and small
// formatting helpers. main.ts registers the redraw, so views never import main.ts.

export type Notice = { ok: boolean; text: string; code?: string };

export const ui: { notice: Notice | null } = { notice: null };

let redraw: () => Promise<void> = async () => undefined;

/** main.ts hands over its full refresh: every action ends with one. */
export function onRefresh(refresh: () => Promise<void>): void {
  redraw = refresh;
}

export function refresh(): Promise<void> {
  return redraw();
}

/**
 * Runs a mutation or an identity service call, reports its outcome by error code, then refreshes.
 * A thrown error is the identity service's refusal or the browser's WebAuthn error.
 */
export async function act(done: string, run: () => Promise<Result<unknown> | null>): Promise<void> {
  try {
    const result = await run();
    ui.notice = result && result.errors.length > 0 ? { ok: false, text: 'Refused', code: describeErrors(result.errors) } : { ok: true, text: done };
  } catch (err) {
    const named = err as { code?: unknown; name?: unknown };
    const code = typeof named.code === 'string' ? named.code : typeof named.name === 'string' ? named.name : 'error';
    ui.notice = { ok: false, text: 'Refused', code };
  }
  await redraw();
}

export function noticeView(): Child {
  const notice = ui.notice;
  if (!notice) return null;
  return h(
    'p',
    { class: notice.ok ? 'notice ok' : 'notice error', role: 'status', 'data-testid': 'notice', 'data-ok': String(notice.ok), 'data-code': notice.code ?? '' },
    notice.code ? `${notice.text}: ${notice.code}` : notice.text,
  );
}

export function pageNote(shown: number, total: number): Child {
  return shown < total ? h('p', { class: 'muted' }, `Showing the first ${shown} of ${total}.`) : null;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 10);
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** A button whose click runs `handler`. */
export function button(label: string, attrs: Record<string, string>, handler: () => void): HTMLButtonElement {
  const el = h('button', { type: 'button', ...attrs }, label);
  el.addEventListener('click', handler);
  return el;
}
