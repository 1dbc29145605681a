import { z } from 'zod';
import type { BusMessage, ConsumeOptions, TopicSpec } from './port.js';

/** Kafka's own rule for topic names, applied to both adapters so a name that works in memory works in Kafka. */
const topicName = z
  .string()
  .min(1)
  .max(249)
  .regex(/^[a-zA-Z0-9._-]+$/, 'topic names use only letters, digits, ".", "_" and "-"');

const topicSpec = z.object({ name: topicName, partitions: z.number().int().positive().max(10_000) });

const consumeOptions = z.object({
  groupId: z.string().min(1),
  topics: z.array(topicName).min(1),
  fromBeginning: z.boolean().optional(),
  eachBatch: z.custom<ConsumeOptions['eachBatch']>((v) => typeof v === 'function', 'eachBatch must be a function'),
  maxBatchSize: z.number().int().positive().optional(),
});

function explain(what: string, error: z.ZodError): Error {
  return new TypeError(`${what}: ${error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`);
}

export function validateTopicSpecs(specs: TopicSpec[]): TopicSpec[] {
  const result = z.array(topicSpec).safeParse(specs);
  if (!result.success) throw explain('invalid topic specs', result.error);
  return result.data;
}

export function validateConsumeOptions(options: ConsumeOptions): ConsumeOptions {
  const result = consumeOptions.safeParse(options);
  if (!result.success) throw explain('invalid consume options', result.error);
  return { ...options, topics: [...new Set(result.data.topics)] };
}

/** Cheap per-message checks (send is hot): the value must be bytes or text, header values strings. */
export function validateSend(topic: string, messages: BusMessage[]): void {
  const name = topicName.safeParse(topic);
  if (!name.success) throw explain(`invalid topic ${JSON.stringify(topic)}`, name.error);
  if (!Array.isArray(messages)) throw new TypeError(`send to ${topic}: messages must be an array`);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (typeof m.value !== 'string' && !Buffer.isBuffer(m.value)) throw new TypeError(`send to ${topic}: message ${i}: value must be a Buffer or a string`);
    if (m.key !== null && typeof m.key !== 'string') throw new TypeError(`send to ${topic}: message ${i}: key must be a string or null`);
    if (m.timestamp !== undefined && !Number.isFinite(m.timestamp)) throw new TypeError(`send to ${topic}: message ${i}: timestamp must be epoch ms`);
    if (m.headers) {
      for (const [k, v] of Object.entries(m.headers)) {
        if (typeof v !== 'string') throw new TypeError(`send to ${topic}: message ${i}: header ${k} must be a string`);
      }
    }
  }
}
