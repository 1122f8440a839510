// The organizer's in-person voting panels on /admin (see admin.js): devices
// (sign a kiosk or a clerk's device in, show its sign-in link and QR code once,
// list what each did, revoke; a kiosk's walk-in allowance and minimum time
// between sessions, its walk-ins, voiding its unused sessions) and paper ballots (make batches of printable
// sheets, list the sheets needing attention with the clerks' readings side by
// side, settle them).
import { $, LANGUAGES, errorText, focusView, formatDate, h, t } from './common.js';
import { qrSvg } from './qr.js';

const enc = encodeURIComponent;
const signIns = new Map();  // slug -> the device sign-in link made last in this tab (shown once)
const batches = new Map();  // slug -> paper batches made in this tab

// A select of the process's areas (first: no area), or null when it has none.
export function areaSelect(def, id) {
  const areas = def.areas || [];
  if (!areas.length) return null;
  return h('select', { id }, h('option', { value: '' }, t('admin.no_area')), areas.map((a) => h('option', { value: a }, a)));
}

// --- devices: kiosks and clerks ----------------------------------------------------------

export function devicesPanel({ slug, state, call }) {
  const list = h('div', { id: 'devices-list' });
  const made = h('div', { id: 'device-made' }, signIns.get(slug) || null);
  const error = h('p', { class: 'error', role: 'alert', id: 'device-error' });
  const saved = h('p', { class: 'ok', role: 'status', id: 'device-status' });
  const name = h('input', { type: 'text', id: 'device-name', maxlength: 80, required: true, autocomplete: 'off' });
  const role = h('select', { id: 'device-role' },
    h('option', { value: 'clerk' }, t('admin.role.clerk')), h('option', { value: 'kiosk' }, t('admin.role.kiosk')));
  const canSign = state === 'draft' || state === 'open';

  let shown = '';
  async function refresh() {
    const r = await call('GET', `/processes/${enc(slug)}/devices`);
    if (!r.ok) {
      list.replaceChildren(h('p', { class: 'error' }, errorText(r.error)));
      shown = '';
      return;
    }
    const devices = r.data.devices || [];
    if (JSON.stringify(devices) === shown) return;  // polled: redrawn only when something changed
    shown = JSON.stringify(devices);
    list.replaceChildren(devices.length ? h('ul', { class: 'device-list', id: 'device-list', 'aria-label': t('admin.devices') },
      devices.map((d) => deviceRow(d))) : h('p', {}, t('admin.no_devices')));
  }

  function deviceRow(d) {
    const did = d.role === 'kiosk' ? t('admin.did_kiosk', { n: d.sessions ?? 0 })
      : t('admin.did_clerk', { checkins: d.checkins ?? d.checkins_since_start ?? 0, entries: d.entries ?? 0 });
    const cell = h('div', { class: 'device-actions' });
    const revokeButton = () => h('button', { type: 'button', class: 'btn secondary small', 'aria-label': t('admin.revoke_label', { name: d.name }),
      onclick: () => {
        cell.replaceChildren(h('button', { type: 'button', class: 'btn danger small', id: `yes-revoke-${d.id}`, onclick: async () => {
          const r = await call('POST', `/processes/${enc(slug)}/devices/${enc(d.id)}/revoke`);
          if (!r.ok) {
            error.textContent = errorText(r.error);
            return;
          }
          await refresh();
          focusView($('#devices-h'));
        } }, t('admin.revoke_yes', { name: d.name })), ' ',
        h('button', { type: 'button', class: 'btn secondary small', onclick: () => {
          cell.replaceChildren(revokeButton());
          cell.querySelector('button').focus();
        } }, t('form.cancel')));
        cell.querySelector('.danger').focus();
      } }, t('admin.revoke'));
    if (d.revoked) cell.append(h('span', { class: 'badge' }, t('admin.revoked')));
    else cell.append(revokeButton());
    return h('li', { class: d.revoked ? 'revoked' : null, id: `device-${d.id}` },
      h('p', {}, h('strong', {}, d.name), ` · ${t(`admin.role.${d.role}`)}`), h('p', { class: 'hint' }, did), cell,
      d.role === 'kiosk' ? kioskLimits(d) : null);
  }

  // A kiosk's walk-ins (used of allowed, 0: none) and least time between sessions, changed
  // here; its walk-ins listed with their times; its unused sessions voided.
  function kioskLimits(d) {
    const path = `/processes/${enc(slug)}/devices/${enc(d.id)}`;
    const summary = h('p', { class: 'hint', id: `walk-ins-${d.id}` },
      d.walk_in_allowance ? t('admin.kiosk_walk_ins', { used: d.walk_ins, allowance: d.walk_in_allowance }) : t('admin.kiosk_walk_ins_off'),
      ' · ', t('admin.kiosk_wait', { n: d.session_seconds }),
      d.open_sessions ? ` · ${t('admin.kiosk_open', { n: d.open_sessions })}` : '');
    if (d.revoked) return h('div', { class: 'kiosk-limits' }, summary);
    const allowance = h('input', { type: 'number', id: `allowance-${d.id}`, min: 0, max: 100000, step: 1, inputmode: 'numeric',
      value: d.walk_in_allowance, 'aria-describedby': `allowance-help-${d.id}` });
    const seconds = h('input', { type: 'number', id: `seconds-${d.id}`, min: 0, max: 3600, step: 1, inputmode: 'numeric',
      value: d.session_seconds });
    const list = h('div', { class: 'walk-in-list', id: `walk-in-list-${d.id}` });
    const voidCell = h('div', { class: 'actions' });
    const voidButton = () => h('button', { type: 'button', class: 'btn secondary small', disabled: !d.open_sessions,
      'aria-label': t('admin.void_label', { name: d.name }), onclick: () => {
        voidCell.replaceChildren(h('button', { type: 'button', class: 'btn danger small', onclick: async () => {
          const r = await call('POST', `${path}/void`);
          if (!r.ok) {
            error.textContent = errorText(r.error);
            return;
          }
          saved.textContent = t('admin.voided', { n: r.data.voided, name: d.name });
          await refresh();
          focusView(saved);
        } }, t('admin.void_yes', { name: d.name })), ' ',
        h('button', { type: 'button', class: 'btn secondary small', onclick: () => {
          voidCell.replaceChildren(voidButton());
          voidCell.querySelector('button').focus();
        } }, t('form.cancel')));
        voidCell.querySelector('.danger').focus();
      } }, t('admin.void'));
    voidCell.append(voidButton());
    const form = h('form', { class: 'limits', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      saved.textContent = '';
      const body = { walk_in_allowance: Number(allowance.value), session_seconds: Number(seconds.value) };
      if (allowance.value.trim() === '' || seconds.value.trim() === '') {
        error.textContent = t('admin.limits_missing');
        return;
      }
      const r = await call('POST', `${path}/limits`, { body });
      if (!r.ok) {
        error.textContent = `${d.name}: ${errorText(r.error)}`;
        return;
      }
      saved.textContent = t(r.data.walk_in_allowance ? 'admin.limits_saved' : 'admin.limits_saved_off',
        { name: d.name, allowance: r.data.walk_in_allowance, n: r.data.session_seconds });
      await refresh();
      focusView(saved);
    } },
    h('div', { class: 'grid2' },
      h('div', { class: 'field' }, h('label', { for: `allowance-${d.id}` }, t('admin.walk_in_allowance')), allowance),
      h('div', { class: 'field' }, h('label', { for: `seconds-${d.id}` }, t('admin.session_seconds')), seconds)),
    h('p', { class: 'hint', id: `allowance-help-${d.id}` }, t('admin.limits_help')),
    h('button', { type: 'submit', class: 'btn secondary small', 'aria-label': t('admin.limits_save_label', { name: d.name }) },
      t('admin.limits_save')));
    const details = h('details', { ontoggle: async () => {
      if (!details.open) return;
      const r = await call('GET', `${path}/walk-ins`);
      if (!r.ok) return list.replaceChildren(h('p', { class: 'error' }, errorText(r.error)));
      const walkIns = r.data.walk_ins || [];
      list.replaceChildren(walkIns.length ? h('ol', {}, walkIns.map((w) => h('li', {},
        h('time', { datetime: new Date(w.at).toISOString() }, formatDate(w.at)),
        ` · ${w.area || t('admin.no_area')} · ${w.group || t('codes.no_group')} · ${t(`admin.walk_in_state.${w.state}`)}`)))
        : h('p', {}, t('admin.no_walk_ins')));
    } }, h('summary', {}, t('admin.walk_ins_list', { name: d.name })), list);
    return h('div', { class: 'kiosk-limits' }, summary, form, voidCell, details);
  }

  const element = h('section', { class: 'card no-print', 'aria-labelledby': 'devices-h', id: 'devices' },
    h('h2', { id: 'devices-h' }, t('admin.devices')),
    h('p', { class: 'hint' }, t('admin.devices_help')),
    canSign ? h('form', { onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      if (!name.value.trim()) {
        error.textContent = t('admin.device_name_missing');
        name.focus();
        return;
      }
      const r = await call('POST', `/processes/${enc(slug)}/devices`, { body: { role: role.value, name: name.value.trim() } });
      if (!r.ok) {
        error.textContent = errorText(r.error);
        return;
      }
      const link = new URL(r.data.sign_in, location.origin).href;
      const box = h('div', { class: 'panel sign-in', id: `sign-in-${r.data.id}` },
        h('h3', { tabindex: '-1' }, t('admin.sign_in_for', { name: r.data.name, role: t(`admin.role.${r.data.role}`) })),
        h('p', { class: 'notice' }, t('admin.sign_in_once')),
        h('div', { class: 'sign-in-body' },
          qrSvg(link, t('admin.sign_in_qr', { name: r.data.name })),
          h('p', {}, h('a', { href: link, class: 'mono sign-in-link', rel: 'noreferrer' }, link))));
      signIns.set(slug, box);
      made.replaceChildren(box);
      name.value = '';
      await refresh();
      box.querySelector('h3').focus();
    } },
    h('div', { class: 'grid2' },
      h('div', { class: 'field' }, h('label', { for: 'device-name' }, t('admin.device_name')), name),
      h('div', { class: 'field' }, h('label', { for: 'device-role' }, t('admin.device_role')), role)),
    h('p', { class: 'hint' }, t('admin.role_help')),
    error,
    h('button', { type: 'submit', class: 'btn', id: 'sign-in-device' }, t('admin.sign_in_device'))) : error,
    saved, made, list);
  refresh();
  return { element, refresh };
}

