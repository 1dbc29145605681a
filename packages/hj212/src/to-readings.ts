import { CHINA_OFFSET_MINUTES, DataFlag, dataKindByCn, type Reading, type ReadingBatch } from '@offsite/domain';
import type { NumericText, PollutantData } from './data.js';
import { epochOfDataTime } from './data-time.js';
import { Hj212Error } from './errors.js';
import type { Hj212Packet } from './packet.js';

export interface ToReadingOptions {
  receivedAt: number;
  source: ReadingBatch['source'];
  /** Offset of the logger's local time, minutes east of UTC (default 480, UTC+8). */
  utcOffsetMinutes?: number;
}

/**
 * HJ/T 212-2005 flag letters that 2017 dropped, mapped to the nearest 2017 flag; the letter as
 * written is kept in `extra.Flag`. P = power failure (电源故障) → D (instrument fault, not valid).
 */
const FLAG_2005: Record<string, DataFlag> = { P: 'D' };
/** The 2017 flags (a Set lookup instead of a zod parse per reading). */
const FLAGS_2017: ReadonlySet<string> = new Set(DataFlag.options);

/**
 * Readings of a data packet (CN 2011/2051/2061/2031). value = Rtd for 2011, Avg otherwise;
 * converted = ZsRtd/ZsAvg. Throws Hj212Error NOT_DATA / BAD_DATATIME / BAD_VALUE naming the key.
 */
export function toReadingBatch(packet: Hj212Packet, options: ToReadingOptions): ReadingBatch {
  const kind = dataKindByCn[packet.cn];
  if (kind === undefined) throw new Hj212Error('NOT_DATA', `CN ${packet.cn} is not a data upload (2011/2051/2061/2031)`, 'CN');
  const offset = options.utcOffsetMinutes ?? CHINA_OFFSET_MINUTES;
  const dataTimeText = packet.data.dataTime;
  if (dataTimeText === null) throw new Hj212Error('BAD_DATATIME', 'data packet has no DataTime', 'DataTime');
  const dataTime = epochOfDataTime(dataTimeText, offset);
  if (dataTime === null) throw new Hj212Error('BAD_DATATIME', `DataTime "${dataTimeText}" is not a valid YYYYMMDDhhmmss`, 'DataTime');
  const realtime = kind === 'rtd';
  const pollutants = packet.data.pollutants;
  const readings: Reading[] = [];
  for (let i = 0; i < pollutants.length; i++) readings.push(toReading(pollutants[i] as PollutantData, realtime, offset));
  return {
    mn: packet.mn,
    st: packet.st,
    cn: packet.cn,
    kind,
    qn: packet.qn,
    dataTime,
    receivedAt: options.receivedAt,
    protocol: packet.version,
    source: options.source,
    readings,
  };
}

function toReading(p: PollutantData, realtime: boolean, offset: number): Reading {
  const written = p.originalCode ?? p.code;
  const main = realtime ? p.rtd : p.avg;
  const reading: Reading = {
    code: p.code,
    value: main ? numberOf(main, written, realtime ? 'Rtd' : 'Avg') : null,
    text: main ? main.text : null,
    flag: null,
  };
  if (p.originalCode !== undefined) reading.originalCode = p.originalCode;
  // Made only when something goes in (most readings have no extra).
  let extra: Record<string, string> | undefined = p.extra === undefined ? undefined : { ...p.extra };
  const converted = realtime ? p.zsRtd : p.zsAvg;
  if (converted) reading.converted = numberOf(converted, written, realtime ? 'ZsRtd' : 'ZsAvg');
  // The suffixes the main kind does not use (e.g. Avg inside a 2011 packet) stay verbatim in extra.
  if (realtime) {
    if (p.avg) (extra ??= {}).Avg = p.avg.text;
    if (p.zsAvg) (extra ??= {}).ZsAvg = p.zsAvg.text;
  } else {
    if (p.rtd) (extra ??= {}).Rtd = p.rtd.text;
    if (p.zsRtd) (extra ??= {}).ZsRtd = p.zsRtd.text;
  }
  if (p.min) reading.min = numberOf(p.min, written, 'Min');
  if (p.max) reading.max = numberOf(p.max, written, 'Max');
  if (p.cou) reading.cou = numberOf(p.cou, written, 'Cou');
  if (p.zsMin) (extra ??= {}).ZsMin = p.zsMin.text;
  if (p.zsMax) (extra ??= {}).ZsMax = p.zsMax.text;
  if (p.flag !== undefined && p.flag !== '') {
    if (FLAGS_2017.has(p.flag)) reading.flag = p.flag as DataFlag;
    else {
      const mapped = Object.hasOwn(FLAG_2005, p.flag) ? FLAG_2005[p.flag] : undefined;
      if (mapped === undefined) throw new Hj212Error('BAD_VALUE', `${written}-Flag "${p.flag}" is not a known data flag (N F M S D C T B)`, `${written}-Flag`);
      (extra ??= {}).Flag = p.flag;
      reading.flag = mapped;
    }
  }
  if (p.eFlag !== undefined) reading.eflag = p.eFlag;
  if (p.info !== undefined) (extra ??= {}).Info = p.info;
  if (p.sampleTime !== undefined) {
    const t = epochOfDataTime(p.sampleTime, offset);
    if (t === null) throw new Hj212Error('BAD_DATATIME', `${written}-SampleTime "${p.sampleTime}" is not a valid YYYYMMDDhhmmss`, `${written}-SampleTime`);
    reading.sampleTime = t;
  }
  if (extra !== undefined && Object.keys(extra).length > 0) reading.extra = extra;
  return reading;
}

function numberOf(field: NumericText, code: string, suffix: string): number {
  if (field.value === null) throw new Hj212Error('BAD_VALUE', `${code}-${suffix} "${field.text}" is not a number`, `${code}-${suffix}`);
  return field.value;
}
