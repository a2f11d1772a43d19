import { connect } from 'node:net';
import type pg from 'pg';

const CANCEL_REQUEST_CODE = 80877102;

/**
 * Sends Postgres's CancelRequest for the backend behind `client` (the protocol's own cancel, on a
 * new short socket, as psql's Ctrl-C does): the statement it runs now stops with 57014. Resolves
 * once the server has taken the request and closed the socket, or after `timeoutMs`; never
 * throws. A backend that is idle ignores it.
 */
export function cancelBackend(client: pg.Client, timeoutMs = 1000): Promise<void> {
  const { processID, secretKey, host, port } = client as pg.Client & { processID: number | null; secretKey: number | null };
  if (processID == null || secretKey == null) return Promise.resolve();
  return new Promise((done) => {
    const socket = host?.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      done();
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.once('connect', () => {
      const packet = Buffer.alloc(16);
      packet.writeInt32BE(16, 0);
      packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
      packet.writeInt32BE(processID, 8);
      packet.writeInt32BE(secretKey, 12);
      socket.end(packet);
    });
    socket.once('close', finish);
    socket.once('error', finish);
  });
}
