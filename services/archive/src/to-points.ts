import type { ReadingBatch, Site } from '@offsite/domain';
import type { SeriesPoint } from '@offsite/series-store';

/** One SeriesPoint per reading, tagged with the site's region/enterprise/outlet when registered. */
export function toSeriesPoints(batch: ReadingBatch, site: Site | undefined): SeriesPoint[] {
  return batch.readings.map((r) => ({
    mn: batch.mn,
    kind: batch.kind,
    pollutant: r.code,
    time: batch.dataTime,
    value: r.value,
    converted: r.converted ?? null,
    min: r.min ?? null,
    max: r.max ?? null,
    cou: r.cou ?? null,
    flag: r.flag,
    text: r.text,
    region: site?.region ?? '',
    enterprise: site?.enterprise ?? '',
    outlet: site?.outlet ?? site?.name ?? '',
  }));
}
