// The process form's reading of amounts and its checks before saving: each
// problem at its field, in the page's language. The server checks the same
// at save (server/process/src/definition_checks.cc); its refusals name a field too.
import { decimals, formatMoney, numberLocale, numberMarks, t, toUnits } from './common.js';

// Amounts as the page shows this currency's money (common.js numberLocale: the
// page's language where the currency is spent):
//   en, and es for dollars (es-US): "50,000", "$50,000", "50000.00", "50,000.50": a comma groups
//      thousands, a dot starts the cents;
//   es for euros (Spain's convention): "50.000", "50.000,00", "50000,00": a dot groups thousands,
//      a comma starts the cents.
// A currency sign or code around the number is dropped. Three digits after the
// decimal mark ("50.000" in English) could be either reading: refused.
// Returns {value} (a whole number, or a decimal string "50000.50" as the API
// wants it) or {error} (a sentence).
export function readAmount(text, currency = '') {
  const typed = String(text ?? '').trim();
  let s = typed.replace(/[\s\u00a0\u202f]/g, '');
  const sign = /^(?:US\$|\$|€|£|[A-Za-z]{3})|(?:US\$|\$|€|£|[A-Za-z]{3})$/g;
  s = s.replace(sign, '');
  if (!s) return { error: t(typed ? 'admin.form.error.amount_not_number' : 'admin.form.error.required') };
  if (s.startsWith('-')) return { error: t('admin.form.error.amount_negative') };
  const [group, point] = marksName(currency) === 'dot' ? ['.', ','] : [',', '.'];
  const q = (c) => `\\${c}`;
  const m = new RegExp(`^(\\d{1,3}(?:${q(group)}\\d{3})+|\\d+)(?:${q(point)}(\\d{1,6}))?$`).exec(s);
  if (!m) {
    return { error: t(/^[\d.,]+$/.test(s) ? `admin.form.error.amount_separators_${marksName(currency)}` : 'admin.form.error.amount_not_number') };
  }
  if (m[2]?.length === 3 && !m[1].includes(group)) return { error: t(`admin.form.error.amount_ambiguous_${marksName(currency)}`, { text: typed }) };
  const whole = m[1].split(group).join('').replace(/^0+(?=\d)/, '');
  if (m[2] !== undefined) return { value: `${whole}.${m[2]}` };
  return { value: whole.length <= 15 ? Number(whole) : whole };
}

// "comma" where a comma groups thousands (50,000.00), "dot" where a dot does (50.000,00).
export const marksName = (currency) => (numberMarks(numberLocale(currency)).group === '.' ? 'dot' : 'comma');

// An API amount written back in the page's language, for the input (no grouping).
export function amountText(value, currency = '') {
  if (value === undefined || value === null || value === '') return '';
  const s = String(value);
  return numberMarks(numberLocale(currency)).decimal === ',' ? s.replace('.', ',') : s;
}

// What the form understood, shown under an amount before saving.
export function amountRead(value, currency) {
  return t('admin.form.read_as', { amount: formatMoney(toUnits(value, decimals(value)) / 10 ** decimals(value), currency, decimals(value)) });
}

// A whole number from 0 for a ballot limit, or an error.
export function readCount(text) {
  const s = String(text ?? '').trim();
  if (!/^\d{1,10}$/.test(s)) return { error: t('admin.form.error.whole') };
  return { value: Number(s) };
}

