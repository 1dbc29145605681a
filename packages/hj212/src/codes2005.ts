/**
 * HJ/T 212-2005 factor codes → HJ 212-2017 codes. Sources are listed in README.md ("2005 mapping").
 * Air codes are 2 digits or a letter + 2 digits; water codes 3 digits, so the two never collide.
 */
export interface Code2005 {
  code2005: string;
  code2017: string;
  name: string;
}

/**
 * From the "original code" (原代码) column of HJ 212-2017 appendix B (factor code tables), which
 * gives each 2017 code its HJ/T 212-2005 predecessor. Transcribed here from public enum tables
 * that reproduce that column (see README.md, sources); confirmed against field captures (S08,
 * S07, B01, 011, 060, 023 in fixtures/real.jsonl).
 */
const table: Code2005[] = [
  // Air (废气)
  { code2005: '01', code2017: 'a34013', name: 'dust/烟尘' },
  { code2005: '02', code2017: 'a21026', name: 'SO2' },
  { code2005: '03', code2017: 'a21002', name: 'NOx' },
  { code2005: '04', code2017: 'a21005', name: 'CO' },
  { code2005: '05', code2017: 'a21028', name: 'H2S' },
  { code2005: '06', code2017: 'a21018', name: 'fluoride/氟化物' },
  { code2005: '07', code2017: 'a21017', name: 'cyanide/氰化物' },
  { code2005: '08', code2017: 'a21024', name: 'HCl/氯化氢' },
  { code2005: '09', code2017: 'a34038', name: 'asphalt fume/沥青烟' },
  { code2005: '10', code2017: 'a21001', name: 'NH3' },
  { code2005: '11', code2017: 'a21022', name: 'Cl2/氯气' },
  { code2005: '12', code2017: 'a99051', name: 'CS2' },
  { code2005: '13', code2017: 'a30022', name: 'mercaptan/硫醇' },
  { code2005: '14', code2017: 'a34039', name: 'sulphuric acid mist' },
  { code2005: '15', code2017: 'a34040', name: 'chromic acid mist' },
  { code2005: '17', code2017: 'a25003', name: 'toluene' },
  { code2005: '18', code2017: 'a25005', name: 'xylene' },
  { code2005: '19', code2017: 'a31001', name: 'formaldehyde' },
  { code2005: '20', code2017: 'a25044', name: 'benzo[a]pyrene' },
  { code2005: '21', code2017: 'a26001', name: 'anilines' },
  { code2005: '22', code2017: 'a25023', name: 'nitrobenzene' },
  { code2005: '23', code2017: 'a25010', name: 'chlorobenzene' },
  { code2005: '24', code2017: 'a99049', name: 'phosgene' },
  { code2005: '25', code2017: 'a24087', name: 'hydrocarbons/碳氢化合物' },
  { code2005: '26', code2017: 'a31002', name: 'acetaldehyde' },
  { code2005: '27', code2017: 'a23001', name: 'phenols' },
  { code2005: '28', code2017: 'a30001', name: 'methanol' },
  { code2005: '29', code2017: 'a24046', name: 'vinyl chloride' },
  { code2005: '30', code2017: 'a05001', name: 'CO2' },
  { code2005: '31', code2017: 'a20057', name: 'mercury compounds' },
  { code2005: '32', code2017: 'a20043', name: 'lead compounds' },
  { code2005: '33', code2017: 'a20025', name: 'cadmium compounds' },
  { code2005: '34', code2017: 'a20091', name: 'tin compounds' },
  { code2005: '35', code2017: 'a20063', name: 'nickel compounds' },
  { code2005: '36', code2017: 'a20016', name: 'beryllium compounds' },
  { code2005: '37', code2017: 'a01010', name: 'Ringelmann blackness' },
  { code2005: 'S01', code2017: 'a19001', name: 'O2/氧气含量' },
  { code2005: 'S02', code2017: 'a01011', name: 'flue gas velocity/烟气流速' },
  { code2005: 'S03', code2017: 'a01012', name: 'flue gas temperature/烟气温度' },
  { code2005: 'S04', code2017: 'a01017', name: 'flue gas dynamic pressure/烟气动压' },
  { code2005: 'S05', code2017: 'a01014', name: 'flue gas moisture/烟气湿度' },
  { code2005: 'S06', code2017: 'a01015', name: 'cooling temperature/制冷温度' },
  { code2005: 'S07', code2017: 'a01016', name: 'duct cross-section/烟道截面积' },
  { code2005: 'S08', code2017: 'a01013', name: 'flue gas pressure/烟气压力' },
  { code2005: 'B02', code2017: 'a00000', name: 'flue gas flow/废气' },
  // Water (废水)
  { code2005: 'B01', code2017: 'w00000', name: 'wastewater flow/污水' },
  { code2005: '001', code2017: 'w01001', name: 'pH' },
  { code2005: '002', code2017: 'w01002', name: 'colour/色度' },
  { code2005: '003', code2017: 'w01012', name: 'suspended solids/悬浮物' },
  { code2005: '010', code2017: 'w01017', name: 'BOD5' },
  { code2005: '011', code2017: 'w01018', name: 'COD/化学需氧量' },
  { code2005: '015', code2017: 'w01020', name: 'TOC/总有机碳' },
  { code2005: '020', code2017: 'w20111', name: 'total Hg' },
  { code2005: '021', code2017: 'w20113', name: 'alkyl mercury' },
  { code2005: '022', code2017: 'w20115', name: 'total Cd' },
  { code2005: '023', code2017: 'w20116', name: 'total Cr' },
  { code2005: '024', code2017: 'w20117', name: 'Cr(VI)' },
  { code2005: '026', code2017: 'w20119', name: 'total As' },
  { code2005: '027', code2017: 'w20120', name: 'total Pb' },
  { code2005: '028', code2017: 'w20121', name: 'total Ni' },
  { code2005: '029', code2017: 'w20122', name: 'total Cu' },
  { code2005: '030', code2017: 'w20123', name: 'total Zn' },
  { code2005: '031', code2017: 'w20124', name: 'total Mn' },
  { code2005: '032', code2017: 'w20125', name: 'total Fe' },
  { code2005: '033', code2017: 'w20126', name: 'total Ag' },
  { code2005: '034', code2017: 'w20127', name: 'total Be' },
  { code2005: '035', code2017: 'w20128', name: 'total Se' },
  { code2005: '036', code2017: 'w20092', name: 'Sn' },
  { code2005: '037', code2017: 'w20023', name: 'B' },
  { code2005: '038', code2017: 'w20061', name: 'Mo' },
  { code2005: '039', code2017: 'w20012', name: 'Ba' },
  { code2005: '040', code2017: 'w20038', name: 'Co' },
  { code2005: '041', code2017: 'w20089', name: 'Tl' },
  { code2005: '060', code2017: 'w21003', name: 'NH3-N/氨氮' },
  { code2005: '061', code2017: 'w99001', name: 'organic N' },
  { code2005: '062', code2017: 'w21004', name: 'Kjeldahl N' },
  { code2005: '063', code2017: 'w21006', name: 'nitrite' },
  { code2005: '064', code2017: 'w21007', name: 'nitrate' },
  { code2005: '065', code2017: 'w21001', name: 'total N/总氮' },
  { code2005: '070', code2017: 'w21016', name: 'cyanide' },
  { code2005: '071', code2017: 'w21019', name: 'sulphide' },
  { code2005: '072', code2017: 'w21017', name: 'fluoride' },
  { code2005: '080', code2017: 'w22001', name: 'petroleum/石油类' },
  { code2005: '090', code2017: 'w21022', name: 'chloride' },
  { code2005: '101', code2017: 'w21011', name: 'total P/总磷' },
  { code2005: '110', code2017: 'w23002', name: 'volatile phenol' },
  { code2005: '350', code2017: 'w33001', name: 'HCH/六六六' },
  { code2005: '351', code2017: 'w33007', name: 'DDT' },
  { code2005: '520', code2017: 'w19002', name: 'anionic surfactant' },
  { code2005: '540', code2017: 'w25043', name: 'benzo[a]pyrene' },
  { code2005: '550', code2017: 'w02003', name: 'faecal coliforms' },
  { code2005: '570', code2017: 'w03001', name: 'gross alpha' },
  { code2005: '571', code2017: 'w03002', name: 'gross beta' },
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