// --- paper ballots -----------------------------------------------------------------------

const ATTENTION = ['mismatch', 'duplicate', 'entered_once'];
const STATES = ['printed', 'entered_once', 'counted', 'spoiled', 'mismatch', 'duplicate'];

export function unresolvedSerials(error) {
  for (const list of [error.serials, error.details?.serials]) if (Array.isArray(list)) return list.map(String);
  const fromProblems = (error.problems || []).map((p) => p.serial).filter(Boolean);
  if (fromProblems.length) return fromProblems;
  return [...new Set(String(error.message || '').match(/P\d+-\d+-[0-9A-Z]+/g) || [])];
}

// One reading of a sheet, budget by budget, as words: "1. Name, 2. Name", "Name (3 points)".
function readingOf(def, entry, budgetId) {
  if (entry.spoiled) return t('admin.reading_spoiled');
  const vote = entry.ballots?.[budgetId];
  if (!vote) return t('admin.reading_none');
  const budget = def.budgets.find((b) => b.id === budgetId);
  const name = new Map((budget?.projects || []).map((p) => [p.id, p.name || p.id]));
  const projects = vote.projects || [];
  if (!projects.length) return t('admin.reading_blank');
  const type = budget?.ballot?.type;
  return projects.map((id, i) => {
    if (vote.points) return t('admin.reading_points', { name: name.get(id) || id, n: vote.points[i] });
    return type === 'ranked' ? `${i + 1}. ${name.get(id) || id}` : name.get(id) || id;
  }).join(type === 'ranked' || vote.points ? '; ' : ', ');
}

