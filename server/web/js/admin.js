// The organizer pages, /admin: sign in with an account (a session cookie the
// page cannot read, and its CSRF token kept here in memory), or with the
// organizer token (kept for the tab in sessionStorage) to make the first
// account; list processes, create, import or edit one, make
// voter codes (per group and area) with a printable QR sheet, open, close,
// publish, live turnout (per group, area, budget, heading and channel), sign in
// kiosk and clerk devices, print paper ballots and settle the sheets two
// clerks read differently; the cycle's phases (owners) and the funded
// projects' milestones (editors).
// Views by location hash: #/ list, #/new, #/edit/<slug>, #/p/<slug>.
import { $, LANGUAGES, api, currentLang, fill, errorText, focusView, formatNumber, h, has, localize, startI18n, stringsOf, t, useRegionOf, useStrings } from './common.js';
import { newDefinition, processForm } from './admin-form.js';
import { codeSheet, parseCodes } from './codes.js';
import { areaSelect, devicesPanel, paperPanel, unresolvedSerials } from './admin-inperson.js';
import { windowPanel } from './admin-window.js';
import { phasesPanel } from './admin-phases.js';
import { milestonesPanel } from './admin-milestones.js';
import { firstAccountCard, logPanel, organizersPanel, passwordCard, signInForm } from './admin-accounts.js';

useStrings('staff');  // the admin, paper and clerk strings
useStrings('results');  // rules and results, shared with the results page
useStrings('progress');  // milestones' statuses and projects' stages, shared with the progress page

const TOKEN_KEY = 'psephos-token';
const POLL_MS = 3000;
const TALLY_POLL_MS = 1000;  // while the server counts after a close
const main = $('#main');
let token = sessionStorage.getItem(TOKEN_KEY) || '';
let session = null;  // {account, csrf} once signed in with an account
let sessionChecked = false;  // asked the server once whether this browser has a session
let accountsExist = false;  // else the first start: only the token signs in
let poll = null;
let flash = '';  // one message for the next view
const sheets = new Map();  // slug -> code sheets made in this tab (the API sends codes once)
let refreshPaper = null;  // the paper panel's refresh, while one is shown

const go = (hash) => {
  if (location.hash === hash) route();
  else location.hash = hash;
};
const enc = encodeURIComponent;
const call = (method, path, options = {}) => api(method, path, { ...options, token, csrf: session?.csrf });

