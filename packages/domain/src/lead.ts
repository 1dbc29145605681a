import { z } from 'zod';
import { AnomalyCategory } from './anomaly.js';

export const LeadStatus = z.enum(['new', 'acknowledged', 'assigned', 'investigating', 'closed']);
export type LeadStatus = z.infer<typeof LeadStatus>;

export const LeadResolution = z.enum(['confirmed', 'dismissed', 'duplicate']);
export type LeadResolution = z.infer<typeof LeadResolution>;

export const Role = z.enum(['operator', 'officer', 'supervisor', 'admin']);
export type Role = z.infer<typeof Role>;

/** The message on `supervision.leads.v1` (key = lead id): a lead's current state. */
export const LeadEvent = z.object({
  id: z.string(),
  mn: z.string(),
  region: z.string(),
  enterprise: z.string().nullable(),
  category: AnomalyCategory,
  status: LeadStatus,
  score: z.number(),
  priority: z.enum(['P1', 'P2', 'P3', 'P4']),
  anomalies: z.array(z.string()),
  updatedAt: z.number().int(),
  change: z.enum(['created', 'merged', 'transition', 'assigned', 'commented']),
});
export type LeadEvent = z.infer<typeof LeadEvent>;