export function paperPanel({ def, slug, state, call }) {
  const canMake = state === 'draft' || state === 'open';
  const error = h('p', { class: 'error', role: 'alert', id: 'paper-error' });
  const done = h('p', { class: 'ok', role: 'status', id: 'paper-status' });
  const made = h('ul', { id: 'paper-batches' });
  const attention = h('div', { id: 'paper-sheets' });
  const count = h('input', { type: 'number', id: 'paper-count', min: 1, max: 5000, value: 50, inputmode: 'numeric' });
  const area = areaSelect(def, 'paper-area');
  const languages = def.languages?.length ? def.languages : ['en'];
  const language = h('select', { id: 'paper-language' }, languages.map((l) => h('option', { value: l }, LANGUAGES[l] || l)));
  let shown = '';
  let devices = new Map();

  const showBatches = () => made.replaceChildren(...(batches.get(slug) || []).map((b) => h('li', {},
    h('a', { href: b.print, id: `print-batch-${b.batch}` }, t('admin.print_batch', { batch: b.batch })), ' ',
    t('admin.batch_about', { n: b.count, area: b.area || t('admin.no_area'), language: b.language }))));

  async function refresh({ quiet = false } = {}) {
    const [r, d] = await Promise.all([call('GET', `/processes/${enc(slug)}/paper/sheets`), call('GET', `/processes/${enc(slug)}/devices`)]);
    if (!document.contains(attention) && quiet) return;
    if (d.ok) devices = new Map((d.data.devices || []).map((x) => [String(x.id), x.name]));
    if (!r.ok) {
      attention.replaceChildren(r.status === 404 ? h('p', {}, t('admin.no_sheets')) : h('p', { class: 'error' }, errorText(r.error)));
      return;
    }
    const text = JSON.stringify(r.data);
    // Polled: the list is redrawn only when it changed, and not under the organizer's hands.
    if (quiet && (text === shown || attention.contains(document.activeElement))) return;
    shown = text;
    const sheets = (r.data.sheets || []).filter((s) => ATTENTION.includes(s.state));
    sheets.sort((a, b) => ATTENTION.indexOf(a.state) - ATTENTION.indexOf(b.state));
    const counts = r.data.counts || {};
    attention.replaceChildren(
      h('p', { id: 'paper-counts' }, STATES.filter((s) => s !== 'printed' && counts[s]).map((s) => t(`admin.sheet_count.${s}`, { n: counts[s] })).join(' · ') || t('admin.no_sheets')),
      h('h3', { id: 'attention-h' }, t('admin.attention')),
      sheets.length ? h('ul', { class: 'attention' }, sheets.map(sheetItem)) : h('p', { id: 'attention-none' }, t('admin.attention_none')));
  }

  function sheetItem(sheet) {
    // The clerks' readings (an organizer's resolution is not one).
    const entries = (sheet.entries || []).filter((e) => !e.resolution);
    const letter = (i) => String.fromCharCode(65 + i);
    const who = (e) => e.by || devices.get(String(e.device)) || e.device;
    const budgetIds = [...new Set(entries.flatMap((e) => Object.keys(e.ballots || {})))];
    const ordered = def.budgets.map((b) => b.id).filter((id) => budgetIds.includes(id));
    const titleOf = (id) => def.budgets.find((b) => b.id === id)?.title || id;
    const id = `sheet-${sheet.serial}`;
    const differs = (bid) => new Set(entries.map((e) => readingOf(def, e, bid))).size > 1;
    const table = entries.length ? h('table', { class: 'readings' },
      h('caption', { class: 'sr-only' }, t('admin.readings_of', { serial: sheet.serial })),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('admin.budget')),
        entries.map((e, i) => h('th', { scope: 'col' }, t('admin.reading', { letter: letter(i), device: who(e) }))))),
      h('tbody', {}, (ordered.length ? ordered : ['']).map((bid) => h('tr', { class: bid && differs(bid) ? 'differs' : null },
        h('th', { scope: 'row' }, bid ? titleOf(bid) : '—', bid && differs(bid) ? h('span', { class: 'sr-only' }, ` (${t('admin.differs')})`) : null),
        entries.map((e) => h('td', {}, e.spoiled ? t('admin.reading_spoiled') : bid ? readingOf(def, e, bid) : t('admin.reading_none'))))))) : null;
    const resolve = async (body, what) => {
      error.textContent = '';
      done.textContent = '';
      const r = await call('POST', `/processes/${enc(slug)}/paper/sheets/${enc(sheet.serial)}/resolve`, { body });
      if (!r.ok) {
        error.textContent = `${sheet.serial}: ${errorText(r.error)}`;
        return;
      }
      done.textContent = t('admin.resolved', { serial: sheet.serial, what, state: t(`admin.sheet_state.${r.data.state}`) });
      shown = '';
      await refresh();
      focusView(done);
    };
    // A counted sheet keeps its counted reading (a copy is set aside); otherwise one reading is counted, or none.
    const buttons = [];
    if (sheet.state === 'mismatch' || sheet.state === 'duplicate') {
      if (sheet.counted) {
        buttons.push(h('button', { type: 'button', class: 'btn', 'aria-label': `${t('admin.resolve_keep')}: ${sheet.serial}`,
          onclick: () => resolve({ keep: true }, t('admin.resolve_keep')) }, t('admin.resolve_keep')));
      } else {
        const offered = new Set();
        entries.forEach((e, i) => {
          const key = JSON.stringify(e.ballots);
          if (e.spoiled || offered.has(key)) return;
          offered.add(key);
          const label = t('admin.resolve_count', { letter: letter(i) });
          buttons.push(h('button', { type: 'button', class: 'btn secondary', 'aria-label': `${label}: ${sheet.serial}`,
            onclick: () => resolve({ ballots: e.ballots }, label) }, label));
        });
        buttons.push(h('button', { type: 'button', class: 'btn secondary', 'aria-label': `${t('admin.resolve_spoiled')}: ${sheet.serial}`,
          onclick: () => resolve({ spoiled: true }, t('admin.resolve_spoiled')) }, t('admin.resolve_spoiled')));
      }
    }
    return h('li', { class: `sheet-item ${sheet.state}`, id, 'aria-labelledby': `${id}-h` },
      h('h4', { id: `${id}-h` }, h('span', { class: 'mono' }, sheet.serial), ' ',
        h('span', { class: `badge ${sheet.state}` }, t(`admin.sheet_state.${sheet.state}`))),
      h('p', { class: 'hint' }, t(`admin.sheet_help.${sheet.state}`), sheet.area ? ` ${t('admin.sheet_area', { area: sheet.area })}` : ''),
      table,
      buttons.length ? h('div', { class: 'actions resolve' }, buttons) : null);
  }

  const element = h('section', { class: 'card no-print', 'aria-labelledby': 'paper-h', id: 'paper' },
    h('h2', { id: 'paper-h' }, t('admin.paper')),
    h('p', { class: 'hint' }, t('admin.paper_help')),
    canMake ? h('form', { onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      const body = { count: Number(count.value), language: language.value };
      if (area?.value) body.area = area.value;
      const r = await call('POST', `/processes/${enc(slug)}/paper/batches`, { body });
      if (!r.ok) {
        error.textContent = errorText(r.error);
        return;
      }
      batches.set(slug, [...(batches.get(slug) || []), r.data]);
      showBatches();
      done.textContent = t('admin.batch_made', { n: r.data.count, batch: r.data.batch });
      made.querySelector('li:last-child a')?.focus();
    } },
    h('div', { class: 'grid3' },
      h('div', { class: 'field' }, h('label', { for: 'paper-count' }, t('admin.sheets_count')), count),
      area ? h('div', { class: 'field' }, h('label', { for: 'paper-area' }, t('admin.area')), area) : null,
      h('div', { class: 'field' }, h('label', { for: 'paper-language' }, t('admin.sheet_language')), language)),
    h('button', { type: 'submit', class: 'btn', id: 'make-sheets' }, t('admin.make_sheets'))) : null,
    made, error, done,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn secondary', id: 'paper-refresh', onclick: async () => {
      shown = '';
      await refresh();
      done.textContent = t('admin.refreshed');
    } }, t('admin.refresh'))),
    attention);
  showBatches();
  return { element, refresh };
}