async function route() {
  clearInterval(poll);
  poll = null;
  refreshPaper = null;
  if (!sessionChecked && !token) {
    sessionChecked = true;
    const r = await api('GET', '/session');
    if (r.ok) session = r.data;
    accountsExist = r.ok || Boolean(r.data?.accounts_exist);
  }
  if (!token && !session) return login();
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

function signedIn(data) {
  session = data;
  accountsExist = true;
  token = '';  // the account from now on; the token stays for scripts
  sessionStorage.removeItem(TOKEN_KEY);
  route();
}

function login(message = '', accountMessage = '') {
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'off', 'aria-describedby': 'token-hint token-error' });
  const tokenForm = h('form', { class: accountsExist ? null : 'card', id: 'token-form', onsubmit: async (e) => {
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
  h('button', { type: 'submit', class: 'btn' }, t('admin.sign_in')));
  // At first start only the token signs in (to make the first account); then accounts do.
  show(h('h1', {}, t('admin.title')),
    accountsExist ? signInForm({ api, onSignedIn: signedIn, message: accountMessage }) : null,
    accountsExist ? h('details', { class: 'card', id: 'token-details', open: Boolean(message) },
      h('summary', {}, t('admin.accounts.token_h')), tokenForm) : tokenForm);
}

async function signOut() {
  if (session) await call('DELETE', '/session');
  session = null;
  token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  go('#/');
}

// A request refused for want of a sign-in: back to the sign-in form, saying why.
function signedOut(r) {
  if (r.status !== 401) return false;
  const ended = Boolean(session);
  session = null;
  token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  login('', ended ? t('admin.accounts.error.session_expired') : '');
  return true;
}

// Who is signed in, and a way out.
const whoLine = () => (session ? h('p', { class: 'signed-in', id: 'signed-in' }, t('admin.accounts.signed_in_as', { name: session.account.name })) : null);

// --- the list ----------------------------------------------------------------------

async function listView() {
  const r = await call('GET', '/processes');
  if (signedOut(r)) return;
  const processes = r.ok ? r.data.processes : [];
  // The token's holder while no account exists: make the first one.
  const accounts = token ? await call('GET', '/accounts') : null;
  const first = accounts?.ok && !accounts.data.accounts.length ? firstAccountCard({ api, token, onSignedIn: signedIn }) : null;
  const admin = Boolean(token || session?.account.admin);
  const slugInput = h('input', { type: 'text', id: 'import-slug', pattern: '[a-z0-9][a-z0-9\\-]*' });
  const fileInput = h('input', { type: 'file', id: 'import-file', accept: '.pb,text/plain' });
  const importError = h('p', { class: 'error', role: 'alert', id: 'import-error' });
  show(h('h1', {}, t('admin.processes')), whoLine(), flashMessage(),
    r.ok ? null : h('p', { class: 'error', role: 'alert' }, errorText(r.error)),
    first,
    h('div', { class: 'actions' }, admin ? h('a', { class: 'btn', href: '#/new', id: 'new-process' }, t('admin.new')) : null,
      h('button', { type: 'button', class: 'btn secondary', onclick: signOut }, t('admin.sign_out'))),
    processes.length ? h('ul', { class: 'process-list' }, processes.map((p) => h('li', {},
      h('a', { href: `#/p/${enc(p.slug)}`, class: 'title' }, h('strong', {}, p.title)),
      h('p', { class: 'meta' }, p.slug, ' · ', h('span', { class: `badge ${p.state}` }, t(`state.${p.state}`)), ' · ',
        t('admin.turnout_short', { voted: p.turnout.voted, codes: p.turnout.codes }))))) : h('p', {}, t('admin.none')),
    !admin ? null : h('details', { class: 'card' }, h('summary', {}, t('admin.import')),
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
      h('button', { type: 'submit', class: 'btn' }, t('admin.import_button')))),
    session ? passwordCard({ call }) : null);
}

// --- create and edit -----------------------------------------------------------------

// A photo larger than the server takes (1 MiB by default) is made smaller here
// first; the server decodes, resizes and strips it whatever it gets.
async function shrink(file, limit = 1 << 20) {
  if (file.size <= limit || !window.createImageBitmap) return file;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 2048 / Math.max(bitmap.width, bitmap.height));
    const canvas = h('canvas', { width: Math.round(bitmap.width * scale), height: Math.round(bitmap.height * scale) });
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return await new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), 'image/jpeg', 0.85));
  } catch {
    return file;  // not a picture the browser reads: the server says why
  }
}

// Sends a picture (a project's, a milestone's): {ok, data: {image}} or {ok: false, error: {text}}.
async function uploadPicture(file) {
  const body = await shrink(file);
  const r = await call('POST', '/images', { body, raw: true, type: body.type || 'application/octet-stream' });
  const own = `admin.texts.error.${r.error?.code}`;  // why a picture is refused, in the page's language
  return r.ok ? r : { ...r, error: { ...r.error, text: has(own) ? t(own) : errorText(r.error) } };
}

async function formView(slug) {
  let definition = newDefinition();
  let correcting = false;
  if (slug) {
    const r = await call('GET', `/processes/${enc(slug)}`);
    if (!r.ok) return show(h('h1', {}, t('admin.title')), h('p', { class: 'error' }, errorText(r.error)));
    definition = r.data.definition;
    correcting = r.data.state === 'open';
  }
  show(processForm({
    definition,
    editing: Boolean(slug),
    correcting,
    onCancel: () => go(slug ? `#/p/${enc(slug)}` : '#/'),
    onUpload: uploadPicture,
    onSave: async (d, by) => {
      const put = `/processes/${enc(slug)}${correcting && by ? `?by=${enc(by)}` : ''}`;
      const r = slug ? await call('PUT', put, { body: d }) : await call('POST', '/processes', { body: d });
      const atField = r.error?.code === 'invalid_definition' || r.error?.code === 'not_correctable';
      if (!r.ok) return atField ? r.error : { ...r.error, text: errorText(r.error) };
      flash = t(slug ? 'admin.saved' : 'admin.created');
      go(`#/p/${enc(d.slug)}`);
      return '';
    },
  }));
}

