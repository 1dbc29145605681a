import type { Anomaly, AnomalyCategory, Site } from '@offsite/domain';
import { canonicalJson, sha256Hex } from './canonical.js';

export interface LegalBasis {
  category: AnomalyCategory;
  title: string;
  references: string[];
}

/** Which legal basis each category points to, for the officer's file. */
export const legalBasisCatalogue: Record<AnomalyCategory, LegalBasis> = {
  exceedance: {
    category: 'exceedance',
    title: '超标排放 (emission above the limit)',
    references: ['《中华人民共和国大气污染防治法》第十八条、第九十九条', '《中华人民共和国水污染防治法》第十条、第八十三条'],
  },
  tampering: {
    category: 'tampering',
    title: '篡改、伪造自动监测数据 (tampering with or falsifying automatic monitoring data)',
    references: [
      '《中华人民共和国大气污染防治法》第二十条、第一百条',
      '《中华人民共和国水污染防治法》第三十九条、第八十三条',
      '《最高人民法院 最高人民检察院关于办理环境污染刑事案件适用法律若干问题的解释》(法释〔2023〕7号)',
    ],
  },
  'data-quality': {
    category: 'data-quality',
    title: '自动监测数据缺失或异常 (missing or abnormal monitoring data)',
    references: ['《污染源自动监控设施现场监督检查办法》', '《污染源自动监控管理办法》'],
  },
};

export interface EvidencePackage {
  format: 'offsite.evidence.v1';
  leadId: string;
  /** 1 at creation, +1 on each merge or anomaly update. */
  version: number;
  frozenAt: number;
  mn: string;
  enterprise: string | null;
  region: string;
  site: { name: string; standard: string; kind: 'air' | 'water'; limits: Record<string, number>; dailyLimits?: Record<string, number>; o2Ref?: number | null } | null;
  legalBasis: LegalBasis[];
  anomalies: Anomaly[];
}

export function buildEvidencePackage(input: { leadId: string; version: number; frozenAt: number; mn: string; region: string; site: Site | undefined; anomalies: readonly Anomaly[] }): EvidencePackage {
  const { site } = input;
  const categories: AnomalyCategory[] = (['tampering', 'exceedance', 'data-quality'] as const).filter((c) => input.anomalies.some((a) => a.category === c));
  return {
    format: 'offsite.evidence.v1',
    leadId: input.leadId,
    version: input.version,
    frozenAt: input.frozenAt,
    mn: input.mn,
    enterprise: site?.enterprise ?? null,
    region: input.region,
    site: site
      ? { name: site.name, standard: site.standard, kind: site.kind, limits: { ...site.limits }, ...(site.dailyLimits ? { dailyLimits: { ...site.dailyLimits } } : {}), o2Ref: site.o2Ref ?? null }
      : null,
    legalBasis: categories.map((c) => legalBasisCatalogue[c]),
    anomalies: [...input.anomalies].sort((a, b) => a.start - b.start || a.id.localeCompare(b.id)),
  };
}

export interface EvidenceExport {
  filename: string;
  contentType: string;
  body: string;
  /** sha256 of body (UTF-8), hex. */
  sha256: string;
}

export function exportEvidenceJson(pkg: EvidencePackage): EvidenceExport {
  const body = canonicalJson(pkg);
  return { filename: `${pkg.leadId}-v${pkg.version}.json`, contentType: 'application/json', body, sha256: sha256Hex(body) };
}

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const CSV_HEADER = ['lead_id', 'anomaly_id', 'rule', 'category', 'pollutant', 'time_utc', 'time_ms', 'code', 'value', 'flag', 'limit', 'standard'];

/** One row per evidence reading, in time order per anomaly (RFC 4180, CRLF line ends). */
export function exportEvidenceCsv(pkg: EvidencePackage): EvidenceExport {
  const lines = [CSV_HEADER.join(',')];
  for (const a of pkg.anomalies) {
    const limit = a.evidence.limit ?? (a.pollutant && pkg.site?.limits[a.pollutant] !== undefined ? { value: pkg.site.limits[a.pollutant]!, standard: pkg.site.standard } : undefined);
    for (const r of [...a.evidence.readings].sort((x, y) => x.t - y.t)) {
      lines.push(
        [pkg.leadId, a.id, a.rule, a.category, a.pollutant, new Date(r.t).toISOString(), r.t, r.code, r.value ?? r.text ?? null, r.flag ?? null, limit?.value ?? null, limit?.standard ?? null]
          .map(csvCell)
          .join(','),
      );
    }
  }
  const body = lines.join('\r\n') + '\r\n';
  return { filename: `${pkg.leadId}-v${pkg.version}-readings.csv`, contentType: 'text/csv; charset=utf-8', body, sha256: sha256Hex(body) };
}
