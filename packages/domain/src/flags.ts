import { z } from 'zod';

/** HJ 212 data flags (`xxx-Flag`). Only N marks a valid sample; T means "at least the range". */
export const DataFlag = z.enum(['N', 'F', 'M', 'S', 'D', 'C', 'T', 'B']);
export type DataFlag = z.infer<typeof DataFlag>;

export const dataFlagMeaning: Record<DataFlag, { zh: string; en: string }> = {
  N: { zh: '正常', en: 'normal' },
  F: { zh: '停运', en: 'plant shut down' },
  M: { zh: '维护', en: 'maintenance' },
  S: { zh: '手工输入', en: 'set manually' },
  D: { zh: '故障', en: 'instrument fault' },
  C: { zh: '校准', en: 'calibration' },
  T: { zh: '超测上限', en: 'over instrument range' },
  B: { zh: '通讯异常', en: 'communication abnormal' },
};

/** A missing flag is read as N: many loggers omit it for normal data. */
export function isValidSample(flag: DataFlag | null | undefined): boolean {
  return flag === undefined || flag === null || flag === 'N';
}

/** Flags that mark a sample the operator chose to invalidate (flag-abuse looks at these). */
export const OPERATOR_FLAGS: ReadonlySet<DataFlag> = new Set(['M', 'C', 'D', 'S']);
