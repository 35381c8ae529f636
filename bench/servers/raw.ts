import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveIpc } from '../lib/ipc.js';

/** (a) The ceiling: node:http answering every request with the same small JSON document. */
const body = JSON.stringify({ data: { __typename: 'Query' } });

const server = createServer((req, res) => {
  // Drain the request body so keep-alive connections stay usable.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveIpc(
    { url: `http://127.0.0.1:${port}` },
    {},
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
});
