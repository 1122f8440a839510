// Organizer accounts on /admin: signing in with an email and password, the
// first account made with the organizer token, and for a process's owners
// the organizers panel (add an account with a role, change it, take it away)
// and the log of every organizer action.
import { errorText, h, has, t } from './common.js';

const enc = encodeURIComponent;

// A sentence for an error of this feature, else the common one.
export const accountError = (e) => (e && has(`admin.accounts.error.${e.code}`) ? t(`admin.accounts.error.${e.code}`) : errorText(e));

// Shows each refused field's message at the field (ids `${prefix}-${field}-error`).
function fieldError(form, prefix, error, fallback) {
  for (const p of form.querySelectorAll('.error')) p.textContent = '';
  const at = error?.field && form.querySelector(`#${prefix}-${error.field}-error`);
  (at || fallback).textContent = accountError(error);
  (at ? form.querySelector(`#${prefix}-${error.field}`) : null)?.focus();
}

const field = (prefix, name, label, attrs = {}, hint = '') => h('div', { class: 'field' },
  h('label', { for: `${prefix}-${name}` }, label),
  hint ? h('p', { class: 'hint', id: `${prefix}-${name}-hint` }, hint) : null,
  h('input', { id: `${prefix}-${name}`, name, 'aria-describedby': `${prefix}-${name}-error${hint ? ` ${prefix}-${name}-hint` : ''}`, ...attrs }),
  h('p', { class: 'error', role: 'alert', id: `${prefix}-${name}-error` }));

const passwordHint = () => t('admin.accounts.password_hint', { n: 12 });

// Email and password: `onSignedIn(session)` with {account, csrf}.
export function signInForm({ api, onSignedIn, message = '' }) {
  const error = h('p', { class: 'error', role: 'alert', id: 'signin-error' }, message);
  const form = h('form', { class: 'card', id: 'signin', onsubmit: async (e) => {
    e.preventDefault();
    const body = { email: form.querySelector('#signin-email').value, password: form.querySelector('#signin-password').value };
    const r = await api('POST', '/session', { body });
    if (!r.ok) return fieldError(form, 'signin', r.error, error);
    onSignedIn(r.data);
  } },
  h('h2', {}, t('admin.accounts.sign_in_h')),
  field('signin', 'email', t('admin.accounts.email'), { type: 'email', autocomplete: 'username', required: true }),
  field('signin', 'password', t('admin.accounts.password'), { type: 'password', autocomplete: 'current-password', required: true }),
  error,
  h('button', { type: 'submit', class: 'btn', id: 'signin-button' }, t('admin.sign_in')));
  return form;
}

// Shown to the token's holder while no account exists: makes the first one
// (owner of every process), then signs it in.
export function firstAccountCard({ api, token, onSignedIn }) {
  const error = h('p', { class: 'error', role: 'alert', id: 'first-error' });
  const form = h('form', { class: 'card', id: 'first-account', 'aria-labelledby': 'first-h', onsubmit: async (e) => {
    e.preventDefault();
    const value = (name) => form.querySelector(`#first-${name}`).value;
    const body = { name: value('name'), email: value('email'), password: value('password') };
    const made = await api('POST', '/accounts', { body, token });
    if (!made.ok) return fieldError(form, 'first', made.error, error);
    const r = await api('POST', '/session', { body: { email: body.email, password: body.password } });
    if (!r.ok) return fieldError(form, 'first', r.error, error);
    onSignedIn(r.data);
  } },
  h('h2', { id: 'first-h' }, t('admin.accounts.first_h')),
  h('p', {}, t('admin.accounts.first_help')),
  field('first', 'name', t('admin.accounts.name'), { type: 'text', autocomplete: 'name', required: true }),
  field('first', 'email', t('admin.accounts.email'), { type: 'email', autocomplete: 'username', required: true }),
  field('first', 'password', t('admin.accounts.password'), { type: 'password', autocomplete: 'new-password', required: true }, passwordHint()),
  error,
  h('button', { type: 'submit', class: 'btn', id: 'first-button' }, t('admin.accounts.first_button')));
  return form;
}

// The signed-in organizer's own password (a first one was given by an owner).
export function passwordCard({ call }) {
  const error = h('p', { class: 'error', role: 'alert', id: 'pw-error' });
  const done = h('p', { class: 'notice', role: 'status', id: 'pw-done', hidden: true });
  const form = h('form', { id: 'change-password', onsubmit: async (e) => {
    e.preventDefault();
    done.hidden = true;
    const body = { current_password: form.querySelector('#pw-current_password').value, password: form.querySelector('#pw-password').value };
    const r = await call('POST', '/session/password', { body });
    // A wrong current password is said as such, not as a failed sign-in.
    if (!r.ok) return fieldError(form, 'pw', r.error?.code === 'wrong_password' ? { ...r.error, code: 'wrong_current' } : r.error, error);
    form.reset();
    for (const p of form.querySelectorAll('.error')) p.textContent = '';
    done.textContent = t('admin.accounts.password_changed');
    done.hidden = false;
  } },
  field('pw', 'current_password', t('admin.accounts.current_password'), { type: 'password', autocomplete: 'current-password', required: true }),
  field('pw', 'password', t('admin.accounts.new_password'), { type: 'password', autocomplete: 'new-password', required: true }, passwordHint()),
  error,
  h('button', { type: 'submit', class: 'btn', id: 'pw-button' }, t('admin.accounts.change_password')),
  done);
  return h('details', { class: 'card', id: 'password-details' }, h('summary', {}, t('admin.accounts.change_password_h')), form);
}

