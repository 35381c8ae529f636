import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './respond.js';

/** Reads at most `maxBodyBytes`; JSON is parsed here so a syntax error is a clean 400. */
export async function readBody(req: IncomingMessage, res: ServerResponse, contentType: string | undefined, maxBodyBytes: number): Promise<unknown> {
  const tooLarge = () => {
    // The rest of the body is dropped unread, so this connection cannot carry another request:
    // without this a keep-alive client would send its next request into a dead socket.
    res.setHeader('connection', 'close');
    return new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBodyBytes} bytes.`);
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Plain listeners rather than `for await`: leaving that loop early destroys the socket
  // before the 413 can be written.
  await new Promise<void>((resolve, reject) => {
    const done = (err?: unknown) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) done(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    // The client went away mid-body: not our failure, and nobody is left to read an answer.
    const onError = () => done(new HttpError(400, 'BAD_REQUEST', 'The request body could not be read.'));
    const onClose = () => done(req.complete ? undefined : new HttpError(400, 'BAD_REQUEST', 'The request body ended early.'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
  const text = Buffer.concat(chunks).toString('utf8');
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
