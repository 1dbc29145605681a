/** Bus topic names: a public contract (docs/contracts), shared by Kafka and the in-memory bus. */
export const Topics = {
  readings: 'emissions.readings.v1',
  deadletter: 'emissions.deadletter.v1',
  deviceStatus: 'devices.status.v1',
  anomalies: 'supervision.anomalies.v1',
  leads: 'supervision.leads.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];
