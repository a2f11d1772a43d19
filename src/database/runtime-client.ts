import pg from 'pg';

/** Statements sent around each statement of a framed client (db-session.ts, read-only sessions). */
export interface StatementFrame {
  /** queues what must precede the statement; the frame's own statements go out unframed */
  before(): void;
  /** queues what must follow it, right behind it on the wire */
  after(): void;
}

/**
 * The runtime pools' pg client (pg-pool's `Client` option). A session may frame its statements:
 * while a frame is set, every statement the client is asked to run gets the frame's statements
 * queued just before and just after it, in the same turn of the event loop, so that in pipeline
 * mode they leave in the same write (batching-socket.ts) and cost no round trip of their own.
 */
export class RuntimeClient extends pg.Client {
  private frame?: StatementFrame;

  /** Frames every later statement with `frame` until it is set to undefined. */
  frameStatements(frame: StatementFrame | undefined): void {
    this.frame = frame;
  }

  // pg's overloads are many; they pass through as they are.
  override query(...args: any[]): any {
    const frame = this.frame;
    if (!frame) return (super.query as (...a: any[]) => any)(...args);
    this.frame = undefined;
    try {
      frame.before();
      const result = (super.query as (...a: any[]) => any)(...args);
      frame.after();
      return result;
    } finally {
      this.frame = frame;
    }
  }
}
