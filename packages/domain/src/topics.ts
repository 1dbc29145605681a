/** Bus topic names: a public contract (docs/contracts), shared by Kafka and the in-memory bus. */
export const Topics = {
  readings: 'emissions.readings.v1',
  deadletter: 'emissions.deadletter.v1',
  deviceStatus: 'devices.status.v1',
  anomalies: 'supervision.anomalies.v1',
  leads: 'supervision.leads.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/**
 * Partitions each service asks for when it creates a topic (creation is idempotent: whoever
 * starts first wins, so every service must ask for the same). Readings are keyed by MN: their
 * partition count caps how many archive/detect instances share the load.
 */
export const topicSpecs: ReadonlyArray<{ name: TopicName; partitions: number }> = [
  { name: Topics.readings, partitions: 12 },
  { name: Topics.deadletter, partitions: 1 },
  { name: Topics.deviceStatus, partitions: 3 },
  { name: Topics.anomalies, partitions: 6 },
  { name: Topics.leads, partitions: 6 },
];

export function topicSpec(name: TopicName): { name: TopicName; partitions: number } {
  return topicSpecs.find((t) => t.name === name)!;
}
