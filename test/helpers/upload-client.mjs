// A plain Node HTTP client in its own process (so its timing is not the server's event loop):
// POSTs `size` bytes to `url` `times` times, streamed in 64 KB writes as a piped file would be,
// and prints one JSON line per upload: the status and error code it saw, or the socket error.
// Usage: node upload-client.mjs <url> <size> <times> <content-length|chunked>
import { request } from 'node:http';

const [url, size, times, framing] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const headers = { 'content-type': 'application/json', ...(framing === 'chunked' ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(size) }) };
const piece = Buffer.alloc(64 * 1024, 'x');

function upload() {
  return new Promise((resolve) => {
    let outcome;
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let code;
        try {
          code = JSON.parse(Buffer.concat(chunks).toString('utf8')).errors?.[0]?.extensions?.code;
        } catch {}
        outcome ??= { status: res.statusCode, code };
      });
    });
    req.on('error', (err) => (outcome ??= { error: err.code ?? err.message }));
    req.on('close', () => setImmediate(() => resolve(outcome ?? { error: 'no answer' })));
    let sent = 0;
    const write = () => {
      while (sent < size) {
        const chunk = piece.subarray(0, Math.min(piece.length, size - sent));
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

for (let i = 0; i < times; i++) process.stdout.write(`${JSON.stringify(await upload())}\n`);
