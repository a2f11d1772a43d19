/** What the principal check compares with the token: the row's role and status. */
export interface PrincipalState {
  role: string;
  status: string;
}

interface Entry {
  /** the tenant the row was read in, or 'platform': a hit must be read where it is used */
  owner: string;
  /** undefined: the row does not exist */
  state: PrincipalState | undefined;
  expiresAt: number;
}

/**
 * The principal check's per-instance cache (PrincipalCheck), keyed by user or platform admin id.
 * Entries are dropped on `principal_changed` (migration 0035's triggers), wholesale when the
 * LISTEN connection is lost, and after a TTL in any case.
 *
 * A read that raced a change must not be stored: a request reads the row before the change
 * commits, the change's notification drops the (not yet stored) entry, and the request would
 * then store the old state. So every read takes the generation first, and `set` stores nothing
 * if any invalidation happened since.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();
  private gen = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Taken before reading the row; handed back to set(). */
  get generation(): number {
    return this.gen;
  }

  /** The cached state of `id` as read in `owner` (undefined inside: no such row); `false` when not cached. */
  get(id: string, owner: string): { state: PrincipalState | undefined } | false {
    const entry = this.entries.get(id);
    if (!entry || entry.owner !== owner) return false;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(id);
      return false;
    }
    return { state: entry.state };
  }

  /** Stores what was read, unless anything was invalidated since `generation` was taken. */
  set(id: string, owner: string, state: PrincipalState | undefined, generation: number): void {
    if (!this.enabled || generation !== this.gen) return;
    this.entries.delete(id);
    this.entries.set(id, { owner, state: state && { role: state.role, status: state.status }, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  invalidate(id: string): void {
    this.gen++;
    this.entries.delete(id);
  }

  clear(): void {
    this.gen++;
    this.entries.clear();
  }
}
