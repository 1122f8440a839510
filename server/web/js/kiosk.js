// The kiosk, /kiosk: a device the organizer signed in for supervised voting.
//
// Sign-in link: /kiosk#p=SLUG&t=TOKEN. The device's token (never a voter's)
// is kept in localStorage and leaves the address bar; every call sends it as
// "Authorization: Device <token>".
//
// Volunteer screen: the voter has a code (typed or scanned), or is a walk-in
// (area and group chosen by the volunteer) -> POST …/kiosk/session -> a one-time
// code (kept in memory, never shown) -> the voting flow (voteflow.js) -> the
// receipt -> after a countdown or "Done", the page reloads itself with
// location.replace: no DOM, script state or history entry of the voter is left,
// and nothing of the voter is ever written to storage (not even the language).
// Voter screens reset after IDLE_S seconds without input, with a warning first.
import { $, LANGUAGES, api, currentLang, errorText, fill, focusView, h, loadLang, localize, preferredLang, t, useRegionOf } from './common.js';
import { VotingFlow, eligibleIds } from './voteflow.js';
import { qrSvg } from './qr.js';

const KEY = 'psephos-kiosk';
const IDLE_S = 120;  // voter screens: reset after this long without input...
const WARN_S = 30;  // ...saying so this long before
const RECEIPT_S = 60;  // the receipt stays this long after the last input

const main = $('#main');
const langButton = $('#lang');
const endButton = $('#end');
const idleBox = $('#idle');
const state = { view: 'loading', device: null, me: null, def: null, error: null, busy: false, code: '', area: '', group: '',
  flow: null, receipt: '', confirmEnd: false };
let lastInput = Date.now();

// --- the device's token ------------------------------------------------------

function storedDevice() {
  try {
    const d = JSON.parse(localStorage.getItem(KEY) || 'null');
    return d && typeof d.slug === 'string' && typeof d.token === 'string' ? d : null;
  } catch {
    return null;
  }
}

function storeDevice(d) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ slug: d.slug, token: d.token }));
  } catch {
    /* storage off: signed in until the page reloads */
  }
}

function forgetDevice() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    /* nothing kept */
  }
}

const path = () => `/processes/${encodeURIComponent(state.device.slug)}`;
const call = (method, route, body) => api(method, `${path()}${route}`, { body, device: state.device.token });

// --- views -------------------------------------------------------------------

function show(view) {
  state.view = view;
  render(true);
}

function render(moveFocus = false) {
  const voter = state.view === 'voter' || state.view === 'receipt';
  endButton.hidden = !voter;
  endButton.textContent = t(state.confirmEnd ? 'kiosk.end_confirm' : 'kiosk.end');
  if (state.view === 'voter') return state.flow.render(moveFocus);
  const views = { loading, signedOut, failed, volunteer, receipt };
  fill(main, views[state.view]());
  if (moveFocus) focusView(main.querySelector(state.view === 'volunteer' && state.error ? '#kiosk-error' : 'h1'));
}

const loading = () => [h('p', { class: 'loading' }, t('loading'))];

function signedOut() {
  return [h('h1', {}, t('kiosk.signed_out')),
    h('p', { class: 'notice' }, t(state.error?.code === 'unauthorized' ? 'kiosk.revoked' : state.error?.code === 'wrong_role'
      ? 'kiosk.wrong_role' : 'kiosk.no_token')),
    h('p', {}, t('kiosk.sign_in_how'))];
}

function failed() {
  return [h('h1', {}, t('kiosk.title')),
    h('p', { class: 'error', role: 'alert' }, errorText(state.error)),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: connect }, t('kiosk.retry')))];
}

// The process's lists for a walk-in: areas from the ballot, groups from the device answer.
function areas() { return state.def?.areas || state.me?.process?.areas || state.me?.process?.definition?.areas || []; }
function groups() {
  const p = state.me?.process || {};
  return p.groups || p.definition?.groups || state.me?.groups ||
    Object.keys(p.turnout?.by_group || {}).filter((g) => g && g !== '(none)');
}

// The kiosk's limits (set by the organizers) say why a session may not start now.
function refusalText(error) {
  const known = ['used_code', 'unknown_code', 'election_closed', 'invalid_area', 'invalid_group', 'missing_area',
    'walk_ins_off', 'walk_ins_used_up', 'session_too_soon'];
  if (!known.includes(error.code)) return errorText(error);
  return t(`kiosk.error.${error.code}`, { used: error.walk_ins, allowance: error.walk_in_allowance,
    n: Number(error.retry_after ?? 0), min: error.session_seconds });
}

// How many walk-ins this kiosk may still start, as the server said when the page loaded.
function walkInsLeft() {
  const allowance = state.me.walk_in_allowance;
  if (typeof allowance !== 'number') return null;
  if (allowance === 0) return h('p', { class: 'notice', id: 'walk-ins-left' }, t('kiosk.walk_ins_none'));
  const left = Math.max(0, allowance - (state.me.walk_ins || 0));
  return h('p', { class: 'hint', id: 'walk-ins-left' }, t('kiosk.walk_ins_left', { n: left, allowance }));
}