// --- one process ------------------------------------------------------------------------

async function detailView(slug) {
  const r = await call('GET', `/processes/${enc(slug)}`);
  if (signedOut(r)) return;
  if (!r.ok) return show(h('h1', {}, t('admin.title')), h('p', { class: 'error' }, errorText(r.error)), h('p', {}, h('a', { href: '#/' }, t('admin.back'))));
  const p = r.data;
  // A small process is often counted before this page asks: then say so.
  if (flash === t('admin.done.close_counting') && p.state !== 'tallying') flash = t('admin.done.close');
  const def = p.definition;
  useRegionOf(def);  // numbers and dates as written where its money is spent
  const status = h('p', { class: 'error', role: 'alert', id: 'action-error' });
  const turnoutBox = h('div', { id: 'turnout' }, turnoutTable(p.turnout, def));
  // What the organizer's role lets them do here (the server checks it again).
  const role = p.role || 'owner';
  const canCode = (p.state === 'draft' || p.state === 'open') && role !== 'observer';
  const paper = paperPanel({ def, slug, state: p.state, call });
  const devices = devicesPanel({ slug, state: p.state, call });
  const owner = role === 'owner';
  const organizers = owner ? organizersPanel({ slug, call, me: session?.account }) : null;
  const log = owner ? logPanel({ slug, call, locale: currentLang() }) : null;
  const phases = owner ? phasesPanel({ slug, call }) : null;
  // Milestones of the funded projects: editors, once counted (recorded once published).
  const counted = p.state === 'closed' || p.state === 'published';
  const milestones = counted && role !== 'observer' ? milestonesPanel({ slug, def, state: p.state, call, upload: uploadPicture }) : null;
  let results = null;
  if (p.state === 'closed' || p.state === 'published') {
    const res = await call('GET', `/processes/${enc(slug)}/results`);
    if (res.ok) results = res.data;
  }
  show(h('h1', { class: 'no-print' }, def.title),
    h('div', { class: 'no-print' }, flashMessage(),
      whoLine(),
      h('p', {}, def.slug, ' · ', h('span', { class: `badge ${p.state}`, id: 'state' }, t(`state.${p.state}`))),
      session ? h('p', { id: 'my-role' }, t('admin.accounts.your_role', { role: t(`admin.accounts.role.${role}`) })) : null,
      h('ul', {}, h('li', {}, h('a', { href: `/vote/${def.slug}` }, t('admin.voting_page'))),
        p.state === 'draft' || p.state === 'open' ? h('li', {}, h('a', { href: `/vote/${def.slug}?preview`, id: 'preview-link' }, t('admin.preview'))) : null,
        h('li', {}, h('a', { href: `/results/${def.slug}` }, t('admin.results_page'))),
        h('li', {}, h('a', { href: `/review/${def.slug}`, id: 'review-link' }, t('committee.review_link'))),
        h('li', {}, h('a', { href: '#/' }, t('admin.back')))),
      h('section', { class: 'card', 'aria-labelledby': 'state-h' }, h('h2', { id: 'state-h' }, t('admin.state_h')),
        h('p', {}, t(`admin.state_help.${p.state}`)), owner ? stateActions(p, status) : editLink(p, role), status),
      owner ? windowPanel({ slug, state: p.state, schedule: p.schedule, call }) : null,
      phases?.element,
      canCode ? codesForm(def, slug) : null),
    (sheets.get(slug) || []).map((s) => s.element),
    h('section', { class: 'card no-print', 'aria-labelledby': 'turnout-h' }, h('h2', { id: 'turnout-h' }, t('admin.turnout')),
      p.state === 'open' ? h('p', { class: 'hint' }, t('admin.live')) : null, turnoutBox,
      h('div', { class: 'actions' }, csvButton('turnout-csv', t('results.turnout_csv'), `/processes/${enc(slug)}/turnout.csv`, `${slug}-turnout.csv`))),
    role !== 'observer' ? [devices.element, paper.element] : null,  // observers read turnout and results
    results ? resultsSummary(def, results, slug) : null,
    milestones?.element,
    organizers?.element, log?.element);
  refreshPaper = paper.refresh;
  await Promise.all([paper.refresh(), organizers?.refresh(), log?.refresh(), phases?.refresh(), milestones?.refresh()]);
  if (p.state === 'tallying') {
    // The count runs on the server: look again until it is done, then show the results.
    poll = setInterval(async () => {
      const now = await call('GET', `/processes/${enc(slug)}`);
      if (!now.ok || now.data.state === 'tallying' || !document.contains(turnoutBox)) return;
      clearInterval(poll);
      if (now.data.state === 'closed') flash = t('admin.done.close');
      await detailView(slug);
    }, TALLY_POLL_MS);
  }
  if (p.state === 'open') {
    poll = setInterval(async () => {
      const tr = await call('GET', `/processes/${enc(slug)}/turnout`);
      if (tr.ok && document.contains(turnoutBox)) turnoutBox.replaceChildren(turnoutTable(tr.data, def));
      if (document.contains(paper.element)) paper.refresh({ quiet: true });
      // What each device did, live (not while the organizer is revoking one).
      if (document.contains(devices.element) && !devices.element.contains(document.activeElement)) devices.refresh();
    }, POLL_MS);
  }
}

