// The receipt check page, /check/<slug>[?receipt=...]: finds a receipt on the
// public board, shows the ballot it names, and checks in the browser that its
// proof leads to the published head; then whether the log only grew since a
// head noted earlier (growth.js). What it shows of the ballot depends on the
// process's receipt mode (server/AUDIT.md): verifiable, the board's entry
// (ballot and whether it counted, checked to hash to the receipt); private,
// only that the receipt is in the log, and the ballot if this browser kept it
// when voting.
import { $, api, ballotKey, fill, errorText, focusView, h, localize, param, slugFromPath, startI18n, t } from './common.js';
import { canVerify, leafHash, verifyInclusion } from './merkle.js';
import { GrowthCheck } from './growth.js';

const slug = slugFromPath();
const base = `/processes/${encodeURIComponent(slug)}`;
const main = $('#main');
const state = { receipt: param('receipt') || '', result: null, error: null, verified: null, busy: false, local: null, forgotten: false };
let ballot = null;
const growth = new GrowthCheck(slug, () => render(), () => focusView($('#growth-outcome')));

const isPrivate = () => (state.result?.receipts || ballot?.receipts) === 'private';

function render() {
  const input = h('input', { id: 'receipt', type: 'text', autocomplete: 'off', spellcheck: 'false', value: state.receipt,
    'aria-describedby': 'receipt-hint', class: 'mono' });
  fill(main,
    h('h1', {}, t('check.title')),
    ballot ? h('p', { class: 'lead' }, ballot.title) : null,
    h('form', { class: 'card', onsubmit: (e) => {
      e.preventDefault();
      state.receipt = input.value.trim().toLowerCase();
      lookUp();
    } },
    h('label', { for: 'receipt' }, t('check.label')),
    h('p', { class: 'hint', id: 'receipt-hint' }, t('check.hint')),
    input,
    h('button', { type: 'submit', class: 'btn', disabled: state.busy }, t('check.button'))),
    h('div', { id: 'outcome', role: 'status', tabindex: '-1' }, outcome(), localBallot()),
    growth.view());
}

function outcome() {
  if (state.error) {
    const key = { unknown_receipt: 'check.unknown', voting_open: 'check.voting_open' }[state.error.code];
    return h('p', { class: 'failed' }, key ? t(key) : errorText(state.error));
  }
  const r = state.result;
  if (!r) return null;
  const priv = r.receipts === 'private';
  const okKey = priv ? 'check.proof_ok_private' : 'check.proof_ok';
  const verdict = state.verified === null ? h('p', {}, t('check.no_verify'))
    : h('p', { class: state.verified ? 'verified' : 'failed', id: 'proof-verdict' }, t(state.verified ? okKey : 'check.proof_bad'));
  const facts = [h('dt', {}, t('check.position')), h('dd', {}, t('check.position_text', { n: r.index + 1, size: r.size }))];
  if (!priv) facts.push(h('dt', {}, t('check.counted')), h('dd', {}, t(r.counted ? 'check.counted_yes' : 'check.counted_no')));
  return h('section', { class: 'card', 'aria-labelledby': 'found-h' },
    h('h2', { id: 'found-h' }, t(priv ? 'check.found_private' : 'check.found')),
    h('p', { class: 'notice', id: 'check-reveals' }, t(priv ? 'check.shows_private' : 'check.shows_verifiable')),
    h('dl', { class: 'facts' }, facts),
    priv ? null : [h('h3', {}, t('check.ballot')), ballotList(shownBallot(r))],
    h('h3', {}, t('check.proof')),
    verdict,
    h('p', { class: 'hint' }, t('check.head')), h('p', { class: 'mono' }, r.head));
}

// The ballot's budgets and choices, with the names of the ballot definition.
function ballotList(b) {
  const names = new Map();
  for (const x of ballot?.budgets || []) {
    names.set(x.id, { title: x.title || x.id, ranked: x.ballot?.type === 'ranked', projects: new Map(x.projects.map((p) => [p.id, p.name])) });
  }
  return Object.entries(b || {}).filter(([id]) => !id.startsWith('_')).map(([id, v]) => {
    const info = names.get(id);
    return h('div', {}, names.size > 1 ? h('p', { class: 'total' }, info?.title || id) : null,
      v.projects.length ? h(info?.ranked ? 'ol' : 'ul', { class: 'chosen' }, v.projects.map((p, i) => h('li', {}, info?.projects.get(p) || p,
        v.points ? ` — ${t('points.given', { n: v.points[i] })}` : '')))
        : h('p', {}, t('review.none')));
  });
}

// The ballot as the hashed entry holds it (what the receipt proves), else as sent.
function shownBallot(r) {
  try {
    return JSON.parse(r.entry).ballot || r.ballot;
  } catch {
    return r.ballot;
  }
}

// Private receipts: the copy this browser kept when voting, shown only when it
// hashes to the receipt (the server never sends it).
function localBallot() {
  if (!isPrivate() || !(state.result || state.error?.code === 'voting_open')) return null;
  if (state.forgotten) return h('p', { id: 'local-ballot' }, t('check.forgotten'));
  if (!state.local) return h('p', { id: 'local-ballot' }, t('check.no_local'));
  return h('section', { class: 'card', 'aria-labelledby': 'local-h', id: 'local-ballot' },
    h('h2', { id: 'local-h' }, t('check.local_ballot')),
    h('p', { class: 'hint' }, t('check.local_note')),
    ballotList(state.local),
    h('button', { type: 'button', class: 'btn secondary', id: 'forget', onclick: () => {
      try {
        localStorage.removeItem(ballotKey(slug, state.receipt));
      } catch {
        /* storage off */
      }
      state.local = null;
      state.forgotten = true;
      render();
      $('#local-ballot')?.focus();
    } }, t('check.forget')));
}

async function readLocal(receipt) {
  let entry = null;
  try {
    entry = localStorage.getItem(ballotKey(slug, receipt));
  } catch {
    return null;
  }
  if (!entry || !canVerify() || (await leafHash(entry)) !== receipt) return null;
  try {
    return JSON.parse(entry).ballot || null;
  } catch {
    return null;
  }
}

async function lookUp() {
  if (!/^[0-9a-f]{64}$/.test(state.receipt)) {
    state.result = null;
    state.error = { code: 'bad_receipt', message: t('check.bad_receipt') };
    render();
    return focusView($('#outcome'));
  }
  state.busy = true;
  state.forgotten = false;
  render();
  const r = await api('GET', `${base}/board/receipts/${state.receipt}`);
  state.busy = false;
  state.error = r.ok ? null : r.error;
  state.result = r.ok ? r.data : null;
  state.verified = null;
  state.local = await readLocal(state.receipt);
  if (r.ok && canVerify()) {
    const d = r.data;
    const entryOk = d.receipts === 'private' || (await leafHash(d.entry)) === state.receipt;
    state.verified = entryOk && (await verifyInclusion(state.receipt, d.index, d.size, d.proof, d.head));
  }
  render();
  focusView($('#outcome'));
}

async function start() {
  await startI18n(() => {
    localize(ballot);
    render();
  });
  const b = await api('GET', `${base}/ballot`);
  if (b.ok) ballot = localize(b.data);
  await growth.load();
  render();
  if (state.receipt) await lookUp();
  else focusView(main.querySelector('h1'));
}

start();
