import type { TopicLog } from './log.js';

export interface Assignment {
  topic: string;
  partition: number;
}

/** What a group needs to know about one of its members. */
export interface GroupMember {
  readonly memberId: number;
  readonly topics: readonly string[];
  assignment: Assignment[];
}

/**
 * A consumer group: committed offsets (next offset to read, Kafka's convention), members, and
 * which partitions are in someone's hands right now. A partition is handed out to one member at a
 * time and only its owner fetches it, so a batch is in flight at most once per group; a revoked
 * partition stays with its old owner until that batch commits or is abandoned, so a rebalance
 * never duplicates a batch that finishes.
 */
export class ConsumerGroup {
  readonly members: GroupMember[] = [];
  private readonly committed = new Map<string, number[]>();
  private readonly inHand = new Set<string>();

  constructor(readonly groupId: string) {}

  /** Sets the start offset of every partition that has none (new group, new topic, new partition). */
  initOffsets(topic: TopicLog, fromBeginning: boolean): void {
    const offsets = this.committed.get(topic.name) ?? [];
    topic.partitions.forEach((log, p) => {
      if (offsets[p] === undefined) offsets[p] = fromBeginning ? log.base : log.end;
    });
    this.committed.set(topic.name, offsets);
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(topic)?.[partition];
  }

  commit(topic: string, partition: number, nextOffset: number): void {
    const offsets = this.committed.get(topic);
    if (!offsets) throw new Error(`group ${this.groupId} has no offsets for topic ${topic}`);
    offsets[partition] = Math.max(offsets[partition] ?? 0, nextOffset);
  }

  subscribes(topic: string): boolean {
    return this.members.some((m) => m.topics.includes(topic));
  }

  join(member: GroupMember, topics: Map<string, TopicLog>): void {
    this.members.push(member);
    this.rebalance(topics);
  }

  leave(member: GroupMember, topics: Map<string, TopicLog>): void {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
    member.assignment = [];
    this.rebalance(topics);
  }

  /** Round-robin over members (in join order) of the members that subscribe to each topic. */
  rebalance(topics: Map<string, TopicLog>): void {
    for (const m of this.members) m.assignment = [];
    const names = new Set(this.members.flatMap((m) => m.topics));
    for (const name of names) {
      const topic = topics.get(name);
      if (!topic) continue;
      const subscribers = this.members.filter((m) => m.topics.includes(name));
      topic.partitions.forEach((_, p) => subscribers[p % subscribers.length]!.assignment.push({ topic: name, partition: p }));
    }
  }

  tryTake(topic: string, partition: number): boolean {
    const key = `${topic}\u0000${partition}`;
    if (this.inHand.has(key)) return false;
    this.inHand.add(key);
    return true;
  }

  release(topic: string, partition: number): void {
    this.inHand.delete(`${topic}\u0000${partition}`);
  }
}
