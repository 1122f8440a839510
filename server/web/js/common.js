// Shared by every page: DOM building, translations, the language switch,
// calls to the JSON API and money formatting. No framework.

export const $ = (selector, root = document) => root.querySelector(selector);

// h('button', {class: 'btn', onclick: f, 'aria-label': 'x'}, 'text', child, [more])
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  appendAll(el, children);
  return el;
}

// Replaces an element's children (arrays flattened, null and false skipped).
export function fill(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
  return el;
}

// The same for SVG elements.
export function svg(tag, props = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setProps(el, props);
  appendAll(el, children);
  return el;
}

function setProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.setAttribute('class', value);
    else if (key === 'text') el.textContent = value;
    else if (key === 'value' || key === 'checked') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function appendAll(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

// --- translations -----------------------------------------------------------

export const LANGUAGES = { en: 'English', es: 'Español' };
const LANG_KEY = 'psephos-lang';
let dict = {};
let lang = 'en';
let plurals = new Intl.PluralRules('en');

export const currentLang = () => lang;

function storedLang() {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null;  // storage may be off
  }
}

// The saved choice, else the browser's first language we have, else English.
export function preferredLang() {
  const saved = storedLang();
  if (saved && LANGUAGES[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).slice(0, 2).toLowerCase();
    if (LANGUAGES[base]) return base;
  }
  return 'en';
}

// Strings of staff pages (admin, paper, clerk) live in their own files, so the
// voting page does not download them: such a page calls useStrings('staff') first.
const extraStrings = [];
export function useStrings(name) {
  extraStrings.push(name);
}

async function loadDict(code) {
  const files = [code, ...extraStrings.map((name) => `${name}-${code}`)];
  const parts = await Promise.all(files.map(async (file) => (await fetch(new URL(`../i18n/${file}.json`, import.meta.url))).json()));
  return Object.assign({}, ...parts);
}

export async function loadLang(code) {
  dict = await loadDict(code);
  lang = code;
  plurals = new Intl.PluralRules(code);
  document.documentElement.lang = code;
  translateStatic(document);
}

// t('status.chosen_of', {n: 2, max: 4}): "{n}" placeholders; with `n`, the key's
// ".one" / ".other" form (as Intl.PluralRules says) when there is one.
export const t = (key, params = {}) => translate(dict, plurals, key, params);
function translate(strings, rules, key, params) {
  let text;
  if (typeof params.n === 'number') text = strings[`${key}.${rules.select(params.n)}`] ?? strings[`${key}.other`];
  text = text ?? strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (params[name] !== undefined ? String(params[name]) : whole));
}
// Another language's t(), for what is printed in it (a batch's code sheets) while the page keeps its own.
export async function stringsOf(code) {
  if (!LANGUAGES[code] || code === lang) return t;
  const strings = await loadDict(code);
  const rules = new Intl.PluralRules(code);
  return (key, params = {}) => translate(strings, rules, key, params);
}
export const has = (key) => Object.prototype.hasOwnProperty.call(dict, key);

