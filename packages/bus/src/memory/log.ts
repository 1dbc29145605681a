import type { ConsumedMessage } from '../port.js';

/** One partition's retained messages: offsets [base, end). */
export class PartitionLog {
  base = 0;
  messages: ConsumedMessage[] = [];

  get end(): number {
    return this.base + this.messages.length;
  }

  /** Messages from `offset` (clamped to what is retained), at most `max`. */
  read(offset: number, max: number): ConsumedMessage[] {
    const from = Math.max(offset, this.base) - this.base;
    return this.messages.slice(from, from + max);
  }

  /** Drops messages below `offset`. */
  trimTo(offset: number): void {
    const count = Math.min(offset, this.end) - this.base;
    if (count <= 0) return;
    this.messages.splice(0, count);
    this.base += count;
  }
}

export class TopicLog {
  readonly partitions: PartitionLog[] = [];
  /** Round-robin cursor for messages without a key (Kafka spreads them too). */
  nextUnkeyed = 0;

  constructor(
    readonly name: string,
    partitions: number,
  ) {
    this.grow(partitions);
  }

  grow(partitions: number): void {
    while (this.partitions.length < partitions) this.partitions.push(new PartitionLog());
  }
}
