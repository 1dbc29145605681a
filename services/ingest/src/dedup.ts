/**
 * Bounded memory of packet identities seen recently. Loggers resend an upload until they get its
 * 9014, so repeats are normal; a Map keeps insertion order, which makes it a cheap LRU.
 */
export class RecentKeys {
  private readonly keys = new Map<string, true>();
  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    if (!this.keys.has(key)) return false;
    // refresh recency
    this.keys.delete(key);
    this.keys.set(key, true);
    return true;
  }

  add(key: string): void {
    this.keys.delete(key);
    this.keys.set(key, true);
    while (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next();
      if (oldest.done) break;
      this.keys.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.keys.delete(key);
  }

  get size(): number {
    return this.keys.size;
  }
}
