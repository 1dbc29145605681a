import { z } from 'zod';
import type { LeadResolution, LeadStatus, Role } from '@offsite/domain';
import { InvalidTransitionError } from './errors.js';

/** Commands a caller may issue on a lead (validated at the API edge with this schema). */
export const LeadCommand = z.discriminatedUnion('action', [
  z.object({ action: z.literal('acknowledge'), note: z.string().max(2000).optional() }),
  z.object({ action: z.literal('assign'), team: z.string().min(1).max(200), note: z.string().max(2000).optional() }),
  z.object({ action: z.literal('investigate'), note: z.string().max(2000).optional() }),
  z.object({
    action: z.literal('close'),
    resolution: z.enum(['confirmed', 'dismissed', 'duplicate']),
    reason: z.string().max(2000).optional(),
    duplicateOf: z.string().optional(),
    /** Dismissals only: mute the same site + rule(s) for this many days. */
    suppressDays: z.number().int().min(1).max(365).optional(),
  }),
  z.object({ action: z.literal('reopen'), reason: z.string().min(1).max(2000) }),
]);
export type LeadCommand = z.infer<typeof LeadCommand>;
export type LeadAction = LeadCommand['action'] | 'comment' | 'view' | 'export' | 'manage-users' | 'manage-webhooks';

export interface LifecycleState {
  id: string;
  status: LeadStatus;
  resolution: LeadResolution | null;
  team: string | null;
  duplicateOf: string | null;
  closeReason: string | null;
}

/**
 * Who may do what (region is checked separately: everyone but admin acts only within their scope).
 * operator: the monitoring-centre desk, acknowledges; officer: works cases; supervisor: officer's
 * rights plus reopening closed leads; admin: everything, plus users and webhooks.
 */
export const rolePermissions: Record<Role, ReadonlySet<LeadAction>> = {
  operator: new Set<LeadAction>(['view', 'export', 'comment', 'acknowledge']),
  officer: new Set<LeadAction>(['view', 'export', 'comment', 'acknowledge', 'assign', 'investigate', 'close']),
  supervisor: new Set<LeadAction>(['view', 'export', 'comment', 'acknowledge', 'assign', 'investigate', 'close', 'reopen']),
  admin: new Set<LeadAction>(['view', 'export', 'comment', 'acknowledge', 'assign', 'investigate', 'close', 'reopen', 'manage-users', 'manage-webhooks']),
};

export function roleMay(role: Role, action: LeadAction): boolean {
  return rolePermissions[role].has(action);
}

const allowedFrom: Record<LeadCommand['action'], readonly LeadStatus[]> = {
  acknowledge: ['new'],
  assign: ['acknowledged', 'assigned', 'investigating'],
  investigate: ['assigned'],
  close: ['new', 'acknowledged', 'assigned', 'investigating'],
  reopen: ['closed'],
};

const target: Record<LeadCommand['action'], LeadStatus> = {
  acknowledge: 'acknowledged',
  assign: 'assigned',
  investigate: 'investigating',
  close: 'closed',
  reopen: 'acknowledged',
};

/**
 * Apply a command to a lead's lifecycle state. Throws InvalidTransitionError naming from/to.
 * Confirming needs an investigation; dismissing needs a reason; a duplicate names its original.
 */
export function applyCommand(state: LifecycleState, command: LeadCommand): LifecycleState {
  const to = target[command.action];
  const fail = (detail?: string) => new InvalidTransitionError(state.id, state.status, to, command.action, detail);
  if (!allowedFrom[command.action].includes(state.status)) throw fail(`allowed from ${allowedFrom[command.action].join(', ')}`);
  switch (command.action) {
    case 'acknowledge':
    case 'investigate':
      return { ...state, status: to };
    case 'assign':
      return { ...state, status: 'assigned', team: command.team };
    case 'reopen':
      return { ...state, status: to, resolution: null, duplicateOf: null, closeReason: null };
    case 'close': {
      if (command.resolution === 'confirmed' && state.status !== 'investigating') throw fail('confirming needs an investigation first');
      if (command.resolution === 'dismissed' && !command.reason?.trim()) throw fail('dismissing needs a reason');
      if (command.resolution === 'duplicate' && !command.duplicateOf) throw fail('a duplicate names the lead it duplicates (duplicateOf)');
      if (command.resolution === 'duplicate' && command.duplicateOf === state.id) throw fail('a lead cannot duplicate itself');
      if (command.suppressDays !== undefined && command.resolution !== 'dismissed') throw fail('only a dismissal can suppress');
      return {
        ...state,
        status: 'closed',
        resolution: command.resolution,
        duplicateOf: command.resolution === 'duplicate' ? (command.duplicateOf ?? null) : null,
        closeReason: command.reason?.trim() || null,
      };
    }
  }
}