// Elements of the HTML name a key in their data-i18n attribute (for the text) or data-i18n-ATTR.
export function translateStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const attr of ['placeholder', 'aria-label', 'title']) {
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`)));
  }
  const title = document.querySelector('title[data-i18n]');
  if (title) document.title = title.textContent;
}

// Loads the language and wires the header's switch button (#lang): it names the
// other language in that language, and remembers the choice.
export async function startI18n(onChange) {
  await loadLang(preferredLang());
  const button = $('#lang');
  if (!button) return;
  const label = () => {
    const other = lang === 'en' ? 'es' : 'en';
    button.textContent = LANGUAGES[other];
    button.lang = other;  // read out in that language
    return other;
  };
  label();
  button.hidden = false;
  button.addEventListener('click', async () => {
    const other = lang === 'en' ? 'es' : 'en';
    try {
      localStorage.setItem(LANG_KEY, other);
    } catch {
      /* not remembered */
    }
    await loadLang(other);
    label();
    onChange?.();
  });
}

// --- the API ----------------------------------------------------------------

// Returns {ok, status, data, error}; never throws (a network failure is status 0).
export async function api(method, path, { body, token, raw, type, device, prefer, csrf } = {}) {
  const headers = {};
  if (csrf) headers['X-CSRF-Token'] = csrf;  // a signed-in organizer's changes (the cookie alone changes nothing)
  if (prefer) headers.Prefer = prefer;  // "respond-async": a close answers 202 before the count
  if (token) headers.Authorization = `Bearer ${token}`;
  if (device) headers.Authorization = `Device ${device}`;  // a kiosk's or clerk's token
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = type || (raw ? 'text/plain' : 'application/json');
    payload = raw ? body : JSON.stringify(body);
  }
  try {
    const response = await fetch(`/api/v1${path}`, { method, headers, body: payload, cache: 'no-store' });
    const text = await response.text();
    let data = text;
    try {
      data = JSON.parse(text);
    } catch {
      /* CSV or text */
    }
    const error = !response.ok ? (data && data.error) || { code: `http_${response.status}`, message: text } : null;
    return { ok: response.ok, status: response.status, data, error };
  } catch (e) {
    return { ok: false, status: 0, data: null, error: { code: 'network', message: String(e) } };
  }
}

// A translated sentence for an API error: "error.<code>" when known, else the server's words.
export function errorText(error) {
  if (!error) return '';
  return has(`error.${error.code}`) ? t(`error.${error.code}`) : error.message || error.code;
}

// --- pages ------------------------------------------------------------------

// The slug of /vote/<slug>, /results/<slug>, /check/<slug>.
export function slugFromPath() {
  const parts = location.pathname.split('/').filter(Boolean);
  return parts.length >= 2 ? decodeURIComponent(parts[1]) : '';
}

export const param = (name) => new URLSearchParams(location.search).get(name);

// Moves focus to a heading or region so screen readers announce the new view.
export function focusView(el) {
  if (!el) return;
  if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus();
}

// --- money ------------------------------------------------------------------

// Amounts arrive as integers or decimal strings ("30000.50"): counted here in
// integer units of 10^-scale, never binary fractions.
export function decimals(amount) {
  const text = String(amount ?? '');
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

export function toUnits(amount, scale) {
  const [whole, fraction = ''] = String(amount ?? 0).split('.');
  return Number(whole) * 10 ** scale + Number((fraction + '0'.repeat(scale)).slice(0, scale) || 0);
}

// The common scale of a budget's amounts (amount, costs, cost limits).
export function budgetScale(budget) {
  let scale = decimals(budget.amount);
  for (const p of budget.projects || []) scale = Math.max(scale, decimals(p.cost));
  const b = budget.ballot || {};
  return Math.max(scale, decimals(b.max_cost), decimals(b.min_cost));
}

// Money, numbers and dates are written as the reader's language writes them
// where the money is spent: Spanish in the US writes "$50,000", in Spain
// "50.000 €". The region comes from the currency when one country uses it.
const REGIONS = { USD: 'US', CAD: 'CA', MXN: 'MX', GBP: 'GB', PLN: 'PL', AUD: 'AU', NZD: 'NZ', CHF: 'CH', BRL: 'BR',
  ARS: 'AR', CLP: 'CL', COP: 'CO', PEN: 'PE', UYU: 'UY', INR: 'IN', ZAR: 'ZA', SEK: 'SE', NOK: 'NO', DKK: 'DK', CZK: 'CZ' };
let region = '';
// The region of a process (from its first budget's currency) for numbers and dates without a currency.
export function useRegionOf(def) {
  region = REGIONS[String(def?.budgets?.[0]?.currency || '').toUpperCase()] || '';
}
export function numberLocale(currency) {
  const r = currency ? REGIONS[String(currency).toUpperCase()] : region;
  return r ? `${lang}-${r}` : lang;
}
// The marks a locale writes numbers with ("12,345.6": group ",", decimal ".").
export function numberMarks(locale) {
  const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
  return { group: parts.find((x) => x.type === 'group')?.value ?? ',', decimal: parts.find((x) => x.type === 'decimal')?.value ?? '.' };
}

// A value in currency units (a number) written for the reader's language.
export function formatMoney(value, currency, scale = 0) {
  const digits = scale > 0 ? Math.max(2, scale) : 0;
  const options = { minimumFractionDigits: digits, maximumFractionDigits: digits };
  const locale = numberLocale(currency);
  if (currency && /^[A-Za-z]{3}$/.test(currency)) {
    try {
      return new Intl.NumberFormat(locale, { ...options, style: 'currency', currency: currency.toUpperCase() }).format(value);
    } catch {
      /* not a currency Intl knows */
    }
  }
  const number = new Intl.NumberFormat(locale, options).format(value);
  return currency ? `${number} ${currency}` : number;
}

export const formatUnits = (units, currency, scale) => formatMoney(units / 10 ** scale, currency, scale);
export const formatNumber = (n, digits = 0) =>
  new Intl.NumberFormat(numberLocale(), { maximumFractionDigits: digits }).format(n);
export const formatDate = (ms) => new Intl.DateTimeFormat(numberLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));

// --- the process's own texts ------------------------------------------------

// A definition's texts are in its first language, with `translations`
// {"es": {"name": …}} on the process, headings, budgets and projects. Sets
// every text to `code`'s where there is one, else the first language's (kept
// aside, so switching back works). Returns def.
const TEXT_KEYS = ['title', 'description', 'name', 'details', 'location'];
export function localize(def, code = lang) {
  if (!def) return def;
  const one = (o) => {
    if (!o.textsBase) Object.defineProperty(o, 'textsBase', { value: Object.fromEntries(TEXT_KEYS.map((k) => [k, o[k]])) });
    const own = o.translations?.[code] || {};
    for (const k of TEXT_KEYS) {
      const value = own[k] || o.textsBase[k];
      if (value !== undefined) o[k] = value;
      else delete o[k];  // a text only a translation has: gone again in the other languages
    }
  };
  one(def);
  for (const x of def.headings || []) one(x);
  for (const b of def.budgets || []) {
    one(b);
    for (const p of b.projects || []) one(p);
  }
  return def;
}

// Where a voter's own device keeps their ballot's log entry under private
// receipts (voteflow.js writes it, check.js shows it): server/AUDIT.md.
export const ballotKey = (slug, receipt) => `psephos.ballot.${slug}.${receipt}`;

// A voting window's time in the page's language and the organizer's time zone:
// { date: "March 15", time: "6:00 PM", at: "at 6:00 PM" }, the zone named
// ("6:00 PM CET") when it is not the reader's own. The year shows when it is not
// this year's. `at` agrees with the hour as written, as a plural does: Spanish
// "a la 1:05" (01:05, or 1:05 p. m. where the clock has 12 hours), "a las 13:05".
export function formatWhen(ms, zone) {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  let timeZone = zone || undefined;
  try {
    new Intl.DateTimeFormat(lang, { timeZone });
  } catch {
    timeZone = undefined;  // an unknown zone: the reader's
  }
  const at = new Date(ms);
  const year = new Intl.DateTimeFormat(lang, { year: 'numeric', timeZone }).format(at);
  const thisYear = new Intl.DateTimeFormat(lang, { year: 'numeric', timeZone }).format(new Date());
  const date = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long', year: year === thisYear ? undefined : 'numeric', timeZone }).format(at);
  const named = timeZone && timeZone !== own ? { timeZoneName: 'short' } : {};
  const parts = new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit', timeZone, ...named }).formatToParts(at);
  const time = parts.map((x) => x.value).join('');
  const hour = Number(parts.find((x) => x.type === 'hour')?.value);
  return { date, time, at: t('time.at', { n: hour, time }) };
}

// The voter's line about a window: "Voting closes on March 15 at 6:00 PM", or
// opens (a draft), or closed; null when there is no such time.
export function windowText(def) {
  const s = def?.schedule || {};
  const open = def?.state === 'open';
  if (def?.state === 'draft' && s.opens_at_ms) return t('window.opens', formatWhen(s.opens_at_ms, s.time_zone));
  if (open && s.closes_at_ms) return t('window.closes', formatWhen(s.closes_at_ms, s.time_zone));
  if (!open && s.closes_at_ms && s.closes_at_ms <= Date.now()) return t('window.closed', formatWhen(s.closes_at_ms, s.time_zone));
  return null;
}
