// zh-CN by default; the toggle is remembered. Keys missing in a language fall back to the key.
const dict = {
  'zh-CN': {
    title: '污染源离线监管', 'nav.sites': '站点', 'nav.leads': '线索', logout: '退出', 'feed.title': '实时告警',
    'login.title': '登录', 'login.token': '访问令牌 (Bearer token)', 'login.go': '登录', 'login.bad': '令牌无效或已吊销',
    ack: '确认', acked: '已确认', 'open.lead': '查看线索', search: '搜索 MN / 企业 / 排口', 'all.status': '全部状态', 'all.industry': '全部行业', 'all.region': '全部区划 (代码)', 'region.invalid': '区划代码为 6 位数字',
    online: '在线', offline: '离线', unknown: '未知', registered: '已登记', unregistered: '未登记',
    'col.site': '站点', 'col.status': '状态', 'col.last': '最后数据', 'col.values': '最新值 / 限值', 'col.leads': '未结线索', 'col.region': '区划',
    'col.lead': '线索', 'col.category': '类别', 'col.priority': '优先级', 'col.score': '评分', 'col.updated': '更新', 'col.anomalies': '异常',
    exceedance: '超标', tampering: '疑似篡改', 'data-quality': '数据质量',
    new: '新建', acknowledged: '已确认', assigned: '已派发', investigating: '调查中', closed: '已关闭',
    acknowledge: '确认', investigate: '开始调查', close: '关闭', assign: '派发', reopen: '重开',
    confirmed: '属实', dismissed: '不属实', duplicate: '重复', reason: '理由', team: '队伍', 'duplicate.of': '重复于线索',
    evidence: '证据', timeline: '时间线', audit: '审计链', verify: '校验', 'audit.ok': '审计链完整', 'audit.bad': '审计链断裂',
    comments: '批注', 'add.comment': '添加批注', export: '导出', hourly: '小时均值', 'valid.count': '有效/总数', 'col.hour': '小时', 'col.avg': '均值', valid: '有效', invalid: '无效',
    limit: '限值', 'no.data': '暂无数据', more: '更多', back: '返回', flags: '标记', 'all.categories': '全部类别', 'all.statuses': '全部状态',
    'stream.live': '实时连接', 'stream.down': '连接中断, 重连中', 'sites.total': '共 {n} 个站点', 'leads.title': '线索队列', 'sites.title': '监控站点', enterprise: '企业', region: '区划', standard: '排放标准', MN: '设备编号 MN', resolution: '结论', note: '备注', created: '新线索', merged: '并入新异常', transition: '状态变更', commented: '新批注',
  },
  en: {
    title: 'Off-site supervision', 'nav.sites': 'Sites', 'nav.leads': 'Leads', logout: 'Log out', 'feed.title': 'Live alerts',
    'login.title': 'Log in', 'login.token': 'Access token (Bearer)', 'login.go': 'Log in', 'login.bad': 'Invalid or revoked token',
    ack: 'Ack', acked: 'Acknowledged', 'open.lead': 'Open lead', search: 'Search MN / enterprise / outlet', 'all.status': 'Any status', 'all.industry': 'Any industry', 'all.region': 'Any region (code)', 'region.invalid': 'a region code has 6 digits',
    online: 'online', offline: 'offline', unknown: 'unknown', registered: 'registered', unregistered: 'unregistered',
    'col.site': 'Site', 'col.status': 'Status', 'col.last': 'Last data', 'col.values': 'Latest / limit', 'col.leads': 'Open leads', 'col.region': 'Region',
    'col.lead': 'Lead', 'col.category': 'Category', 'col.priority': 'Priority', 'col.score': 'Score', 'col.updated': 'Updated', 'col.anomalies': 'Anomalies',
    exceedance: 'Exceedance', tampering: 'Suspected tampering', 'data-quality': 'Data quality',
    new: 'new', acknowledged: 'acknowledged', assigned: 'assigned', investigating: 'investigating', closed: 'closed',
    acknowledge: 'Acknowledge', investigate: 'Start investigation', close: 'Close', assign: 'Assign', reopen: 'Reopen',
    confirmed: 'confirmed', dismissed: 'dismissed', duplicate: 'duplicate', reason: 'Reason', team: 'Team', 'duplicate.of': 'Duplicate of lead',
    evidence: 'Evidence', timeline: 'Timeline', audit: 'Audit trail', verify: 'Verify', 'audit.ok': 'Audit chain intact', 'audit.bad': 'Audit chain broken',
    comments: 'Comments', 'add.comment': 'Add comment', export: 'Export', hourly: 'Hourly averages', 'valid.count': 'valid/total', 'col.hour': 'Hour', 'col.avg': 'Average', valid: 'valid', invalid: 'invalid',
    limit: 'limit', 'no.data': 'No data', more: 'More', back: 'Back', flags: 'flags', 'all.categories': 'Any category', 'all.statuses': 'Any status',
    'stream.live': 'live', 'stream.down': 'disconnected, retrying', 'sites.total': '{n} sites', 'leads.title': 'Lead queue', 'sites.title': 'Monitored sites', enterprise: 'Enterprise', region: 'Region', standard: 'Standard', MN: 'MN', resolution: 'Resolution', note: 'Note', created: 'new lead', merged: 'new anomaly merged', transition: 'status changed', commented: 'commented',
  },
};

let lang = localStorage.getItem('offsite.lang') || 'zh-CN';
export const getLang = () => lang;

export function t(key, vars = {}) {
  const s = dict[lang][key] ?? dict['zh-CN'][key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

export function setLang(next) {
  lang = next;
  localStorage.setItem('offsite.lang', next);
  document.documentElement.lang = next;
  applyStatic();
}

/** Pollutant name in the current language (catalogue names come with the API). */
export function pollutantName(p) {
  return p.name ? (lang === 'en' ? p.name.en : p.name.zh) : p.pollutant;
}

export function applyStatic() {
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  const btn = document.getElementById('lang');
  if (btn) btn.textContent = lang === 'en' ? '中文' : 'EN';
  document.title = `${t('title')} · offsite`;
}