// An editor edits a draft; opening, closing and publishing are the owners'.
function editLink(p, role) {
  return role === 'editor' && p.state === 'draft'
    ? h('div', { class: 'actions' }, h('a', { class: 'btn secondary', href: `#/edit/${enc(p.slug)}`, id: 'edit' }, t('admin.edit'))) : null;
}

function stateActions(p, status) {
  const slug = p.slug;
  const act = async (action) => {
    status.textContent = '';
    // A close answers once it is on disk (202, "tallying"); the count follows.
    const r = await call('POST', `/processes/${enc(slug)}/${action}`, action === 'close' ? { prefer: 'respond-async' } : {});
    if (!r.ok) {
      if (r.error.code === 'paper_unresolved') {
        // Sheets still waiting for a second clerk or for the organizer: say which, and where to settle them.
        const serials = unresolvedSerials(r.error);
        status.replaceChildren(t('admin.paper_unresolved', { n: serials.length || 1 }), ' ',
          serials.length ? h('span', { class: 'mono' }, serials.join(', ')) : null, ' ',
          h('a', { href: '#paper-h', onclick: (e) => {
            e.preventDefault();
            focusView($('#paper-h'));
            $('#paper-h')?.scrollIntoView();
          } }, t('admin.paper_unresolved_go')));
        for (const b of status.parentElement.querySelectorAll('[id^=confirm-]')) b.hidden = true;
        await refreshPaper?.();
        return;
      }
      status.textContent = errorText(r.error);
      return;
    }
    flash = t(r.status === 202 ? 'admin.done.close_counting' : `admin.done.${action}`);
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
  if (p.state === 'open') {
    return h('div', {}, h('div', { class: 'actions' }, h('a', { class: 'btn secondary', href: `#/edit/${enc(slug)}`, id: 'correct' }, t('admin.texts.correct'))),
      confirmable('close', t('admin.close'), t('admin.confirm_close')));
  }
  if (p.state === 'closed') return h('div', {}, confirmable('publish', t('admin.publish'), t('admin.confirm_publish')));
  if (p.state === 'published') return h('p', {}, h('a', { href: `/api/v1/processes/${enc(slug)}/bundle`, download: `${slug}-bundle.json` }, t('results.bundle')));
  return null;
}

function codesForm(def, slug) {
  const groups = def.groups || [];
  const group = groups.length ? h('select', { id: 'code-group' }, groups.map((g) => h('option', { value: g }, g))) : null;
  const area = areaSelect(def, 'code-area');
  const count = h('input', { type: 'number', id: 'code-count', min: 1, max: 100000, value: 25, inputmode: 'numeric' });
  const languages = def.languages?.length ? def.languages : ['en'];
  const language = languages.length > 1 ? h('select', { id: 'code-language' },
    languages.map((l) => h('option', { value: l }, LANGUAGES[l] || l))) : null;
  const error = h('p', { class: 'error', role: 'alert', id: 'codes-error' });
  return h('section', { class: 'card', 'aria-labelledby': 'codes-h' }, h('h2', { id: 'codes-h' }, t('codes.title')),
    h('p', { class: 'hint' }, t('codes.help')),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      const body = { count: Number(count.value), group: group ? group.value : '' };
      if (area?.value) body.area = area.value;
      if (language) body.language = language.value;
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
      const forget = () => call('DELETE', made.data.download.replace(/^\/api\/v1/, ''));
      // The cards in the batch's language: its strings and the process's texts in it.
      const printed = made.data.language || languages[0];
      const texts = localize(structuredClone(def), printed);
      const element = codeSheet({ title: texts.title, slug, group: body.group, area: body.area, codes, csv: csv.data, forget,
        language: printed, t: await stringsOf(printed) });
      sheets.set(slug, [...(sheets.get(slug) || []), { element }]);
      flash = t('codes.made', { n: codes.length });
      await detailView(slug);
      element.querySelector('h2')?.focus();
    } },
    h('div', { class: 'grid2' },
      group ? h('div', { class: 'field' }, h('label', { for: 'code-group' }, t('codes.group')), group) : null,
      area ? h('div', { class: 'field' }, h('label', { for: 'code-area' }, t('admin.area')), area) : null,
      h('div', { class: 'field' }, h('label', { for: 'code-count' }, t('codes.count')), count),
      language ? h('div', { class: 'field' }, h('label', { for: 'code-language' }, t('admin.texts.codes_language')), language) : null),
    area ? h('p', { class: 'hint' }, t('admin.area_help')) : null,
    error,
    h('button', { type: 'submit', class: 'btn', id: 'make-codes' }, t('codes.make'))));
}