function volunteer() {
  const p = state.me.process;
  const open = p.state === 'open' && state.def;
  const errorBox = h('div', { id: 'kiosk-error', class: 'error-summary', role: 'alert', tabindex: '-1', hidden: !state.error },
    h('h2', {}, t('kiosk.not_started')), h('p', {}, state.error ? refusalText(state.error) : ''));
  const head = [h('h1', {}, t('kiosk.title')),
    h('p', { class: 'lead' }, t('kiosk.device', { name: state.me.name, title: p.title }))];
  if (!open) {
    return [...head, h('p', { class: 'notice' }, t(`vote.state.${p.state}`)),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: connect }, t('kiosk.check_again')))];
  }
  const code = h('input', { id: 'vcode', name: 'vcode', type: 'text', class: 'code-input', autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: 'false', value: state.code, 'aria-describedby': 'vcode-hint', oninput: (e) => { state.code = e.target.value; } });
  const withCode = h('section', { class: 'card', 'aria-labelledby': 'with-code' },
    h('h2', { id: 'with-code' }, t('kiosk.with_code')),
    h('form', { novalidate: true, onsubmit: (e) => {
      e.preventDefault();
      const typed = codeFrom(code.value);
      if (!typed) return refuse({ code: 'empty_code', message: t('code.empty') });
      startSession({ code: typed });
    } },
    h('label', { for: 'vcode' }, t('kiosk.code_label')),
    h('p', { id: 'vcode-hint', class: 'hint' }, t('kiosk.code_hint')),
    code,
    h('button', { type: 'submit', class: 'btn', disabled: state.busy }, t('kiosk.start_code'))));
  const areaList = areas();
  const groupList = groups();
  const areaSelect = areaList.length ? h('select', { id: 'area', name: 'area', onchange: (e) => { state.area = e.target.value; } },
    h('option', { value: '' }, t('kiosk.area_choose')),
    areaList.map((a) => h('option', { value: a, selected: state.area === a }, a)),
    h('option', { value: '-', selected: state.area === '-' }, t('kiosk.area_none'))) : null;
  const groupSelect = groupList.length ? h('select', { id: 'group', name: 'group', onchange: (e) => { state.group = e.target.value; } },
    h('option', { value: '' }, t('kiosk.group_none')),
    groupList.map((g) => h('option', { value: g, selected: state.group === g }, g))) : null;
  const walkIn = h('section', { class: 'card', 'aria-labelledby': 'walk-in' },
    h('h2', { id: 'walk-in' }, t('kiosk.walk_in')),
    h('p', { class: 'hint' }, t('kiosk.walk_in_hint')),
    walkInsLeft(),
    h('form', { novalidate: true, onsubmit: (e) => {
      e.preventDefault();
      if (areaSelect && !areaSelect.value) return refuse({ code: 'missing_area' });
      const body = {};
      if (areaSelect && areaSelect.value !== '-') body.area = areaSelect.value;
      if (groupSelect?.value) body.group = groupSelect.value;
      startSession(body);
    } },
    areaSelect ? h('div', { class: 'field' }, h('label', { for: 'area' }, t('kiosk.area')), areaSelect) : null,
    groupSelect ? h('div', { class: 'field' }, h('label', { for: 'group' }, t('kiosk.group')), groupSelect) : null,
    h('button', { type: 'submit', class: 'btn', disabled: state.busy }, t('kiosk.start_walk_in'))));
  return [...head, errorBox, withCode, walkIn];
}

