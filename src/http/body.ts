import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './respond.js';

/**
 * Past the size limit the rest of a body is still read and thrown away, up to these bounds, so
 * the client gets to read its 413: closing while it is still sending makes its kernel drop
 * the answer (a Node client sees EPIPE or ECONNRESET instead). Past them the connection closes.
 */
export const DISCARD_MAX_BYTES = 16 * 1024 * 1024;
export const DISCARD_MAX_MS = 5_000;

/** Reads at most `maxBodyBytes`; JSON is parsed here so a syntax error is a clean 400. */
export async function readBody(req: IncomingMessage, res: ServerResponse, contentType: string | undefined, maxBodyBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  // A body declared past the discard bound is not worth reading at all.
  if (Number.isFinite(declared) && declared > DISCARD_MAX_BYTES) throw tooLarge(res, maxBodyBytes, false);
  const body = await collect(req, maxBodyBytes);
  if (body.size > maxBodyBytes) throw tooLarge(res, maxBodyBytes, body.complete);
  const text = Buffer.concat(body.chunks).toString('utf8');
  if (!contentType || !/^application\/(graphql-response\+)?json\b/i.test(contentType.trim())) {
    // Apollo rejects other content types itself (and they are what CSRF prevention watches for).
    return text;
  }
  if (text.trim() === '') throw new HttpError(400, 'BAD_REQUEST', 'The request body is empty; send a JSON object with a "query".');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'The request body is not valid JSON.');
  }
}

function tooLarge(res: ServerResponse, maxBodyBytes: number, bodyRead: boolean): HttpError {
  // Unread bytes are left on this connection, so it cannot carry another request: without this
  // a keep-alive client would send its next request into a dead socket.
  if (!bodyRead) res.setHeader('connection', 'close');
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBodyBytes} bytes.`);
}

type Collected = { chunks: Buffer[]; size: number; complete: boolean };

/**
 * Keeps the first `maxBodyBytes`; beyond them reads on without keeping anything until the body
 * ends or a discard bound is reached (`complete` false then).
 */
function collect(req: IncomingMessage, maxBodyBytes: number): Promise<Collected> {
  const body: Collected = { chunks: [], size: 0, complete: false };
  // Plain listeners rather than `for await`: leaving that loop early destroys the socket
  // before the 413 can be written.
  return new Promise<Collected>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (err?: unknown) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve(body);
    };
    const onData = (chunk: Buffer) => {
      body.size += chunk.length;
      if (body.size <= maxBodyBytes) {
        body.chunks.push(chunk);
        return;
      }
      if (body.chunks.length > 0) body.chunks = [];
      timer ??= setTimeout(() => done(), DISCARD_MAX_MS);
      if (body.size > DISCARD_MAX_BYTES) done();
    };
    const onEnd = () => {
      body.complete = true;
      done();
    };
    // The client went away mid-body: not our failure, and nobody is left to read an answer.
    const onError = () => done(new HttpError(400, 'BAD_REQUEST', 'The request body could not be read.'));
    const onClose = () => done(req.complete ? undefined : new HttpError(400, 'BAD_REQUEST', 'The request body ended early.'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    // A declared size past the limit is known now: the discard clock starts with the first byte.
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) timer = setTimeout(() => done(), DISCARD_MAX_MS);
  });
}
