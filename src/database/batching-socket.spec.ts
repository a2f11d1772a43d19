import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { BatchingSocket } from './batching-socket.js';

describe('BatchingSocket', () => {
  let server: Server;
  let peer: Promise<Socket>;
  let port: number;

  beforeEach(async () => {
    server = createServer();
    peer = once(server, 'connection').then(([s]) => s as Socket);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    (await peer).destroy();
    server.close();
  });

  async function connected(): Promise<BatchingSocket> {
    const socket = new BatchingSocket();
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return socket;
  }

  /** The chunks the server reads until `bytes` have arrived, one per 'data' event. */
  async function received(bytes: number): Promise<string[]> {
    const s = await peer;
    const chunks: string[] = [];
    let got = 0;
    while (got < bytes) {
      const [data] = (await once(s, 'data')) as [Buffer];
      chunks.push(data.toString());
      got += data.length;
    }
    return chunks;
  }

  it('sends the writes of one event-loop turn in one piece, in order', async () => {
    const socket = await connected();
    socket.write('BEGIN;');
    socket.write('SET;');
    socket.write('SELECT;');
    // held back, all of it, until the turn is over (a plain socket hands the first write to
    // the kernel at once)
    expect(socket.writableCorked).toBe(1);
    expect(socket.writableLength).toBe(17);
    expect(await received(17)).toEqual(['BEGIN;SET;SELECT;']);
    expect(socket.writableCorked).toBe(0);
    expect(socket.writableLength).toBe(0);
    socket.destroy();
  });

  it('sends the writes of later turns too (the cork is lifted every turn)', async () => {
    const socket = await connected();
    socket.write('one;');
    expect(await received(4)).toEqual(['one;']);
    await new Promise((resolve) => setImmediate(resolve));
    socket.write('two;');
    socket.write('three;');
    expect(await received(10)).toEqual(['two;three;']);
    socket.destroy();
  });

  it('keeps batching after connect() (net.Socket resets write there)', async () => {
    const socket = await connected();
    expect(Object.hasOwn(socket, 'write')).toBe(false);
    socket.end('bye');
    expect(await received(3)).toEqual(['bye']);
  });
});
