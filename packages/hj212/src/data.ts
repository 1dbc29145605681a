import type { CpItem } from './cp.js';
import { is2017Code, mapCode2005 } from './codes2005.js';
import type { Hj212Warning } from './errors.js';
import { isDigits, parseDecimal } from './numbers.js';

/** A number as written: `text` is kept because precision (trailing zeros) matters to the detectors. */
export interface NumericText {
  text: string;
  /** null when the text is not a decimal number. */
  value: number | null;
}

/** Every field of one factor (`<code>-<suffix>` items). */
export interface PollutantData {
  /** HJ 212-2017 code (2005 codes mapped when known). */
  code: string;
  /** The code as written, when it differs from `code` (2005 packets). */
  originalCode?: string;
  rtd?: NumericText;
  zsRtd?: NumericText;
  avg?: NumericText;
  zsAvg?: NumericText;
  min?: NumericText;
  max?: NumericText;
  zsMin?: NumericText;
  zsMax?: NumericText;
  cou?: NumericText;
  flag?: string;
  eFlag?: string;
  sampleTime?: string;
  info?: string;
  /** Other suffixes, verbatim. */
  extra?: Record<string, string>;
}

/** Typed view of the CP. Raw text of every non-factor key is in `params`. */
export interface CpData {
  dataTime: string | null;
  pollutants: PollutantData[];
  params: Record<string, string>;
  beginTime?: string;
  endTime?: string;
  systemTime?: string;
  restartTime?: string;
  polId?: string;
  qnRtn?: number;
  exeRtn?: number;
  rtdInterval?: number;
  minInterval?: number;
  overTime?: number;
  reCount?: number;
}

type TimeParam = 'beginTime' | 'endTime' | 'systemTime' | 'restartTime' | 'polId';
type IntParam = 'qnRtn' | 'exeRtn' | 'rtdInterval' | 'minInterval' | 'overTime' | 'reCount';
const TEXT_PARAM: Record<string, TimeParam> = {
  BeginTime: 'beginTime',
  EndTime: 'endTime',
  SystemTime: 'systemTime',
  RestartTime: 'restartTime',
  PolId: 'polId',
};
const INT_PARAM: Record<string, IntParam> = {
  QnRtn: 'qnRtn',
  ExeRtn: 'exeRtn',
  RtdInterval: 'rtdInterval',
  MinInterval: 'minInterval',
  OverTime: 'overTime',
  ReCount: 'reCount',
};

/** Factor codes present in the items (the part before the last '-'). */
export function factorCodes(items: readonly CpItem[]): string[] {
  const codes: string[] = [];
  for (const item of items) {
    const dash = item.key.lastIndexOf('-');
    if (dash > 0) codes.push(item.key.slice(0, dash));
  }
  return codes;
}

/** A fresh entry with every field present, so all entries share one hidden class (hot path). */
export function newEntry(code: string, originalCode: string | undefined): PollutantData {
  return {
    code,
    originalCode,
    rtd: undefined,
    zsRtd: undefined,
    avg: undefined,
    zsAvg: undefined,
    min: undefined,
    max: undefined,
    zsMin: undefined,
    zsMax: undefined,
    cou: undefined,
    flag: undefined,
    eFlag: undefined,
    sampleTime: undefined,
    info: undefined,
    extra: undefined,
  };
}

const numeric = (text: string): NumericText => ({ text, value: parseDecimal(text) });

