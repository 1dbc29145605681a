/* global Node */
// Tiny DOM helpers: h('tag.class', {attrs}, ...children). Text is always set as text (no innerHTML).
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className += ` ${v}`;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms + 8 * 3600_000); // China time, as the loggers report it
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

export function fmtNum(v, digits = 2) {
  if (v === null || v === undefined) return '—';
  return Number(v).toFixed(Math.abs(v) >= 100 ? 0 : digits).replace(/\.?0+$/, '') || '0';
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}