const pct = (a, b) => (b ? Math.round((1000 * a) / b) / 10 : 0);

// Turnout: codes used per group and area, ballots per budget, heading and channel.
function turnoutTable(tu, def = {}) {
  const budgetTitle = new Map((def.budgets || []).map((b) => [b.id, b.title || b.id]));
  const headingTitle = new Map((def.headings || []).map((x) => [x.id, x.title || x.id]));
  // Codes made and used, and the ballots that count (paper ballots carry an area but no group).
  const codesTable = (id, caption, head, all) => {
    const entries = all.filter(([, v]) => v.codes || v.voted || v.ballots);
    if (!entries.length) return null;
    return h('table', { id },
      h('caption', {}, caption),
      // Four columns (the share beside the count, on its own line) so a group's name keeps its words at 360 px.
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, head), h('th', { class: 'num', scope: 'col' }, t('admin.codes')),
        h('th', { class: 'num', scope: 'col' }, t('admin.voted')), h('th', { class: 'num', scope: 'col' }, t('admin.ballots')))),
      h('tbody', {}, entries.map(([g, v]) => h('tr', {}, h('th', { scope: 'row' }, g), h('td', { class: 'num' }, v.codes),
        h('td', { class: 'num' }, v.voted, h('span', { class: 'share' }, v.codes ? `${pct(v.voted, v.codes)}%` : '–')),
        h('td', { class: 'num' }, v.ballots ?? '')))));
  };
  const countTable = (id, caption, head, entries) => (entries.length ? h('table', { id },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, head), h('th', { class: 'num', scope: 'col' }, t('admin.ballots')))),
    h('tbody', {}, entries.map(([label, n]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: 'num' }, n))))) : null);
  const channels = Object.entries(tu.by_channel || {});
  return h('div', { class: 'turnout-tables' },
    h('p', { class: 'total', id: 'turnout-total' }, t('admin.turnout_total', { voted: tu.voted, codes: tu.codes, pct: pct(tu.voted, tu.codes) })),
    tu.ballots !== undefined ? h('p', { id: 'turnout-ballots' }, t('admin.turnout_ballots', { n: tu.ballots })) : null,
    tu.walk_ins ? h('p', { id: 'turnout-walk-ins' }, t('admin.turnout_walk_ins', { n: tu.walk_ins })) : null,
    codesTable('turnout-groups', t('admin.by_group'), t('codes.group'),
      Object.entries(tu.by_group || {}).map(([g, v]) => [g === '(none)' || g === '' ? t('codes.no_group')
        : g === '(walk-in)' ? t('admin.walk_ins_group') : g, v])),
    codesTable('turnout-areas', t('admin.by_area'), t('admin.area'),
      Object.entries(tu.by_area || {}).map(([a, v]) => [a === '(none)' || a === '' ? t('admin.no_area') : a, v])),
    countTable('turnout-budgets', t('admin.by_budget'), t('admin.budget'),
      Object.entries(tu.by_budget || {}).map(([id, n]) => [budgetTitle.get(id) || id, n])),
    countTable('turnout-headings', t('admin.by_heading'), t('admin.heading'),
      Object.entries(tu.by_heading || {}).map(([id, n]) => [headingTitle.get(id) || id, n])),
    channels.length ? countTable('turnout-channels', t('admin.by_channel'), t('admin.channel'),
      channels.map(([c, n]) => [channelName(c), n])) : null);
}

