// The organizer pages, /admin: sign in with the organizer token (kept for the
// tab in sessionStorage), list processes, create, import or edit one, make
// voter codes with a printable QR sheet, open, close, publish, live turnout.
// Views by location hash: #/ list, #/new, #/edit/<slug>, #/p/<slug>.
import { $, api, fill, errorText, focusView, h, startI18n, t } from './common.js';
import { newDefinition, processForm } from './admin-form.js';
import { codeSheet, parseCodes } from './codes.js';

const TOKEN_KEY = 'psephos-token';
const POLL_MS = 3000;
const main = $('#main');
let token = sessionStorage.getItem(TOKEN_KEY) || '';
let poll = null;
let flash = '';  // one message for the next view
const sheets = new Map();  // slug -> code sheets made in this tab (the API sends codes once)

const go = (hash) => {
  if (location.hash === hash) route();
  else location.hash = hash;
};
const enc = encodeURIComponent;
const call = (method, path, options = {}) => api(method, path, { ...options, token });

async function route() {
  clearInterval(poll);
  poll = null;
  if (!token) return login();
  const [, view = '', slug = ''] = (location.hash || '#/').split('/').map(decodeURIComponent);
  if (view === 'new') return formView(null);
  if (view === 'edit' && slug) return formView(slug);
  if (view === 'p' && slug) return detailView(slug);
  return listView();
}

function show(...content) {
  fill(main, content);
  focusView(main.querySelector('h1'));
}

function flashMessage() {
  const p = h('p', { class: 'notice', role: 'status', id: 'flash' }, flash);
  const shown = flash;
  flash = '';
  return shown ? p : null;
}

// --- sign in ---------------------------------------------------------------------

function login(message = '') {
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'off', 'aria-describedby': 'token-hint token-error' });
  show(h('h1', {}, t('admin.title')),
    h('form', { class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      token = input.value.trim();
      const r = await call('GET', '/processes');
      if (r.status === 401 || !token) {
        token = '';
        return login(t('admin.bad_token'));
      }
      sessionStorage.setItem(TOKEN_KEY, token);
      route();
    } },
    h('label', { for: 'token' }, t('admin.token')),
    h('p', { class: 'hint', id: 'token-hint' }, t('admin.token_hint')),
    input,
    h('p', { class: 'error', id: 'token-error', role: 'alert' }, message),
    h('button', { type: 'submit', class: 'btn' }, t('admin.sign_in'))));
}

function signOut() {
  token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  go('#/');
}

// --- the list ----------------------------------------------------------------------

async function listView() {
  const r = await call('GET', '/processes');
  if (r.status === 401) return signOut();
  const processes = r.ok ? r.data.processes : [];
  const slugInput = h('input', { type: 'text', id: 'import-slug', pattern: '[a-z0-9][a-z0-9\\-]*' });
  const fileInput = h('input', { type: 'file', id: 'import-file', accept: '.pb,text/plain' });
  const importError = h('p', { class: 'error', role: 'alert', id: 'import-error' });
  show(h('h1', {}, t('admin.processes')), flashMessage(),
    r.ok ? null : h('p', { class: 'error', role: 'alert' }, errorText(r.error)),
    h('div', { class: 'actions' }, h('a', { class: 'btn', href: '#/new', id: 'new-process' }, t('admin.new')),
      h('button', { type: 'button', class: 'btn secondary', onclick: signOut }, t('admin.sign_out'))),
    processes.length ? h('ul', { class: 'process-list' }, processes.map((p) => h('li', {},
      h('a', { href: `#/p/${enc(p.slug)}`, class: 'title' }, h('strong', {}, p.title)),
      h('p', { class: 'meta' }, p.slug, ' · ', h('span', { class: `badge ${p.state}` }, t(`state.${p.state}`)), ' · ',
        t('admin.turnout_short', { voted: p.turnout.voted, codes: p.turnout.codes }))))) : h('p', {}, t('admin.none')),
    h('details', { class: 'card' }, h('summary', {}, t('admin.import')),
      h('p', { class: 'hint' }, t('admin.import_hint')),
      h('form', { onsubmit: async (e) => {
        e.preventDefault();
        const file = fileInput.files[0];
        if (!slugInput.value.trim() || !file) {
          importError.textContent = t('admin.import_missing');
          return;
        }
        const slug = slugInput.value.trim();
        const res = await call('POST', `/processes/import?slug=${enc(slug)}`, { body: await file.text(), raw: true });
        if (!res.ok) {
          importError.textContent = errorText(res.error);
          return;
        }
        flash = t('admin.imported');
        go(`#/p/${enc(slug)}`);
      } },
      h('div', { class: 'field' }, h('label', { for: 'import-slug' }, t('form.slug')), slugInput),
      h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('admin.import_file')), fileInput),
      importError,
      h('button', { type: 'submit', class: 'btn' }, t('admin.import_button')))));
}