const roleName = (role) => t(`admin.accounts.role.${role}`);

// The organizers of a process, for its owners.
export function organizersPanel({ slug, call, me }) {
  const list = h('div', { id: 'organizers-list' });
  const status = h('p', { class: 'error', role: 'alert', id: 'organizers-status' });
  const roleSelect = (id, value) => h('select', { id }, ['observer', 'editor', 'owner'].map((r) => h('option', { value: r, selected: r === value }, roleName(r))));
  const refresh = async () => {
    const r = await call('GET', `/processes/${enc(slug)}/organizers`);
    if (!r.ok) {
      status.textContent = accountError(r.error);
      return;
    }
    list.replaceChildren(h('ul', { class: 'organizers' }, r.data.organizers.map((o) => {
      const select = o.admin ? null : roleSelect(`role-${o.id}`, o.role);
      select?.addEventListener('change', async () => {
        const res = await call('POST', `/processes/${enc(slug)}/organizers`, { body: { email: o.email, role: select.value } });
        status.textContent = res.ok ? '' : accountError(res.error);
        await refresh();
      });
      return h('li', { class: 'organizer' },
        h('p', {}, h('strong', {}, o.name), o.id === me?.id ? ` (${t('admin.accounts.you')})` : '', h('br'), h('span', { class: 'meta' }, o.email)),
        o.admin ? h('p', { class: 'hint' }, t('admin.accounts.admin_owner'))
          : h('div', { class: 'actions' },
            h('label', { class: 'sr-only', for: `role-${o.id}` }, t('admin.accounts.role_of', { name: o.name })), select,
            h('button', { type: 'button', class: 'btn secondary', id: `remove-${o.id}`, onclick: async () => {
              const res = await call('DELETE', `/processes/${enc(slug)}/organizers/${o.id}`);
              status.textContent = res.ok ? '' : accountError(res.error);
              await refresh();
            } }, t('admin.accounts.remove'))));
    })));
  };
  const error = h('p', { class: 'error', role: 'alert', id: 'add-error' });
  const form = h('form', { id: 'add-organizer', onsubmit: async (e) => {
    e.preventDefault();
    const value = (name) => form.querySelector(`#add-${name}`).value.trim();
    const body = { email: value('email'), role: form.querySelector('#add-role').value };
    if (value('name') || value('password')) Object.assign(body, { name: value('name'), password: form.querySelector('#add-password').value });
    const r = await call('POST', `/processes/${enc(slug)}/organizers`, { body });
    if (!r.ok) return fieldError(form, 'add', r.error, error);
    form.reset();
    status.textContent = '';
    list.dataset.added = r.data.email;
    await refresh();
    form.querySelector('#add-email').focus();
  } },
  h('h3', {}, t('admin.accounts.add_h')),
  field('add', 'email', t('admin.accounts.email'), { type: 'email', autocomplete: 'off', required: true }),
  h('div', { class: 'field' }, h('label', { for: 'add-role' }, t('admin.accounts.role')), roleSelect('add-role', 'observer'),
    h('p', { class: 'error', role: 'alert', id: 'add-role-error' })),
  h('p', { class: 'hint' }, t('admin.accounts.roles_help')),
  h('p', { class: 'hint' }, t('admin.accounts.new_account_help')),
  field('add', 'name', t('admin.accounts.name'), { type: 'text', autocomplete: 'off' }),
  field('add', 'password', t('admin.accounts.first_password'), { type: 'password', autocomplete: 'new-password' }, passwordHint()),
  error,
  h('button', { type: 'submit', class: 'btn', id: 'add-button' }, t('admin.accounts.add_button')));
  const element = h('section', { class: 'card no-print', 'aria-labelledby': 'organizers-h', id: 'organizers' },
    h('h2', { id: 'organizers-h' }, t('admin.accounts.organizers_h')), status, list, form);
  return { element, refresh };
}

// The action log, latest first, a page at a time: a list, which reads at 360 px.
export function logPanel({ slug, call, locale }) {
  const list = h('ol', { class: 'log-list', id: 'log-list' });
  const more = h('button', { type: 'button', class: 'btn secondary', id: 'log-more', hidden: true }, t('admin.accounts.log_more'));
  const status = h('p', { class: 'error', role: 'alert' });
  const when = (ms) => new Date(ms).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short' });
  let before = 0;
  const load = async () => {
    const r = await call('GET', `/processes/${enc(slug)}/log${before ? `?before=${before}` : ''}`);
    if (!r.ok) {
      status.textContent = accountError(r.error);
      return;
    }
    for (const e of r.data.entries) {
      list.append(h('li', {},
        h('p', { class: 'meta' }, h('time', { datetime: new Date(e.at_ms).toISOString() }, when(e.at_ms)), ' · ',
          h('strong', {}, e.account ? e.who.replace(/ <.*>$/, '') : t('admin.accounts.by_token'))),
        h('p', { class: 'mono' }, e.action),
        e.detail ? h('p', { class: 'detail' }, e.detail) : null));
      before = e.id;
    }
    more.hidden = !r.data.more;
  };
  more.addEventListener('click', load);
  const element = h('section', { class: 'card no-print', 'aria-labelledby': 'log-h', id: 'log' },
    h('h2', { id: 'log-h' }, t('admin.accounts.log_h')), h('p', { class: 'hint' }, t('admin.accounts.log_help')), status, list, more);
  return { element, refresh: load };
}
