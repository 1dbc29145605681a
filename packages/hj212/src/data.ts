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

type NumericKey = 'rtd' | 'zsRtd' | 'avg' | 'zsAvg' | 'min' | 'max' | 'zsMin' | 'zsMax' | 'cou';
type TextKey = 'flag' | 'eFlag' | 'sampleTime' | 'info';

const NUMERIC_SUFFIX: Record<string, NumericKey> = {
  Rtd: 'rtd',
  ZsRtd: 'zsRtd',
  Avg: 'avg',
  ZsAvg: 'zsAvg',
  Min: 'min',
  Max: 'max',
  ZsMin: 'zsMin',
  ZsMax: 'zsMax',
  Cou: 'cou',
};
const TEXT_SUFFIX: Record<string, TextKey> = { Flag: 'flag', EFlag: 'eFlag', SampleTime: 'sampleTime', Info: 'info' };

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

/** Builds the typed view. `version` decides whether 2005 codes are mapped. */
export function interpretCp(items: readonly CpItem[], version: '2017' | '2005', warnings: Hj212Warning[]): CpData {
  const data: CpData = { dataTime: null, pollutants: [], params: {} };
  const byCode = new Map<string, PollutantData>();
  let nonstandard: Set<string> | null = null;
  for (const { key, value } of items) {
    const dash = key.lastIndexOf('-');
    if (dash <= 0) {
      setParam(data, key, value, warnings);
      continue;
    }
    const written = key.slice(0, dash);
    const suffix = key.slice(dash + 1);
    let entry = byCode.get(written);
    if (!entry) {
      let code = written;
      if (version === '2005') {
        const mapped = mapCode2005(written);
        if (mapped) code = mapped;
        else if (!is2017Code(written)) (nonstandard ??= new Set()).add(written);
      } else if (!is2017Code(written)) (nonstandard ??= new Set()).add(written);
      entry = code === written ? { code } : { code, originalCode: written };
      byCode.set(written, entry);
      data.pollutants.push(entry);
    }
    const numeric = NUMERIC_SUFFIX[suffix];
    if (numeric !== undefined) {
      entry[numeric] ??= { text: value, value: parseDecimal(value) };
      continue;
    }
    const text = TEXT_SUFFIX[suffix];
    if (text !== undefined) {
      entry[text] ??= value;
      continue;
    }
    (entry.extra ??= {})[suffix] ??= value;
  }
  if (nonstandard) {
    warnings.push({ code: 'NONSTANDARD_CODE', message: `non-standard factor code(s) for HJ 212-${version}: ${[...nonstandard].slice(0, 8).join(', ')}` });
  }
  return data;
}

function setParam(data: CpData, key: string, value: string, warnings: Hj212Warning[]): void {
  if (Object.hasOwn(data.params, key)) return;
  data.params[key] = value;
  if (key === 'DataTime') {
    data.dataTime = value;
    if (value.length === 17 && isDigits(value)) warnings.push({ code: 'DATATIME_MILLIS', message: `DataTime "${value}" has milliseconds (17 digits)` });
    return;
  }
  if (key === 'Flag') {
    warnings.push({ code: 'BARE_FLAG', message: `bare "Flag=${value}" in CP (not attached to a factor) kept in params` });
    return;
  }
  const textKey = TEXT_PARAM[key];
  if (textKey !== undefined) {
    data[textKey] = value;
    return;
  }
  const intKey = INT_PARAM[key];
  if (intKey !== undefined && isDigits(value)) data[intKey] = Number(value);
}
