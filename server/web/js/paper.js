// Printable paper ballots, /paper#p=<slug>&batch=<n>: one sheet per serial of
// a batch, in the batch's language, for the budgets its area votes in. Each
// sheet says how to mark it (per ballot type, with the limits), lists every
// project with its cost, and carries its serial in large type and as a QR code
// for the clerks who enter it. The organizer token comes from the tab's
// sessionStorage, as on /admin (or is asked for here).
import { $, LANGUAGES, api, budgetScale, errorText, fill, focusView, formatUnits, h, loadLang, localize, preferredLang, t, toUnits, useRegionOf, useStrings } from './common.js';
import { qrSvg } from './qr.js';

useStrings('staff');  // the admin, paper and clerk strings

const TOKEN_KEY = 'psephos-token';
const main = $('#main');
const enc = encodeURIComponent;
let token = sessionStorage.getItem(TOKEN_KEY) || '';

const hashParams = () => new URLSearchParams(location.hash.replace(/^#/, ''));

function show(...content) {
  fill(main, content);
  focusView(main.querySelector('h1'));
}

function signIn(message = '') {
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'off', 'aria-describedby': 'token-error' });
  show(h('h1', {}, t('paper.title')),
    h('form', { class: 'card', onsubmit: (e) => {
      e.preventDefault();
      token = input.value.trim();
      sessionStorage.setItem(TOKEN_KEY, token);
      start();
    } },
    h('label', { for: 'token' }, t('admin.token')), input,
    h('p', { class: 'error', id: 'token-error', role: 'alert' }, message),
    h('button', { type: 'submit', class: 'btn' }, t('admin.sign_in'))));
}

// The limits of a ballot type, as sentences for a pen and paper.
function instructions(budget) {
  const rules = budget.ballot || {};
  const type = rules.type || 'approval';
  const scale = budgetScale(budget);
  const money = (v) => formatUnits(toUnits(v, scale), budget.currency, scale);
  const num = (v) => (v === undefined || v === null ? null : Number(v));
  const lines = [t(`paper.how.${type}`)];
  if (type !== 'choose-1') {
    const min = num(rules.min_projects);
    const max = num(rules.max_projects);
    const verb = type === 'ranked' ? 'rank' : type === 'cumulative' || type === 'scoring' ? 'give' : 'mark';
    if (min !== null && max !== null && min === max) lines.push(t(`paper.${verb}_exactly`, { n: max }));
    else if (min && max !== null) lines.push(t(`paper.${verb}_between`, { min, max, n: max }));
    else if (max !== null) lines.push(t(`paper.${verb}_at_most`, { n: max }));
    else if (min) lines.push(t(`paper.${verb}_at_least`, { n: min }));
  }
  if (rules.max_cost !== undefined) lines.push(t('paper.max_cost', { amount: money(rules.max_cost) }));
  else if (type === 'knapsack') lines.push(t('paper.max_cost', { amount: money(budget.amount) }));
  if (rules.min_cost !== undefined) lines.push(t('paper.min_cost', { amount: money(rules.min_cost) }));
  if (type === 'cumulative' || type === 'scoring') {
    if (rules.max_total_points !== undefined) lines.push(t('paper.max_total', { n: Number(rules.max_total_points) }));
    if (rules.min_total_points !== undefined) lines.push(t('paper.min_total', { n: Number(rules.min_total_points) }));
    const low = Math.max(1, num(rules.min_points) ?? 1);
    if (rules.max_points !== undefined) lines.push(t('paper.points_range', { min: low, max: Number(rules.max_points), n: Number(rules.max_points) }));
    else if (low > 1) lines.push(t('paper.min_points', { n: low }));
  }
  return lines;
}

function budgetBlock(budget, level) {
  const type = budget.ballot?.type || 'approval';
  const scale = budgetScale(budget);
  const money = (v) => formatUnits(toUnits(v, scale), budget.currency, scale);
  const column = type === 'ranked' ? 'rank' : type === 'cumulative' || type === 'scoring' ? 'points' : 'mark';
  return h('section', { class: 'paper-budget' },
    h(level, {}, budget.title || budget.id),
    h('p', { class: 'amount' }, t('ballot.budget', { amount: money(budget.amount) })),
    h('ul', { class: 'paper-rules' }, instructions(budget).map((line) => h('li', {}, line))),
    h('table', { class: `paper-projects ${column}` },
      h('thead', {}, h('tr', {}, h('th', { class: 'box-col', scope: 'col' }, t(`paper.col_${column}`)),
        h('th', { scope: 'col' }, t('paper.col_project')), h('th', { class: 'num', scope: 'col' }, t('paper.col_cost')))),
      h('tbody', {}, budget.projects.map((p) => h('tr', {},
        h('td', { class: 'box-col' }, h('span', { class: `mark-box ${column}`, 'aria-hidden': 'true' })),
        h('td', {}, h('span', { class: 'pname' }, p.name || p.id), p.description ? h('span', { class: 'pdesc' }, p.description) : null),
        h('td', { class: 'num' }, money(p.cost)))))));
}