// --- create and edit -----------------------------------------------------------------

async function formView(slug) {
  let definition = newDefinition();
  if (slug) {
    const r = await call('GET', `/processes/${enc(slug)}`);
    if (!r.ok) return show(h('h1', {}, t('admin.title')), h('p', { class: 'error' }, errorText(r.error)));
    definition = r.data.definition;
  }
  show(processForm({
    definition,
    editing: Boolean(slug),
    onCancel: () => go(slug ? `#/p/${enc(slug)}` : '#/'),
    onSave: async (d) => {
      const r = slug ? await call('PUT', `/processes/${enc(slug)}`, { body: d }) : await call('POST', '/processes', { body: d });
      if (!r.ok) return r.error.message || errorText(r.error);
      flash = t(slug ? 'admin.saved' : 'admin.created');
      go(`#/p/${enc(d.slug)}`);
      return '';
    },
  }));
}

// --- one process ------------------------------------------------------------------------

async function detailView(slug) {
  const r = await call('GET', `/processes/${enc(slug)}`);
  if (r.status === 401) return signOut();
  if (!r.ok) return show(h('h1', {}, t('admin.title')), h('p', { class: 'error' }, errorText(r.error)), h('p', {}, h('a', { href: '#/' }, t('admin.back'))));
  const p = r.data;
  const def = p.definition;
  const status = h('p', { class: 'error', role: 'alert', id: 'action-error' });
  const turnoutBox = h('div', { id: 'turnout' }, turnoutTable(p.turnout));
  const canCode = p.state === 'draft' || p.state === 'open';
  let results = null;
  if (p.state === 'closed' || p.state === 'published') {
    const res = await call('GET', `/processes/${enc(slug)}/results`);
    if (res.ok) results = res.data;
  }
  show(h('h1', { class: 'no-print' }, def.title),
    h('div', { class: 'no-print' }, flashMessage(),
      h('p', {}, def.slug, ' · ', h('span', { class: `badge ${p.state}`, id: 'state' }, t(`state.${p.state}`))),
      h('ul', {}, h('li', {}, h('a', { href: `/vote/${def.slug}` }, t('admin.voting_page'))),
        h('li', {}, h('a', { href: `/results/${def.slug}` }, t('admin.results_page'))),
        h('li', {}, h('a', { href: '#/' }, t('admin.back')))),
      h('section', { class: 'card', 'aria-labelledby': 'state-h' }, h('h2', { id: 'state-h' }, t('admin.state_h')),
        h('p', {}, t(`admin.state_help.${p.state}`)), stateActions(p, status), status),
      canCode ? codesForm(def, slug) : null),
    (sheets.get(slug) || []).map((s) => s.element),
    h('section', { class: 'card no-print', 'aria-labelledby': 'turnout-h' }, h('h2', { id: 'turnout-h' }, t('admin.turnout')),
      p.state === 'open' ? h('p', { class: 'hint' }, t('admin.live')) : null, turnoutBox),
    results ? resultsSummary(def, results) : null);
  if (p.state === 'open') {
    poll = setInterval(async () => {
      const tr = await call('GET', `/processes/${enc(slug)}/turnout`);
      if (tr.ok && document.contains(turnoutBox)) turnoutBox.replaceChildren(turnoutTable(tr.data));
    }, POLL_MS);
  }
}