// The problems of a definition (the API's JSON) as [{id, message}], ids of the form's inputs.
export function checkDefinition(d) {
  const out = [];
  const add = (id, key, params) => out.push({ id, message: t(`admin.form.error.${key}`, params) });
  if (!d.title) add('f-title', 'required');
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(d.slug)) add('f-slug', d.slug ? 'slug' : 'required');
  const budgetIds = new Set();
  d.budgets.forEach((b, i) => {
    const p = `b${i}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/.test(b.id)) add(`${p}-id`, b.id ? 'id' : 'required');
    else if (budgetIds.has(b.id)) add(`${p}-id`, 'duplicate_id', { id: b.id });
    budgetIds.add(b.id);
    const money = (v) => formatMoney(toUnits(v, decimals(v)) / 10 ** decimals(v), b.currency, decimals(v));
    const amountOk = b.amount !== undefined && b.amount !== '';
    const scale = Math.max(decimals(b.amount), ...b.projects.map((x) => decimals(x.cost)));
    const units = (v) => toUnits(v, scale);
    if (!amountOk) add(`${p}-amount`, 'required');
    else if (units(b.amount) <= 0) add(`${p}-amount`, 'no_money');
    const ids = new Map();
    const names = new Map();
    let cheapest = null;
    b.projects.forEach((x, j) => {
      const q = `${p}-p${j}`;
      if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/.test(x.id)) add(`${q}-id`, x.id ? 'id' : 'required');
      else if (ids.has(x.id)) add(`${q}-id`, 'duplicate_project_id', { id: x.id, n: ids.get(x.id) + 1 });
      ids.set(x.id, ids.get(x.id) ?? j);
      const key = (x.name || '').trim().toLowerCase().replace(/\s+/g, ' ');
      if (!key) add(`${q}-name`, 'required');
      else if (names.has(key)) add(`${q}-name`, 'duplicate_name', { n: names.get(key) + 1 });
      if (key && !names.has(key)) names.set(key, j);
      if (x.cost === undefined || x.cost === '') return add(`${q}-cost`, 'required');
      if (units(x.cost) <= 0) add(`${q}-cost`, 'free_project');
      else if (amountOk && units(x.cost) > units(b.amount)) add(`${q}-cost`, 'dearer_than_budget', { cost: money(x.cost), amount: money(b.amount) });
      if (cheapest === null || units(x.cost) < units(cheapest)) cheapest = x.cost;
    });
    const l = b.ballot;
    const more = (a, c) => l[a] !== undefined && l[c] !== undefined && l[a] > l[c];
    if (l.max_projects === 0) add(`${p}-max_projects`, 'max_zero');
    else if (more('min_projects', 'max_projects')) add(`${p}-max_projects`, 'max_below_min');
    if (more('min_total_points', 'max_total_points')) add(`${p}-max_total_points`, 'max_below_min');
    if (more('min_points', 'max_points')) add(`${p}-max_points`, 'max_below_min');
    if (l.min_projects !== undefined && l.min_projects > b.projects.length) add(`${p}-min_projects`, 'min_above_projects', { n: b.projects.length });
    if (l.max_cost !== undefined && cheapest !== null && toUnits(l.max_cost, 6) < toUnits(cheapest, 6)) {
      add(`${p}-max_cost`, 'max_cost_too_low', { cost: money(cheapest) });
    }
  });
  return out;
}

// The input a server error's field names ("budgets[0].projects[2].cost" -> "b0-p2-cost"),
// or the nearest enclosing one that the form has.
export function fieldId(path, has) {
  const top = { title: 'f-title', slug: 'f-slug', description: 'f-description', groups: 'f-groups', revoting: 'f-revoting',
    receipts: 'f-receipts', min_group_size: 'f-k' };
  let s = String(path || '');
  // A translation: budgets[0].projects[1].translations.es.name is the input tr-es-b0-p1-name.
  const tr = /^(?:budgets\[(\d+)\]\.)?(?:projects\[(\d+)\]\.)?translations\.([\w-]+)\.(\w+)$/.exec(s);
  if (tr) {
    const id = `tr-${tr[3]}-${tr[1] !== undefined ? `b${tr[1]}-` : ''}${tr[2] !== undefined ? `p${tr[2]}-` : ''}${tr[4]}`;
    if (has(id)) return id;
  }
  while (s) {
    const m = /^budgets\[(\d+)\](?:\.projects\[(\d+)\])?(?:\.(?:ballot\.)?(\w+))?$/.exec(s);
    let id = top[s.replace(/\[.*$/, '')];
    if (m) {
      const key = m[3] === 'tie_break' ? 'tie' : m[3] === 'projects' ? 'add-project' : m[3];
      id = m[2] !== undefined ? `b${m[1]}-p${m[2]}${key ? `-${key}` : '-id'}` : `b${m[1]}${key ? `-${key}` : '-id'}`;
    }
    if (id && has(id)) return id;
    const cut = Math.max(s.lastIndexOf('.'), s.lastIndexOf('['));
    s = cut > 0 ? s.slice(0, cut) : '';
  }
  return '';
}
