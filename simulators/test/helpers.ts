import { parseDataTime, type Site } from '@offsite/domain';
import { parsePacket, type Hj212Packet } from '@offsite/hj212';
import { generateScenario, type GenerateOptions } from '../src/generate.js';
import type { TruthLabel } from '../src/truth.js';

export interface ParsedPacket {
  mn: string;
  cn: string;
  sendAt: number;
  dataTime: number;
  packet: Hj212Packet;
  frame: string;
}

export interface ParsedRun {
  sites: Map<string, Site>;
  truth: TruthLabel[];
  packets: ParsedPacket[];
  start: number;
  end: number;
}

/** Generate a scenario and parse every frame with packages/hj212 (throws on any bad frame). */
export function runParsed(opts: GenerateOptions): ParsedRun {
  const run = generateScenario(opts);
  const packets: ParsedPacket[] = [];
  for (const p of run.packets) {
    const packet = parsePacket(p.frame);
    // 2005 headers carry no QN or Flag: the parser notes it, which is expected.
    const warnings = packet.warnings.filter((w) => !(packet.version === '2005' && (w.code === 'MISSING_QN' || w.code === 'MISSING_FLAG')));
    if (warnings.length > 0) throw new Error(`warnings for ${p.frame}: ${JSON.stringify(packet.warnings)}`);
    const dt = parseDataTime(packet.data.dataTime ?? '');
    if (dt === null) throw new Error(`no DataTime in ${p.frame}`);
    packets.push({ mn: p.mn, cn: p.cn, sendAt: p.sendAt, dataTime: dt, packet, frame: p.frame });
  }
  return { sites: new Map(run.sites.map((s) => [s.mn, s])), truth: run.truth, packets, start: run.start, end: run.end };
}

/** Values of one factor: field (rtd, zsRtd, avg, zsAvg…) as text, with flag and time. */
export function series(run: ParsedRun, mn: string, cn: string, code: string): Array<{ t: number; sendAt: number; rtd?: string; zsRtd?: string; avg?: string; zsAvg?: string; flag?: string; sampleTime?: string }> {
  const out = [];
  for (const p of run.packets) {
    if (p.mn !== mn || p.cn !== cn) continue;
    const d = p.packet.data.pollutants.find((x) => x.code === code);
    if (!d) continue;
    out.push({ t: p.dataTime, sendAt: p.sendAt, rtd: d.rtd?.text, zsRtd: d.zsRtd?.text, avg: d.avg?.text, zsAvg: d.zsAvg?.text, flag: d.flag, sampleTime: d.sampleTime });
  }
  return out;
}

export const within = (t: number, l: TruthLabel): boolean => t >= Date.parse(l.start) && t < Date.parse(l.end);
