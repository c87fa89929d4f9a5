import http from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused connection keeps reading (and discarding) what its client still sends. */
const LINGER_MS = 1000;

const RESPONSES: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * What Node's http server does with a request it cannot parse (431 for too much header, 408 for a
 * slow one, 400 otherwise), with a lingering close. Node writes the answer and destroys the socket
 * at once; a client still sending its oversized headers then gets a TCP reset, which can throw
 * away the 431 before the client has read it. Here the answer is written, the sending side closed,
 * and whatever still arrives is read and dropped for up to a second before the socket goes.
 */
export function answerClientErrors(server: http.Server): void {
  const handled = new WeakSet<Duplex>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (handled.has(socket)) return; // the parser's later complaints about the same bytes
    handled.add(socket);
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || err.code === 'ECONNRESET' || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status = RESPONSES[err.code ?? ''] ?? 400;
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.on('data', () => undefined);
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}
