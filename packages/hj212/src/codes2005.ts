/**
 * HJ/T 212-2005 factor codes → HJ 212-2017 codes. Sources are listed in README.md ("2005 mapping").
 * Air codes are 2 digits or a letter + 2 digits; water codes 3 digits, so the two never collide.
 */
export interface Code2005 {
  code2005: string;
  code2017: string;
  name: string;
}

const table: Code2005[] = [
  // Air (废气)
  { code2005: '01', code2017: 'a34013', name: 'dust / particulates (烟尘)' },
  { code2005: '02', code2017: 'a21026', name: 'SO2 (二氧化硫)' },
  { code2005: '03', code2017: 'a21002', name: 'NOx (氮氧化物)' },
  { code2005: 'S01', code2017: 'a19001', name: 'O2 (氧气含量)' },
  { code2005: 'S02', code2017: 'a01011', name: 'flue gas velocity (烟气流速)' },
  { code2005: 'S03', code2017: 'a01012', name: 'flue gas temperature (烟气温度)' },
  { code2005: 'S05', code2017: 'a01014', name: 'flue gas moisture (烟气湿度)' },
  { code2005: 'B02', code2017: 'a00000', name: 'flue gas flow (废气流量)' },
  // Water (废水)
  { code2005: '001', code2017: 'w01001', name: 'pH' },
  { code2005: '011', code2017: 'w01018', name: 'COD (化学需氧量)' },
  { code2005: '060', code2017: 'w21003', name: 'NH3-N (氨氮)' },
  { code2005: 'B01', code2017: 'w00000', name: 'wastewater flow (污水流量)' },
];

export const codes2005: ReadonlyMap<string, Code2005> = new Map(table.map((e) => [e.code2005, e]));

/** The 2017 code for a 2005 code, or undefined when the table does not know it. */
export function mapCode2005(code: string): string | undefined {
  return codes2005.get(code)?.code2017;
}

/** 2017 factor codes: one lower-case letter and 5 digits (a21026, w01018, i12001). */
export function is2017Code(code: string): boolean {
  if (code.length !== 6) return false;
  const first = code.charCodeAt(0);
  if (first < 0x61 || first > 0x7a) return false;
  for (let i = 1; i < 6; i++) {
    const c = code.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
