// The clerk's desk, /clerk#p=<slug>&t=<device token>: the organizer signs the
// device in with that link; the token is kept in localStorage and taken out of
// the address. Two tasks:
//   Check a voter in: the voter's code is spent and the page says which sheet
//     (area) to hand out, or refuses (a code that voted or took a sheet gets none).
//   Enter a paper ballot: type the sheet's serial, copy the marks of each budget
//     on the sheet (or mark it spoiled) and save. A sheet counts once two clerks
//     on two devices entered it the same way; the page says where the sheet stands.
import { $, api, errorText, fill, focusView, h, has, startI18n, t, useStrings } from './common.js';

useStrings('staff');  // the admin, paper and clerk strings

const main = $('#main');
const enc = encodeURIComponent;
const storeKey = (slug) => `psephos-device:${slug}`;

const state = {
  slug: '',
  token: '',
  device: null,  // {id, role, name, process}
  def: null,  // the ballot: budgets, areas, headings
  task: 'checkin',
  checkin: null,  // the last check-in's outcome
  entry: null,  // the last entry's outcome
  sheet: null,  // the sheet being entered: {serial, area, known}
  batchArea: new Map(),  // batch number -> the area its sheets were entered with (sheets come in stacks)
};

const batchOf = (serial) => serial.match(/^P(\d+)-/)?.[1] || '';

function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

// The JSON API as this device (Authorization: Device <token>).
const call = (method, path, body) => api(method, `/processes/${enc(state.slug)}${path}`, { body, device: state.token });

const message = (error) => (has(`clerk.error.${error?.code}`) ? t(`clerk.error.${error.code}`) : errorText(error));
const budgetTitle = (id) => state.def?.budgets.find((b) => b.id === id)?.title || id;

// The budgets a sheet of `area` holds: those without area and those of the area.
const eligible = (area) => (state.def?.budgets || []).filter((b) => !b.area || b.area === area);

function show(...content) {
  fill(main, content);
}

function stop(title, text) {
  show(h('h1', {}, title), h('p', { class: 'error', role: 'alert' }, text));
  focusView(main.querySelector('h1'));
}

async function start() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  state.slug = params.get('p') || state.slug;
  if (params.get('t')) {
    try {
      localStorage.setItem(storeKey(state.slug), params.get('t'));
    } catch {
      /* kept for this page only */
    }
    state.token = params.get('t');
    // The token leaves the address bar and the history.
    history.replaceState(null, '', `${location.pathname}#p=${enc(state.slug)}`);
  }
  if (!state.slug) return stop(t('clerk.title'), t('clerk.no_link'));
  state.token = stored(storeKey(state.slug)) || state.token;
  if (!state.token) return stop(t('clerk.title'), t('clerk.signed_out'));
  const me = await call('GET', '/device');
  if (me.status === 401) {
    try {
      localStorage.removeItem(storeKey(state.slug));
    } catch {
      /* nothing kept */
    }
    return stop(t('clerk.title'), t('clerk.signed_out'));
  }
  if (!me.ok) return stop(t('clerk.title'), message(me.error));
  state.device = me.data;
  await loadBallot();
  render(true);
}

// What the sheets hold (refused while the process is a draft: tried again when the clerk turns to entering).
async function loadBallot() {
  const ballot = await call('GET', '/ballot');
  state.def = ballot.ok ? ballot.data : null;
}

function render(moveFocus = false) {
  const d = state.device;
  const processTitle = d.process?.title || state.def?.title || state.slug;
  const tab = (task, label) => h('button', { type: 'button', class: `btn ${state.task === task ? '' : 'secondary'} task`,
    id: `task-${task}`, 'aria-pressed': String(state.task === task), onclick: async () => {
      state.task = task;
      if (task === 'entry' && !state.def) await loadBallot();
      render();
      main.querySelector('.task-panel input')?.focus();
    } }, label);
  show(
    h('h1', {}, t('clerk.title')),
    h('p', { class: 'who', id: 'who' }, t('clerk.who', { name: d.name, process: processTitle }),
      d.process?.state ? [' · ', h('span', { class: `badge ${d.process.state}` }, t(`state.${d.process.state}`))] : null),
    d.role !== 'clerk' ? h('p', { class: 'notice' }, t('clerk.not_clerk')) : null,
    h('div', { class: 'actions tasks', role: 'group', 'aria-label': t('clerk.tasks') },
      tab('checkin', t('clerk.checkin')), tab('entry', t('clerk.entry'))),
    state.task === 'checkin' ? checkinPanel() : entryPanel());
  if (moveFocus) focusView(main.querySelector('h1'));
}