function stateActions(p, status) {
  const slug = p.slug;
  const act = async (action) => {
    status.textContent = '';
    const r = await call('POST', `/processes/${enc(slug)}/${action}`);
    if (!r.ok) {
      status.textContent = errorText(r.error);
      return;
    }
    flash = t(`admin.done.${action}`);
    route();
  };
  // A second, explicit step before each change of state.
  const confirmable = (action, label, question) => {
    const box = h('div', { class: 'actions', hidden: true, id: `confirm-${action}` },
      h('p', {}, question),
      h('button', { type: 'button', class: 'btn danger', id: `yes-${action}`, onclick: () => act(action) }, t('admin.yes', { action: label })),
      h('button', { type: 'button', class: 'btn secondary', onclick: () => {
        box.hidden = true;
        button.focus();
      } }, t('form.cancel')));
    const button = h('button', { type: 'button', class: 'btn', id: `do-${action}`, onclick: () => {
      box.hidden = false;
      box.querySelector('.danger').focus();
    } }, label);
    return [button, box];
  };
  if (p.state === 'draft') {
    return h('div', {}, h('div', { class: 'actions' }, h('a', { class: 'btn secondary', href: `#/edit/${enc(slug)}`, id: 'edit' }, t('admin.edit'))),
      confirmable('open', t('admin.open'), t('admin.confirm_open')));
  }
  if (p.state === 'open') return h('div', {}, confirmable('close', t('admin.close'), t('admin.confirm_close')));
  if (p.state === 'closed') return h('div', {}, confirmable('publish', t('admin.publish'), t('admin.confirm_publish')));
  if (p.state === 'published') return h('p', {}, h('a', { href: `/api/v1/processes/${enc(slug)}/bundle`, download: `${slug}-bundle.json` }, t('results.bundle')));
  return null;
}

function codesForm(def, slug) {
  const groups = def.groups || [];
  const group = groups.length ? h('select', { id: 'code-group' }, groups.map((g) => h('option', { value: g }, g))) : null;
  const count = h('input', { type: 'number', id: 'code-count', min: 1, max: 100000, value: 25, inputmode: 'numeric' });
  const error = h('p', { class: 'error', role: 'alert', id: 'codes-error' });
  return h('section', { class: 'card', 'aria-labelledby': 'codes-h' }, h('h2', { id: 'codes-h' }, t('codes.title')),
    h('p', { class: 'hint' }, t('codes.help')),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      const body = { count: Number(count.value), group: group ? group.value : '' };
      const made = await call('POST', `/processes/${enc(slug)}/codes`, { body });
      if (!made.ok) {
        error.textContent = errorText(made.error);
        return;
      }
      const csv = await call('GET', made.data.download.replace(/^\/api\/v1/, ''));
      if (!csv.ok) {
        error.textContent = errorText(csv.error);
        return;
      }
      const codes = parseCodes(csv.data);
      const element = codeSheet({ title: def.title, slug, group: body.group, codes, csv: csv.data });
      sheets.set(slug, [...(sheets.get(slug) || []), { element }]);
      flash = t('codes.made', { n: codes.length });
      await detailView(slug);
      element.querySelector('h2')?.focus();
    } },
    h('div', { class: 'grid2' },
      group ? h('div', { class: 'field' }, h('label', { for: 'code-group' }, t('codes.group')), group) : null,
      h('div', { class: 'field' }, h('label', { for: 'code-count' }, t('codes.count')), count)),
    error,
    h('button', { type: 'submit', class: 'btn', id: 'make-codes' }, t('codes.make'))));
}

function turnoutTable(tu) {
  const pct = (a, b) => (b ? Math.round((1000 * a) / b) / 10 : 0);
  const rows = Object.entries(tu.by_group || {});
  return h('div', {},
    h('p', { class: 'total', id: 'turnout-total' }, t('admin.turnout_total', { voted: tu.voted, codes: tu.codes, pct: pct(tu.voted, tu.codes) })),
    rows.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, t('codes.group')), h('th', { class: 'num' }, t('admin.codes')),
      h('th', { class: 'num' }, t('admin.voted')), h('th', { class: 'num' }, '%'))),
    h('tbody', {}, rows.map(([g, v]) => h('tr', {}, h('td', {}, g), h('td', { class: 'num' }, v.codes), h('td', { class: 'num' }, v.voted),
      h('td', { class: 'num' }, `${pct(v.voted, v.codes)}%`))))) : null);
}

function resultsSummary(def, results) {
  return h('section', { class: 'card no-print', 'aria-labelledby': 'res-h' }, h('h2', { id: 'res-h' }, t('admin.results')),
    results.budgets.map((r) => {
      const b = def.budgets.find((x) => x.id === r.budget);
      const names = new Map((b?.projects || []).map((p) => [p.id, p.name]));
      return h('p', {}, h('strong', {}, `${b?.title || r.budget}: `), r.outcome.selected.map((id) => names.get(id) || id).join(', ') || t('results.none_funded'));
    }));
}

window.addEventListener('hashchange', route);
startI18n(() => route().then(() => $('#lang')?.focus())).then(route);