const channelName = (c) => (['online', 'kiosk', 'paper'].includes(c) ? t(`admin.channel.${c}`) : c);

// A CSV of the organizer API (it needs the token, so no plain link): fetched, then saved as a file.
function csvButton(id, label, path, filename) {
  const status = h('span', { class: 'error', role: 'alert' });
  return [h('button', { type: 'button', class: 'btn secondary', id, onclick: async () => {
    status.textContent = '';
    const r = await call('GET', path);
    if (!r.ok) {
      status.textContent = errorText(r.error);
      return;
    }
    const a = h('a', { href: URL.createObjectURL(new Blob([r.data], { type: 'text/csv' })), download: filename, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  } }, label), status];
}

function resultsSummary(def, results, slug) {
  return h('section', { class: 'card no-print', 'aria-labelledby': 'res-h' }, h('h2', { id: 'res-h' }, t('admin.results')),
    h('div', { class: 'actions' }, csvButton('results-csv', t('results.csv'), `/processes/${enc(slug)}/results.csv`, `${slug}-results.csv`)),
    results.budgets.map((r) => {
      const b = def.budgets.find((x) => x.id === r.budget);
      const names = new Map((b?.projects || []).map((p) => [p.id, p.name]));
      const channels = Object.entries(r.by_channel || {}).filter(([, n]) => n > 0);
      return h('div', { class: 'result-budget' },
        h('p', {}, h('strong', {}, `${b?.title || r.budget}: `), (r.outcome?.selected || []).map((id) => names.get(id) || id).join(', ') || t('results.none_funded')),
        r.ballots !== undefined ? h('p', { class: 'hint', id: `res-${r.budget}-ballots` }, t('admin.result_ballots', { n: r.ballots }),
          channels.length ? ` (${channels.map(([c, n]) => `${channelName(c)}: ${n}`).join(', ')})` : '') : null,
        r.report ? reportSummary(r, `res-${r.budget}-report`) : null);
    }));
}

// Who got what, as soon as the count ends: the results page says it in full.
function reportSummary(r, id) {
  const [mine, greedy] = r.report.outcomes;
  const rule = has(`rule.${mine.rule}`) ? t(`rule.${mine.rule}`) : mine.rule;
  const share = (v) => formatNumber(100 * v.nothing_funded_share, 0);
  return h('p', { id }, t('results.report_summary', { rule, none: share(mine.voters), avg: formatNumber(mine.voters.average_funded, 2) }),
    greedy ? ` ${t('results.report_greedy', { none: share(greedy.voters), avg: formatNumber(greedy.voters.average_funded, 2) })}` : '');
}

window.addEventListener('hashchange', route);
startI18n(() => route().then(() => $('#lang')?.focus())).then(route);