// --- check a voter in -------------------------------------------------------------

function checkinPanel() {
  const input = h('input', { type: 'text', id: 'checkin-code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    class: 'code-input', 'aria-describedby': 'checkin-hint' });
  const result = h('div', { id: 'checkin-result', role: 'status', 'aria-live': 'polite' }, checkinResult());
  const form = h('form', { class: 'card task-panel', 'aria-labelledby': 'checkin-h', onsubmit: async (e) => {
    e.preventDefault();
    const code = input.value.trim();
    if (!code) {
      state.checkin = { error: { code: 'empty' } };
      result.replaceChildren(checkinResult());
      input.focus();
      return;
    }
    button.disabled = true;
    const r = await call('POST', '/checkin', { code });
    button.disabled = false;
    state.checkin = r.ok ? { code, ...r.data } : { code, error: r.error };
    result.replaceChildren(checkinResult());
    input.value = '';
    input.focus();
  } },
  h('h2', { id: 'checkin-h' }, t('clerk.checkin')),
  h('p', { class: 'hint' }, t('clerk.checkin_help')),
  h('div', { class: 'field' }, h('label', { for: 'checkin-code' }, t('code.label')),
    h('p', { class: 'hint', id: 'checkin-hint' }, t('clerk.code_hint')), input));
  const button = h('button', { type: 'submit', class: 'btn', id: 'checkin-go' }, t('clerk.checkin_go'));
  form.append(button, result);
  return form;
}

function checkinResult() {
  const c = state.checkin;
  if (!c) return null;
  if (c.error) {
    const text = c.error.code === 'empty' ? t('code.empty') : message(c.error);
    return h('div', { class: 'verdict refuse' }, h('p', { class: 'big' }, t('clerk.no_sheet')), h('p', {}, text),
      c.code ? h('p', { class: 'hint mono' }, c.code.toUpperCase()) : null);
  }
  const budgets = (c.budgets || []).map(budgetTitle);
  return h('div', { class: 'verdict give' },
    h('p', { class: 'big' }, c.area ? t('clerk.give_area', { area: c.area }) : t('clerk.give_no_area')),
    c.group ? h('p', {}, t('clerk.group', { group: c.group })) : null,
    budgets.length ? h('p', {}, t('clerk.budgets', { budgets: budgets.join(', ') })) : null,
    h('p', { class: 'hint mono' }, c.code.toUpperCase()));
}

// --- enter a paper ballot ---------------------------------------------------------

const SERIAL = /^P\d+-\d+-[0-9A-Z]+$/;
const normalSerial = (text) => text.trim().toUpperCase().replace(/\s+/g, '').replace(/[–—]/g, '-');

function entryPanel() {
  const result = h('div', { id: 'entry-result', role: 'status', 'aria-live': 'polite' }, entryResult());
  if (!state.def) {
    return h('section', { class: 'card task-panel', 'aria-labelledby': 'entry-h' }, h('h2', { id: 'entry-h' }, t('clerk.entry')),
      h('p', { class: 'error' }, t('clerk.no_ballot')));
  }
  return h('section', { class: 'card task-panel', 'aria-labelledby': 'entry-h' }, h('h2', { id: 'entry-h' }, t('clerk.entry')),
    state.sheet ? sheetForm(result) : serialForm(result), result);
}

function serialForm(result) {
  const input = h('input', { type: 'text', id: 'serial', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    class: 'code-input', 'aria-describedby': 'serial-hint serial-error' });
  const error = h('p', { class: 'error', id: 'serial-error', role: 'alert' });
  return h('form', { onsubmit: async (e) => {
    e.preventDefault();
    const serial = normalSerial(input.value);
    if (!SERIAL.test(serial)) {
      error.textContent = t('clerk.bad_serial');
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    // The sheet's area, when the server tells clerks; else the clerk reads it off the sheet.
    const r = await call('GET', `/paper/sheets/${enc(serial)}`);
    if (r.status === 404 && r.error?.code === 'unknown_serial') {
      error.textContent = t('clerk.error.unknown_serial');
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    const known = r.ok && typeof r.data === 'object' && r.data !== null && (Array.isArray(r.data.budgets) || 'area' in r.data);
    const guess = state.batchArea.get(batchOf(serial));
    state.sheet = { serial, area: known ? r.data.area || '' : (state.def.areas?.length ? guess ?? null : ''), known,
      budgets: known && Array.isArray(r.data.budgets) ? r.data.budgets : null };
    state.entry = null;
    render();
    main.querySelector('#sheet-form input, #sheet-form select')?.focus();
  } },
  h('p', { class: 'hint' }, t('clerk.entry_help')),
  h('div', { class: 'field' }, h('label', { for: 'serial' }, t('clerk.serial')),
    h('p', { class: 'hint', id: 'serial-hint' }, t('clerk.serial_hint')), input),
  error,
  h('button', { type: 'submit', class: 'btn', id: 'open-sheet' }, t('clerk.open_sheet')));
}

// The marks of one budget: tick boxes, rank numbers or points.
function budgetFields(budget, prefix) {
  const type = budget.ballot?.type || 'approval';
  const numeric = type === 'ranked' || type === 'cumulative' || type === 'scoring';
  const hint = t(`clerk.how.${numeric ? type : 'tick'}`);
  return h('fieldset', { class: 'subform entry-budget', id: `${prefix}`, 'data-budget': budget.id, 'aria-describedby': `${prefix}-hint` },
    h('legend', {}, budget.title || budget.id),
    h('p', { class: 'hint', id: `${prefix}-hint` }, hint),
    h('ul', { class: `entry-projects ${numeric ? 'numeric' : 'ticks'}` }, budget.projects.map((p, i) => {
      const id = `${prefix}-p${i}`;
      return numeric
        ? h('li', {}, h('label', { for: id }, p.name || p.id),
          h('input', { type: 'text', id, inputmode: 'numeric', pattern: '[0-9]*', maxlength: 4, 'data-project': p.id, class: 'num-box', autocomplete: 'off' }))
        : h('li', {}, h('input', { type: 'checkbox', id, 'data-project': p.id }), h('label', { for: id }, p.name || p.id));
    })));
}

// What the clerk entered for one budget: null when nothing is marked; throws a sentence when the marks cannot be a ballot.
function readBudget(fieldset, budget) {
  const type = budget.ballot?.type || 'approval';
  if (type !== 'ranked' && type !== 'cumulative' && type !== 'scoring') {
    const projects = [...fieldset.querySelectorAll('input[type=checkbox]:checked')].map((x) => x.dataset.project);
    return projects.length ? { projects } : null;
  }
  const marks = [];
  for (const input of fieldset.querySelectorAll('input[data-project]')) {
    const text = input.value.trim();
    if (!text) continue;
    if (!/^\d+$/.test(text)) throw new Error(t('clerk.not_number', { name: input.labels[0]?.textContent || '' }));
    const n = Number(text);
    if (n > 0) marks.push({ id: input.dataset.project, n });
  }
  if (!marks.length) return null;
  if (type === 'ranked') {
    marks.sort((a, b) => a.n - b.n);
    if (new Set(marks.map((m) => m.n)).size !== marks.length) throw new Error(t('clerk.same_rank', { budget: budget.title || budget.id }));
    return { projects: marks.map((m) => m.id) };
  }
  return { projects: marks.map((m) => m.id), points: marks.map((m) => m.n) };
}

function sheetForm(result) {
  const sheet = state.sheet;
  const def = state.def;
  const error = h('div', { class: 'error-summary', id: 'sheet-error', role: 'alert', tabindex: '-1', hidden: true });
  const spoiled = h('input', { type: 'checkbox', id: 'spoiled' });
  const budgetsBox = h('div', { id: 'sheet-budgets' });
  const areas = def.areas || [];
  const areaPick = !sheet.known && areas.length
    ? h('select', { id: 'sheet-area', onchange: () => {
      sheet.area = areaPick.value;
      drawBudgets();
    } }, h('option', { value: '' }, t('clerk.area_none')), areas.map((a) => h('option', { value: a, selected: a === sheet.area }, a)))
    : null;
  if (areaPick && sheet.area === null) sheet.area = '';

  const budgets = () => (sheet.budgets ? def.budgets.filter((b) => sheet.budgets.includes(b.id)) : eligible(sheet.area));
  function drawBudgets() {
    const list = budgets();
    const out = [];
    const done = new Set();
    list.forEach((b, i) => {
      if (done.has(b.id)) return;
      const group = b.heading ? list.filter((x) => x.heading === b.heading) : [b];
      group.forEach((x) => done.add(x.id));
      const fields = group.map((x) => budgetFields(x, `e${list.indexOf(x)}`));
      if (group.length > 1) {
        const heading = (def.headings || []).find((x) => x.id === b.heading);
        out.push(h('fieldset', { class: 'entry-heading' }, h('legend', {}, heading?.title || b.heading),
          h('p', { class: 'hint' }, t('clerk.heading_hint')), fields));
      } else out.push(fields);
      void i;
    });
    budgetsBox.replaceChildren(...out.flat());
    budgetsBox.hidden = spoiled.checked;
  }
  drawBudgets();
  spoiled.addEventListener('change', () => {
    budgetsBox.hidden = spoiled.checked;
  });

  const send = async (body) => {
    const r = await call('POST', '/paper/entries', { serial: sheet.serial, ...body });
    if (r.ok) {
      if (!sheet.known) state.batchArea.set(batchOf(sheet.serial), sheet.area || '');
      state.entry = { serial: r.data.serial || sheet.serial, state: r.data.state, spoiled: Boolean(body.spoiled) };
      state.sheet = null;
      render();
      main.querySelector('#serial')?.focus();
      return;
    }
    const problems = r.error?.problems || [];
    // Budgets of another area: the area picked is not the sheet's. That is no reason to spoil the sheet.
    const wrongArea = areaPick && problems.some((p) => p.code === 'not_eligible' || p.code === 'missing_budget');
    error.replaceChildren(h('p', {}, message(r.error)),
      problems.length ? h('ul', {}, problems.map((p) => h('li', {}, p.message || p.code))) : null,
      wrongArea ? h('p', {}, t('clerk.check_area'))
        : r.error?.code === 'invalid_ballot' ? [h('p', {}, t('clerk.invalid_then_spoiled')),
          h('button', { type: 'button', class: 'btn danger', id: 'enter-spoiled', onclick: () => send({ spoiled: true }) }, t('clerk.enter_spoiled'))] : null);
    error.hidden = false;
    focusView(error);
  };

  const form = h('form', { id: 'sheet-form', onkeydown: (e) => {
    // Enter saves from anywhere in the sheet, a tick box included (text fields do it anyway).
    if (e.key === 'Enter' && e.target.type === 'checkbox') {
      e.preventDefault();
      form.requestSubmit();
    }
  }, onsubmit: async (e) => {
    e.preventDefault();
    error.hidden = true;
    if (spoiled.checked) return send({ spoiled: true });
    const ballots = {};
    try {
      for (const fieldset of budgetsBox.querySelectorAll('fieldset.entry-budget')) {
        const budget = def.budgets.find((b) => b.id === fieldset.dataset.budget);
        const vote = readBudget(fieldset, budget);
        // A blank budget of a heading is one the voter did not pick; any other blank budget is sent blank.
        if (vote) ballots[budget.id] = vote;
        else if (!budget.heading || budgets().filter((x) => x.heading === budget.heading).length === 1) ballots[budget.id] = { projects: [] };
      }
    } catch (problem) {
      error.replaceChildren(h('p', {}, problem.message));
      error.hidden = false;
      focusView(error);
      return;
    }
    return send({ ballots });
  } },
  h('h3', { id: 'sheet-h', tabindex: '-1' }, t('clerk.sheet', { serial: sheet.serial })),
  sheet.known ? h('p', {}, sheet.area ? t('clerk.sheet_area', { area: sheet.area }) : t('clerk.sheet_no_area')) : null,
  areaPick ? h('div', { class: 'field' }, h('label', { for: 'sheet-area' }, t('clerk.sheet_area_pick')), areaPick) : null,
  h('p', { class: 'tick spoil' }, spoiled, h('label', { for: 'spoiled' }, t('clerk.spoiled'))),
  budgetsBox,
  error,
  h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'btn', id: 'save-entry' }, t('clerk.save')),
    h('button', { type: 'button', class: 'btn secondary', onclick: () => {
      state.sheet = null;
      render();
      main.querySelector('#serial')?.focus();
    } }, t('clerk.other_sheet'))));
  return form;
}

function entryResult() {
  const e = state.entry;
  if (!e) return null;
  const known = ['entered_once', 'counted', 'spoiled', 'mismatch', 'duplicate'].includes(e.state);
  return h('div', { class: `verdict sheet-${e.state}` },
    h('p', { class: 'big' }, t('clerk.saved', { serial: e.serial })),
    h('p', { id: 'entry-state' }, known ? t(`clerk.state.${e.state}`) : e.state));
}

window.addEventListener('hashchange', () => {
  if (new URLSearchParams(location.hash.replace(/^#/, '')).get('t')) start();
});
startI18n(() => state.device && render()).then(start);