// A code as typed, or the code inside a scanned voting link (…/vote/slug?code=…).
function codeFrom(text) {
  const value = text.trim();
  const inLink = value.match(/[?&]code=([^&#\s]+)/);
  return inLink ? decodeURIComponent(inLink[1]) : value;
}

function refuse(error) {
  state.error = error;
  render();
  focusView($('#kiosk-error'));
}

async function startSession(body) {
  if (state.busy) return;
  state.busy = true;
  state.error = null;
  render();
  const r = await call('POST', '/kiosk/session', body);
  state.busy = false;
  if (r.status === 401) return signOut(r.error);
  if (!r.ok) return refuse(r.error);
  if (r.data.code === undefined) return refuse({ code: 'bad_answer', message: t('kiosk.bad_answer') });
  state.code = '';
  state.area = '';
  state.group = '';
  const eligible = eligibleIds(state.def, r.data);
  state.flow = new VotingFlow({ root: main, def: state.def, slug: state.device.slug, code: r.data.code, eligible, kiosk: true,
    onReceipt: (receipt) => {
      state.flow = null;
      state.receipt = receipt;
      lastInput = Date.now();
      show('receipt');
    } });
  lastInput = Date.now();
  show('voter');
}

function receipt() {
  const check = `${location.origin}/check/${state.device.slug}?receipt=${state.receipt}`;
  return [h('h1', {}, t('receipt.title')),
    h('p', { class: 'lead' }, t('receipt.intro')),
    h('div', { class: 'card' },
      h('p', { id: 'receipt-label' }, t('kiosk.receipt_label')),
      // In groups of 8 to copy by hand; the text is still the receipt, without spaces.
      h('p', { class: 'receipt chunks', id: 'receipt', 'aria-labelledby': 'receipt-label' },
        (state.receipt.match(/.{1,8}/g) || []).map((part) => h('span', {}, part))),
      h('figure', { class: 'receipt-qr' }, qrSvg(check, t('kiosk.receipt_qr')), h('figcaption', {}, t('kiosk.receipt_qr')))),
    // What the receipt reveals depends on the process's receipt mode (server/AUDIT.md).
    h('p', { id: 'receipt-reveals' }, t(state.def?.receipts === 'private' ? 'kiosk.receipt_later_private' : 'kiosk.receipt_later_verifiable',
      { link: `${location.host}/check/${state.device.slug}` })),
    h('p', { id: 'countdown', class: 'countdown' }, t('kiosk.clears_in', { n: RECEIPT_S })),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', id: 'done', onclick: reset }, t('kiosk.done')))];
}

// --- the end of a voter's turn ---------------------------------------------------

// Forgets the voter: the page loads again in place of this one (no history entry).
function reset() {
  state.flow = null;
  state.receipt = '';
  fill(main);
  idleBox.hidden = true;
  location.replace(location.pathname);
}

function signOut(error) {
  forgetDevice();
  state.flow = null;
  state.error = error || { code: 'unauthorized' };
  show('signedOut');
}

function activity() {
  lastInput = Date.now();
  if (!idleBox.hidden) idleBox.hidden = true;
}

function tick() {
  const idle = (Date.now() - lastInput) / 1000;
  if (state.view === 'voter') {
    if (idle >= IDLE_S) return reset();
    if (idle >= IDLE_S - WARN_S) {
      if (idleBox.hidden) {
        $('#idle-text').textContent = t('kiosk.idle');
        $('#idle-stay').textContent = t('kiosk.idle_stay');
        idleBox.hidden = false;
      }
      $('#idle-count').textContent = t('kiosk.clears_in', { n: Math.ceil(IDLE_S - idle) });
    }
  } else if (state.view === 'receipt') {
    if (idle >= RECEIPT_S) return reset();
    const countdown = $('#countdown');
    if (countdown) countdown.textContent = t('kiosk.clears_in', { n: Math.ceil(RECEIPT_S - idle) });
  }
}

// --- start -----------------------------------------------------------------------

async function connect() {
  state.error = null;
  if (!state.device) return show('signedOut');
  show('loading');
  const me = await call('GET', '/device');
  if (me.status === 401) return signOut(me.error);
  if (!me.ok) {
    state.error = me.error;
    return show('failed');
  }
  if (me.data.role !== 'kiosk') return signOut({ code: 'wrong_role' });
  state.me = me.data;
  state.def = null;
  if (me.data.process?.state === 'open') {
    const ballot = await api('GET', `${path()}/ballot`);
    if (!ballot.ok) {
      state.error = ballot.error;
      return show('failed');
    }
    state.def = localize(ballot.data);
    useRegionOf(ballot.data);
  }
  document.title = `${t('kiosk.title')} · ${me.data.process?.title || ''}`;
  show('volunteer');
}

function labelLang() {
  const other = currentLang() === 'en' ? 'es' : 'en';
  langButton.textContent = LANGUAGES[other];
  langButton.lang = other;
}

async function start() {
  await loadLang(preferredLang());
  // The switch is for this voter only: never remembered.
  labelLang();
  langButton.hidden = false;
  langButton.addEventListener('click', async () => {
    await loadLang(currentLang() === 'en' ? 'es' : 'en');
    localize(state.def);
    labelLang();
    render();
  });
  // "End" asks once more ("Tap again to end"), so a stray tap loses nothing.
  endButton.addEventListener('click', () => {
    if (state.confirmEnd) return reset();
    state.confirmEnd = true;
    endButton.textContent = t('kiosk.end_confirm');
    setTimeout(() => {
      state.confirmEnd = false;
      endButton.textContent = t('kiosk.end');
    }, 5000);
  });
  $('#idle-stay').addEventListener('click', activity);
  for (const type of ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart']) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  }
  setInterval(tick, 1000);

  const link = new URLSearchParams(location.hash.slice(1));
  if (link.get('p') && link.get('t')) {
    state.device = { slug: link.get('p'), token: link.get('t') };
    storeDevice(state.device);
    history.replaceState(null, '', location.pathname);  // the token leaves the address bar
  } else {
    state.device = storedDevice();
  }
  await connect();
}

start();
