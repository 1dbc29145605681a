import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { BusMessage, ConsumedMessage } from '../port.js';

export function toKafkaMessage(m: BusMessage, now: number): Message {
  return { key: m.key, value: m.value, headers: m.headers, timestamp: String(m.timestamp ?? now) };
}

function headerText(value: IHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

export function fromKafkaMessage(topic: string, partition: number, m: KafkaMessage): ConsumedMessage {
  const consumed: ConsumedMessage = {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString('utf8'),
    // A null value (tombstone) is not something our producers write; surface it as empty bytes.
    value: m.value ?? Buffer.alloc(0),
    timestamp: Number(m.timestamp),
  };
  if (m.headers && Object.keys(m.headers).length > 0) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.headers)) {
      const text = headerText(v);
      if (text !== undefined) headers[k] = text;
    }
    consumed.headers = headers;
  }
  return consumed;
}
