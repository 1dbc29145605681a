/**
 * Stable error codes: callers (ingest dead letters, CLI output) key on them, so never rename one.
 * Frame-level: BAD_HEADER, BAD_LENGTH, BAD_CRC, CRC_MISMATCH, TRAILING_DATA, TOO_LONG, BAD_ENCODING,
 * TRUNCATED. Segment-level: BAD_FIELD, BAD_CP. Readings: NOT_DATA, BAD_DATATIME, BAD_VALUE.
 * Building: BAD_INPUT. Stream decoder: GARBAGE. CLI: EMPTY_LINE, BAD_JSON.
 */
export type Hj212ErrorCode =
  | 'BAD_HEADER'
  | 'BAD_LENGTH'
  | 'BAD_CRC'
  | 'CRC_MISMATCH'
  | 'TRAILING_DATA'
  | 'TOO_LONG'
  | 'BAD_ENCODING'
  | 'TRUNCATED'
  | 'BAD_FIELD'
  | 'BAD_CP'
  | 'NOT_DATA'
  | 'BAD_DATATIME'
  | 'BAD_VALUE'
  | 'BAD_INPUT'
  | 'GARBAGE'
  | 'EMPTY_LINE'
  | 'BAD_JSON';

/** The only error this package throws on bad input. `part` names the offending field/key when there is one. */
export class Hj212Error extends Error {
  override readonly name = 'Hj212Error';
  constructor(
    readonly code: Hj212ErrorCode,
    message: string,
    readonly part?: string,
  ) {
    super(message);
  }

  toJSON(): { code: Hj212ErrorCode; message: string; part?: string } {
    return this.part === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, part: this.part };
  }
}

export function isHj212Error(err: unknown): err is Hj212Error {
  return err instanceof Hj212Error;
}

/** Something tolerated on input: the packet is accepted and the deviation reported. */
export type Hj212WarningCode =
  | 'LOWERCASE_CRC'
  | 'TRAILING_WHITESPACE'
  | 'MISSING_QN'
  | 'BAD_QN'
  | 'MISSING_FLAG'
  | 'MISSING_PW'
  | 'EMPTY_PW'
  | 'EMPTY_MN'
  | 'EXTRA_FIELD'
  | 'DUPLICATE_FIELD'
  | 'UNKNOWN_ST'
  | 'UNKNOWN_VERSION'
  | 'VERSION_INFERRED'
  | 'UNEXPECTED_PNUM'
  | 'DATATIME_MILLIS'
  | 'NONSTANDARD_CODE'
  | 'BARE_FLAG'
  | 'EMPTY_ITEM'
  | 'DUPLICATE_KEY'
  | 'NON_ASCII'
  | 'LENGTH_OVER_STANDARD'
  | 'DUPLICATE_PART'
  | 'SPLIT_WITHOUT_PNUM';

export interface Hj212Warning {
  code: Hj212WarningCode;
  message: string;
}
