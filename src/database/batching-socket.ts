import { Socket } from 'node:net';

/**
 * The runtime pools' socket (pg's documented `stream` option): the writes made in one turn of
 * the event loop leave in one system call. A tenant request writes BEGIN, set_config, the
 * principal check and the handler's first query as separate statements, and pg writes each
 * statement on its own; unbatched, each is a system call (writev was about a fifth of the app's
 * CPU in `npm run bench -- --only=1 --profile`, service and baseline routes and the answers'
 * writes together). Corked on
 * the first write of a turn and uncorked once the turn's callbacks have run (setImmediate), they
 * reach Postgres in one packet. Only when the bytes leave changes, never what leaves or in which
 * order.
 */
export class BatchingSocket extends Socket {
  private flushPending = false;

  // Socket.write's overloads, passed through as they are
  override write(...args: [any, any?, any?]): boolean {
    if (!this.flushPending) {
      this.flushPending = true;
      this.cork();
      setImmediate(() => {
        this.flushPending = false;
        this.uncork();
      });
    }
    return (super.write as (...a: unknown[]) => boolean)(...args);
  }

  /**
   * net.Socket.connect() resets `write` to Socket.prototype.write as an own property (it undoes
   * the write-after-FIN guard of an earlier connection); dropping that property lets this class's
   * write() apply again. Should the guard be set later, it shadows write() as Node intends.
   */
  // Socket.connect's overloads, passed through as they are
  override connect(...args: [any, any?, any?]): this {
    const result = (super.connect as (...a: unknown[]) => this)(...args);
    if (Object.hasOwn(this, 'write')) Reflect.deleteProperty(this, 'write');
    return result;
  }
}
