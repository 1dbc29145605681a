// A line chart drawn as inline SVG: series, limit line, shaded spans (flags, anomalies).
const NS = 'http://www.w3.org/2000/svg';
const s = (tag, attrs = {}, text) => {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
};

const COLORS = { line: '#3aa0ff', limit: '#ff5a5f', flag: 'rgba(240,180,41,0.22)', anomaly: 'rgba(255,45,85,0.25)', grid: '#23364d' };

/**
 * points: [{t, v}] (v null = gap); limit: number|null; spans: [{from, to, kind: 'flag'|'anomaly', label}]
 * Returns an <svg>. Times are epoch ms and labelled in China time.
 */
export function lineChart({ points, limit = null, spans = [], width = 900, height = 260, unit = '' }) {
  const pad = { l: 56, r: 16, t: 14, b: 28 };
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img' });
  const valid = points.filter((p) => p.v !== null && p.v !== undefined);
  const ts = [...points.map((p) => p.t), ...spans.flatMap((x) => [x.from, x.to])];
  if (!valid.length || !ts.length) {
    svg.append(s('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, '—'));
    return svg;
  }
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts, t0 + 1);
  const vs = valid.map((p) => p.v);
  let v0 = Math.min(0, ...vs);
  let v1 = Math.max(...vs, limit ?? -Infinity);
  if (v1 === v0) v1 = v0 + 1;
  v1 += (v1 - v0) * 0.08;
  const x = (t) => pad.l + ((t - t0) / (t1 - t0)) * (width - pad.l - pad.r);
  const y = (v) => height - pad.b - ((v - v0) / (v1 - v0)) * (height - pad.t - pad.b);

  for (let i = 0; i <= 4; i++) {
    const v = v0 + ((v1 - v0) * i) / 4;
    svg.append(s('line', { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), stroke: COLORS.grid }));
    svg.append(s('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, v.toFixed(v1 - v0 < 10 ? 1 : 0)));
  }
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    const d = new Date(t + 8 * 3600_000);
    const label = `${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    svg.append(s('text', { x: x(t), y: height - 8, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, label));
  }
  for (const span of spans) {
    const rect = s('rect', { x: x(span.from), y: pad.t, width: Math.max(2, x(span.to) - x(span.from)), height: height - pad.t - pad.b, fill: COLORS[span.kind], class: `span-${span.kind}` });
    rect.append(s('title', {}, span.label ?? span.kind));
    svg.append(rect);
  }
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.v === null || p.v === undefined) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
    pen = true;
  }
  svg.append(s('path', { d, fill: 'none', stroke: COLORS.line, 'stroke-width': 2 }));
  if (limit !== null) {
    svg.append(s('line', { x1: pad.l, x2: width - pad.r, y1: y(limit), y2: y(limit), stroke: COLORS.limit, 'stroke-width': 2, 'stroke-dasharray': '8 5', class: 'limit' }));
    svg.append(s('text', { x: width - pad.r - 4, y: y(limit) - 5, 'text-anchor': 'end', fill: COLORS.limit }, `${limit} ${unit}`));
  }
  return svg;
}

/** Consecutive non-N flags of a series as shaded spans. */
export function flagSpans(points, stepMs) {
  const spans = [];
  let cur = null;
  for (const p of points) {
    const bad = p.flag && p.flag !== 'N';
    if (bad && cur && cur.label === p.flag) cur.to = p.t + stepMs;
    else if (bad) spans.push((cur = { from: p.t, to: p.t + stepMs, kind: 'flag', label: p.flag }));
    else cur = null;
  }
  return spans;
}
