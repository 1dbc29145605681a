import { LRUCache } from 'lru-cache';

/**
 * Bounded memory of packet identities seen recently. Loggers resend an upload until they get its
 * 9014, so repeats are normal. lru-cache gives O(1) eviction: a Map used as a FIFO (delete the
 * first key, insert a new one) slowed from 0.4 µs to over 300 µs per packet once full, as V8's
 * iterator walked ever more deleted slots.
 */
export class RecentKeys {
  private readonly keys: LRUCache<string, true>;
  constructor(capacity: number) {
    this.keys = new LRUCache({ max: capacity });
  }

  /** Whether the key was seen; a hit counts as a fresh sighting (it stays longer). */
  has(key: string): boolean {
    return this.keys.get(key) !== undefined;
  }

  add(key: string): void {
    this.keys.set(key, true);
  }

  delete(key: string): void {
    this.keys.delete(key);
  }

  get size(): number {
    return this.keys.size;
  }
}
