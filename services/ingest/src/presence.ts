import type { DeviceStatus } from '@offsite/domain';

interface DeviceState {
  online: boolean;
  lastSeen: number;
  /** Smoothed interval between data uploads; null until two have arrived. */
  cadenceMs: number | null;
  lastDataAt: number | null;
  clockSkewMs: number | null;
  reportedSkewMs: number | null;
  transport: DeviceStatus['transport'];
}

export interface PresenceOptions {
  offlineDefaultMs: number;
  offlineCadenceFactor: number;
  offlineFloorMs: number;
  clockSkewToleranceMs: number;
}

/**
 * Online/offline per MN from arrivals alone (no I/O: callers publish what it returns). A device is
 * offline after `factor × cadence` of silence (its own upload rhythm), or the default when its
 * cadence is not known yet. A clock skew that moves by more than the tolerance is re-announced.
 */
export class PresenceTracker {
  private readonly devices = new Map<string, DeviceState>();
  private online = 0;
  constructor(private readonly opts: PresenceOptions) {}

  /** Record an arrival; returns a status to publish when something worth telling changed. */
  seen(mn: string, at: number, info: { transport: DeviceStatus['transport']; isData: boolean; clockSkewMs?: number | null }): DeviceStatus | null {
    let d = this.devices.get(mn);
    if (!d) {
      d = { online: false, lastSeen: at, cadenceMs: null, lastDataAt: null, clockSkewMs: null, reportedSkewMs: null, transport: info.transport };
      this.devices.set(mn, d);
    }
    d.lastSeen = Math.max(d.lastSeen, at);
    d.transport = info.transport;
    if (info.isData) {
      if (d.lastDataAt !== null && at > d.lastDataAt) {
        const gap = at - d.lastDataAt;
        d.cadenceMs = d.cadenceMs === null ? gap : Math.round(d.cadenceMs * 0.8 + gap * 0.2);
      }
      d.lastDataAt = at;
    }
    if (info.clockSkewMs !== undefined && info.clockSkewMs !== null) d.clockSkewMs = info.clockSkewMs;
    const skewMoved =
      d.clockSkewMs !== null &&
      (d.reportedSkewMs === null
        ? Math.abs(d.clockSkewMs) > this.opts.clockSkewToleranceMs
        : Math.abs(d.clockSkewMs - d.reportedSkewMs) > this.opts.clockSkewToleranceMs);
    if (!d.online || skewMoved) {
      if (!d.online) this.online++;
      d.online = true;
      d.reportedSkewMs = d.clockSkewMs;
      return this.status(mn, d, 'online', at);
    }
    return null;
  }

  /** Devices silent for too long, now offline. */
  sweep(now: number): DeviceStatus[] {
    const out: DeviceStatus[] = [];
    for (const [mn, d] of this.devices) {
      if (d.online && now - d.lastSeen > this.offlineAfterMs(d)) {
        d.online = false;
        this.online--;
        out.push(this.status(mn, d, 'offline', now));
      }
    }
    return out;
  }

  get onlineCount(): number {
    return this.online;
  }

  lastSeen(mn: string): number | null {
    return this.devices.get(mn)?.lastSeen ?? null;
  }

  private offlineAfterMs(d: DeviceState): number {
    if (d.cadenceMs === null) return this.opts.offlineDefaultMs;
    return Math.max(this.opts.offlineFloorMs, d.cadenceMs * this.opts.offlineCadenceFactor);
  }

  private status(mn: string, d: DeviceState, state: DeviceStatus['state'], at: number): DeviceStatus {
    return { mn, state, at, lastSeen: d.lastSeen, clockSkewMs: d.clockSkewMs, transport: d.transport };
  }
}
