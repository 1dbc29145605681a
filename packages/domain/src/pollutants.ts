/** Pollutant and process-parameter catalogue (HJ 212-2017 codes). Unknown codes pass through. */
export interface PollutantInfo {
  code: string;
  zh: string;
  en: string;
  unit: string;
  medium: 'air' | 'water' | 'both';
  /** A concentration that gets O2-corrected (air pollutants only). */
  correctable?: boolean;
}

const entries: PollutantInfo[] = [
  { code: 'a21026', zh: '二氧化硫', en: 'SO2', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a21002', zh: '氮氧化物', en: 'NOx', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a21003', zh: '一氧化氮', en: 'NO', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a21004', zh: '二氧化氮', en: 'NO2', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a34013', zh: '颗粒物', en: 'particulates', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a21005', zh: '一氧化碳', en: 'CO', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a24088', zh: '非甲烷总烃', en: 'NMHC', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a05002', zh: '甲烷', en: 'CH4', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a21018', zh: '氟化物', en: 'fluoride', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a21024', zh: '氯化氢', en: 'HCl', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a21001', zh: '氨', en: 'NH3', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a21028', zh: '硫化氢', en: 'H2S', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a21022', zh: '氯气', en: 'Cl2', unit: 'mg/m³', medium: 'air', correctable: true },
  { code: 'a19001', zh: '氧气含量', en: 'O2', unit: '%', medium: 'air' },
  { code: 'a01011', zh: '烟气流速', en: 'flue gas velocity', unit: 'm/s', medium: 'air' },
  { code: 'a01012', zh: '烟气温度', en: 'flue gas temperature', unit: '°C', medium: 'air' },
  { code: 'a01013', zh: '烟气压力', en: 'flue gas pressure', unit: 'kPa', medium: 'air' },
  { code: 'a01014', zh: '烟气湿度', en: 'flue gas moisture', unit: '%', medium: 'air' },
  { code: 'a00000', zh: '废气流量', en: 'flue gas flow', unit: 'm³/s', medium: 'air' },
  { code: 'w01018', zh: '化学需氧量', en: 'COD', unit: 'mg/L', medium: 'water' },
  { code: 'w21003', zh: '氨氮', en: 'NH3-N', unit: 'mg/L', medium: 'water' },
  { code: 'w21011', zh: '总磷', en: 'total P', unit: 'mg/L', medium: 'water' },
  { code: 'w21001', zh: '总氮', en: 'total N', unit: 'mg/L', medium: 'water' },
  { code: 'w01001', zh: 'pH值', en: 'pH', unit: '', medium: 'water' },
  { code: 'w01010', zh: '水温', en: 'water temperature', unit: '°C', medium: 'water' },
  { code: 'w01009', zh: '溶解氧', en: 'dissolved oxygen', unit: 'mg/L', medium: 'water' },
  { code: 'w00000', zh: '废水流量', en: 'wastewater flow', unit: 'L/s', medium: 'water' },
];

export const pollutantCatalogue: ReadonlyMap<string, PollutantInfo> = new Map(entries.map((e) => [e.code, e]));

export function pollutantInfo(code: string): PollutantInfo | undefined {
  return pollutantCatalogue.get(code);
}

/** Well-known codes of process parameters the detectors read beside each pollutant. */
export const Factor = {
  so2: 'a21026',
  nox: 'a21002',
  dust: 'a34013',
  o2: 'a19001',
  velocity: 'a01011',
  temperature: 'a01012',
  pressure: 'a01013',
  moisture: 'a01014',
  flow: 'a00000',
  cod: 'w01018',
  nh3n: 'w21003',
  ph: 'w01001',
  waterFlow: 'w00000',
} as const;