/** Stores one `<code>-<suffix>` value; the first occurrence of a suffix wins (repeats are in `items`). */
function setField(entry: PollutantData, suffix: string, value: string): void {
  switch (suffix) {
    case 'Rtd': entry.rtd ??= numeric(value); return;
    case 'ZsRtd': entry.zsRtd ??= numeric(value); return;
    case 'Avg': entry.avg ??= numeric(value); return;
    case 'ZsAvg': entry.zsAvg ??= numeric(value); return;
    case 'Min': entry.min ??= numeric(value); return;
    case 'Max': entry.max ??= numeric(value); return;
    case 'ZsMin': entry.zsMin ??= numeric(value); return;
    case 'ZsMax': entry.zsMax ??= numeric(value); return;
    case 'Cou': entry.cou ??= numeric(value); return;
    case 'Flag': entry.flag ??= value; return;
    case 'EFlag': entry.eFlag ??= value; return;
    case 'SampleTime': entry.sampleTime ??= value; return;
    case 'Info': entry.info ??= value; return;
    default: (entry.extra ??= {})[suffix] ??= value;
  }
}

/**
 * Builds the typed view. With version '2005' known 2005 codes are mapped to 2017 codes (the
 * written code kept in originalCode); `version` may be decided afterwards from the result with
 * {@link applyVersion}.
 */
export function interpretCp(items: readonly CpItem[], version: '2017' | '2005' | null, warnings: Hj212Warning[]): CpData {
  const data: CpData = { dataTime: null, pollutants: [], params: {} };
  let byCode: Map<string, PollutantData> | null = null;
  let last: PollutantData | null = null;
  let lastWritten = '';
  for (let i = 0; i < items.length; i++) {
    const { key, value } = items[i] as CpItem;
    const dash = key.lastIndexOf('-');
    if (dash <= 0) {
      setParam(data, key, value, warnings);
      continue;
    }
    const written = key.slice(0, dash);
    let entry: PollutantData | undefined;
    // Keys of one factor are usually consecutive: skip the map lookup then.
    if (last !== null && written === lastWritten) entry = last;
    else {
      byCode ??= new Map();
      entry = byCode.get(written);
      if (entry === undefined) {
        entry = newEntry(written, undefined);
        byCode.set(written, entry);
        data.pollutants.push(entry);
      }
      last = entry;
      lastWritten = written;
    }
    setField(entry, key.slice(dash + 1), value);
  }
  if (version !== null) applyVersion(data, version, warnings);
  return data;
}

/** Maps 2005 codes (version 2005) and reports codes that fit neither table. */
export function applyVersion(data: CpData, version: '2017' | '2005', warnings: Hj212Warning[]): void {
  let nonstandard: string[] | null = null;
  for (const entry of data.pollutants) {
    const written = entry.code;
    if (version === '2005') {
      const mapped = mapCode2005(written);
      if (mapped !== undefined) {
        entry.code = mapped;
        entry.originalCode = written;
        continue;
      }
    }
    if (!is2017Code(written)) (nonstandard ??= []).push(written);
  }
  if (nonstandard) {
    warnings.push({ code: 'NONSTANDARD_CODE', message: `non-standard factor code(s) for HJ 212-${version}: ${nonstandard.slice(0, 8).join(', ')}` });
  }
}

/** Stores a non-factor key; false when the key was already there (a repeated key, first value kept). */
export function setParam(data: CpData, key: string, value: string, warnings: Hj212Warning[]): boolean {
  if (Object.hasOwn(data.params, key)) return false;
  data.params[key] = value;
  if (key === 'DataTime') {
    data.dataTime = value;
    if (value.length === 17 && isDigits(value)) warnings.push({ code: 'DATATIME_MILLIS', message: `DataTime "${value}" has milliseconds (17 digits)` });
    return true;
  }
  if (key === 'Flag') {
    warnings.push({ code: 'BARE_FLAG', message: `bare "Flag=${value}" in CP (not attached to a factor) kept in params` });
    return true;
  }
  // hasOwn: a key like "constructor" must not find Object.prototype members.
  const textKey = Object.hasOwn(TEXT_PARAM, key) ? TEXT_PARAM[key] : undefined;
  if (textKey !== undefined) {
    data[textKey] = value;
    return true;
  }
  const intKey = Object.hasOwn(INT_PARAM, key) ? INT_PARAM[key] : undefined;
  if (intKey !== undefined && isDigits(value)) data[intKey] = Number(value);
  return true;
}