// The budgets of the sheet in definition order; those sharing a heading together, "vote in only one".
function budgetsOf(def, ids) {
  const budgets = def.budgets.filter((b) => ids.includes(b.id));
  const out = [];
  const done = new Set();
  for (const b of budgets) {
    if (done.has(b.id)) continue;
    if (!b.heading) {
      out.push(budgetBlock(b, 'h3'));
      done.add(b.id);
      continue;
    }
    const group = budgets.filter((x) => x.heading === b.heading);
    group.forEach((x) => done.add(x.id));
    if (group.length === 1) {
      out.push(budgetBlock(b, 'h3'));
      continue;
    }
    const heading = (def.headings || []).find((x) => x.id === b.heading);
    out.push(h('section', { class: 'paper-heading' },
      h('h3', {}, heading?.title || b.heading),
      h('p', { class: 'only-one' }, t('paper.only_one', { n: group.length })),
      group.map((x) => budgetBlock(x, 'h4'))));
  }
  return out;
}

function sheet(def, batch, serial) {
  const id = `sheet-${serial}`;
  const ids = batch.budgets?.length ? batch.budgets : def.budgets.filter((b) => !b.area).map((b) => b.id);
  return h('article', { class: 'paper-sheet', id, 'aria-labelledby': `${id}-h` },
    h('header', { class: 'paper-head' },
      h('div', { class: 'paper-what' },
        h('p', { class: 'paper-kind' }, t('paper.ballot')),
        h('h2', { id: `${id}-h` }, def.title),
        batch.area ? h('p', { class: 'paper-area' }, t('paper.area', { area: batch.area })) : null),
      h('div', { class: 'paper-serial' },
        qrSvg(serial, t('paper.qr_label', { serial })),
        h('p', { class: 'serial-label' }, t('paper.serial')),
        h('p', { class: 'serial mono' }, serial))),
    h('p', { class: 'paper-intro' }, t(ids.length > 1 ? 'paper.intro_many' : 'paper.intro', { n: ids.length })),
    budgetsOf(def, ids),
    h('p', { class: 'paper-finish' }, t('paper.finish')));
}

async function start() {
  const params = hashParams();
  const slug = params.get('p') || '';
  const number = params.get('batch') || '';
  if (!slug || !/^\d+$/.test(number)) return show(h('h1', {}, t('paper.title')), h('p', { class: 'error' }, t('paper.bad_link')));
  if (!token) return signIn();
  const call = (path) => api('GET', path, { token });
  const [batch, process] = await Promise.all([call(`/processes/${enc(slug)}/paper/batches/${enc(number)}`), call(`/processes/${enc(slug)}`)]);
  if (batch.status === 401 || process.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    token = '';
    return signIn(t('admin.bad_token'));
  }
  if (!batch.ok || !process.ok) {
    return show(h('h1', {}, t('paper.title')), h('p', { class: 'error', role: 'alert' }, errorText(batch.error || process.error)),
      h('p', {}, h('a', { href: `/admin#/p/${enc(slug)}` }, t('paper.back'))));
  }
  const b = batch.data;
  if (b.language && LANGUAGES[b.language]) await loadLang(b.language);
  // The sheets in the batch's language: its texts where translated, else the definition's own.
  const def = localize(process.data.definition, b.language || process.data.definition.languages?.[0]);
  useRegionOf(def);
  const serials = b.serials || [];
  document.title = `${t('paper.title_batch', { batch: b.batch ?? number })} · ${def.title}`;
  show(
    h('div', { class: 'no-print paper-tools' },
      h('h1', {}, t('paper.title_batch', { batch: b.batch ?? number })),
      h('p', {}, t('paper.about', { n: serials.length, area: b.area || t('admin.no_area'), language: LANGUAGES[b.language] || b.language || '' })),
      h('p', { class: 'hint' }, t('paper.print_hint')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn', id: 'print', onclick: () => window.print() }, t('paper.print')),
        h('a', { class: 'btn secondary', href: `/admin#/p/${enc(slug)}` }, t('paper.back')))),
    h('div', { class: 'paper-sheets' }, serials.map((serial) => sheet(def, b, serial))));
}

window.addEventListener('hashchange', start);
loadLang(preferredLang()).then(start);
