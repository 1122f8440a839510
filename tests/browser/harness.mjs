// Shared by the browser tests: a psephos-server child on 127.0.0.1:0 with a
// temporary data directory and the example process, Debian's chromium driven
// by playwright-core, and small helpers for the organizer API.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import jsQR from 'jsqr';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER = process.env.PSEPHOS_SERVER || join(ROOT, 'build/server/psephos-server');
export const CHROMIUM = process.env.PSEPHOS_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = process.env.PSEPHOS_SCREENSHOTS || join(ROOT, 'docs/screenshots');
const EXAMPLE = join(ROOT, 'examples/roosevelt-high-2026.json');

// A page's two languages, each with the browser locale it is read in.
export const LANGUAGES = [['en', 'en-US'], ['es', 'es-ES']];

// The community garden vote of the cycle's tests (cycle, progress): one budget,
// three projects, English and Spanish.
export const gardenProcess = (slug) => ({
  slug, title: 'Community garden PB', languages: ['en', 'es'], groups: ['resident'],
  translations: { es: { title: 'Presupuesto del huerto' } },
  budgets: [{ id: 'main', amount: 1000, currency: 'USD', rule: 'greedy',
    ballot: { type: 'approval', min_projects: 1, max_projects: 2 },
    projects: [
      { id: 'a', name: 'Shade trees along the playground fence', cost: 600, translations: { es: { name: 'Árboles de sombra junto a la valla del patio' } } },
      { id: 'b', name: 'Bike racks', cost: 500, translations: { es: { name: 'Aparcabicis' } } },
      { id: 'c', name: 'Raised vegetable beds', cost: 400, translations: { es: { name: 'Bancales elevados de hortalizas' } } }] }],
});

// Starts the server and waits for its token and "listening ... (ready)" lines.
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'psephos-browser-'));
  const data = join(dir, 'data');
  const child = spawn(SERVER, ['--data', data, '--listen', '127.0.0.1:0', '--example', EXAMPLE, '--threads', '2'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in 20 s:\n${output}`)), 20000);
    const onData = (chunk) => {
      output += chunk;
      const port = output.match(/listening on https:\/\/127\.0\.0\.1:(\d+) \(ready\)/);
      const token = output.match(/organizer token \(shown once; keep it safe\): ([0-9a-f]{64})/);
      if (port && token) {
        clearTimeout(timer);
        resolveReady({ port: Number(port[1]), token: token[1] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  const { port, token } = await ready;
  const codes = readFileSync(join(data, 'example-codes.csv'), 'utf8').trim().split('\n').slice(1)
    .map((line) => ({ code: line.slice(0, 19), group: line.slice(20) }));
  const server = {
    url: `https://127.0.0.1:${port}`,
    token,
    codes,
    output: () => output,
    // SIGTERM, as an operator stops it: a clean exit is 0 (a sanitizer report is not).
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      if (child.exitCode !== 0) throw new Error(`psephos-server exited with ${child.exitCode ?? child.signalCode}:\n${output.slice(-4000)}`);
    },
  };
  server.api = (method, path, body, { token: auth = token, type } = {}) => apiCall(server.url, method, path, body, auth, type);
  return server;
}

// The organizer API from node (self-signed certificate: trust is turned off for this call only).
async function apiCall(url, method, path, body, token, type) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = type || 'application/json';
  const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  try {
    const response = await fetch(`${url}/api/v1${path}`, { method, headers,
      body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* csv */
    }
    return { status: response.status, json, text };
  } finally {
    if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
  }
}

// One psephos-server for the tests of the file (or describe) this is called in:
// the object returned is filled in by a before() hook, which then runs
// `prepare(server)` (a file's set-up that needs the server: node runs a file's
// top-level before() hooks without waiting for each other), and stopped by an after() one.
export function useServer(prepare) {
  const server = {};
  before(async () => {
    Object.assign(server, await startServer());
    await prepare?.(server);
  });
  after(async () => server.stop?.());
  return server;
}

// A batch of `count` codes of a process (`group`, `area` when given); the plain codes.
export async function makeCodes(server, slug, { count = 3, group, area } = {}) {
  const batch = await server.api('POST', `/processes/${slug}/codes`, { count, ...(group !== undefined ? { group } : {}), ...(area ? { area } : {}) });
  if (batch.status !== 201) throw new Error(`codes of ${slug}: ${batch.text}`);
  const csv = await server.api('GET', batch.json.download.replace('/api/v1', ''));
  return csv.text.trim().split('\n').slice(1).map((line) => line.slice(0, 19));
}

// Creates a process from `definition`, makes `count` codes per group (or without a
// group), opens it, and returns the plain codes.
export async function openProcess(server, definition, count = 3) {
  const created = await server.api('POST', '/processes', definition);
  if (created.status !== 201) throw new Error(`create ${definition.slug}: ${created.text}`);
  const codes = [];
  for (const group of definition.groups?.length ? definition.groups : ['']) {
    codes.push(...await makeCodes(server, definition.slug, { count, group }));
  }
  const opened = await server.api('POST', `/processes/${definition.slug}/open`);
  if (opened.status !== 200) throw new Error(`open ${definition.slug}: ${opened.text}`);
  return codes;
}

// Chromium at a phone's size (360 x 740), a fresh profile, English unless told;
// in the machine's time zone unless `timezoneId` names another.
export async function startBrowser({ locale = 'en-US', timezoneId } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'psephos-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--ignore-certificate-errors'],
    ignoreHTTPSErrors: true,
    viewport: { width: 360, height: 740 },
    locale,
    ...(timezoneId ? { timezoneId } : {}),
  });
  const problems = [];
  context.on('page', (page) => watch(page, problems));
  for (const page of context.pages()) watch(page, problems);
  return {
    context,
    problems,  // console errors, page errors, CSP violations
    page: async () => context.pages()[0] || context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// A browser as startBrowser makes it and its page: `({ browser, page } = await openPage({ locale }))`.
export async function openPage(options) {
  const browser = await startBrowser(options);
  return { browser, page: await browser.page() };
}

// Closes a browser once its pages have logged no problem (a suite's after() hook).
export async function closeClean(browser) {
  if (!browser) return;
  try {
    assert.deepEqual(browser.problems, []);
  } finally {
    await browser.close();
  }
}

// The page's language switch (#lang), to `lang`.
export async function switchLanguage(page, lang) {
  await page.locator('#lang').click();
  await page.waitForFunction((code) => document.documentElement.lang === code, lang);
}

// The organizer page (at `route`, "#/p/slug"), signed in with the server's token.
export async function signIn(page, server, route = '') {
  await page.goto(`${server.url}/admin${route}`);
  await page.locator('#token').fill(server.token);
  await page.locator('form button[type=submit]').click();
}

// A JPEG the browser draws itself, for uploads. `shapes` in order, each
// { fill, rect: [x, y, w, h] } or { fill, circle: [x, y, r] }; a fill [top, bottom]
// is a vertical gradient over the whole picture.
export async function drawnJpeg(page, width, height, shapes) {
  const base64 = await page.evaluate(async ({ width: w, height: h, shapes: list }) => {
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d');
    for (const shape of list) {
      if (Array.isArray(shape.fill)) {
        const gradient = ctx.createLinearGradient(0, 0, 0, h);
        gradient.addColorStop(0, shape.fill[0]);
        gradient.addColorStop(1, shape.fill[1]);
        ctx.fillStyle = gradient;
      } else {
        ctx.fillStyle = shape.fill;
      }
      if (shape.rect) {
        ctx.fillRect(...shape.rect);
      } else {
        ctx.beginPath();
        ctx.arc(...shape.circle, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    const blob = await new Promise((r) => canvas.toBlob(r, 'image/jpeg', 0.9));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }, { width, height, shapes });
  return Buffer.from(base64, 'base64');
}

function watch(page, problems) {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // An API answering 4xx is logged as a failed load: expected in tests of refusals.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
}

export async function screenshot(page, name, options = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), ...options });
}

// Text whose colour against its background is below WCAG 2.1 AA (4.5:1, or 3:1
// for large text), for the visible elements of the page. Disabled controls are exempt.
export async function contrastProblems(page) {
  return page.evaluate(() => {
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || !el.checkVisibility?.() || el.closest('svg')) continue;
      if (el.closest('[disabled],[aria-disabled="true"]')) continue;
      const style = getComputedStyle(el);
      const fg = rgb(style.color).slice(0, 3);
      const [l1, l2] = [lum(fg), lum(background(el))].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) out.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}": ${ratio.toFixed(2)}`);
    }
    return out;
  });
}

// Form controls without an accessible name, and fieldsets without a legend.
export async function labelProblems(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      if (el.type === 'hidden' || !el.checkVisibility?.()) continue;
      const named = el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
        (el.tagName === 'BUTTON' && el.textContent.trim());
      if (!named) out.push(`${el.tagName.toLowerCase()}#${el.id}`);
    }
    for (const f of document.querySelectorAll('fieldset')) if (!f.querySelector(':scope > legend')) out.push('fieldset without legend');
    return out;
  });
}

// Decodes the QR code drawn in an SVG element: a copy, 300 px wide on top of
// the page, is photographed and read by jsQR.
export async function decodeQr(locator) {
  await locator.evaluate((svg) => {
    const box = document.createElement('div');
    box.id = 'qr-probe';
    Object.assign(box.style, { position: 'fixed', top: '0', left: '0', width: '300px', background: '#fff', zIndex: '1000' });
    const copy = svg.cloneNode(true);
    copy.style.width = '300px';
    copy.style.maxWidth = 'none';
    box.append(copy);
    document.body.append(box);
  });
  const probe = locator.page().locator('#qr-probe');
  const png = PNG.sync.read(await probe.screenshot());
  await probe.evaluate((box) => box.remove());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

// Text that does not fit: an element whose own text overflows its box or the
// 360 px page, and SVG text running past its chart's viewBox (an SVG clips there).
export async function clippedText(page, root = 'main') {
  return page.evaluate((selector) => {
    const out = [];
    const scope = document.querySelector(selector) || document.body;
    const width = document.documentElement.clientWidth;
    for (const el of scope.querySelectorAll('*')) {
      if (el.closest('svg') || !el.checkVisibility?.() || el.closest('.sr-only')) continue;
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own) continue;
      const box = el.getBoundingClientRect();
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') out.push(`${el.tagName} "${el.textContent.trim().slice(0, 40)}" overflows its box`);
      if (box.right > width + 1) out.push(`${el.tagName} "${el.textContent.trim().slice(0, 40)}" runs off the page (${Math.round(box.right)} > ${width})`);
    }
    for (const text of scope.querySelectorAll('svg text')) {
      const chart = text.ownerSVGElement;
      const view = chart.viewBox.baseVal;
      const b = text.getBBox();
      if (b.x < view.x - 0.5 || b.x + b.width > view.x + view.width + 0.5) out.push(`svg text "${text.textContent}" cut (${Math.round(b.x + b.width)} > ${view.width})`);
    }
    return out;
  }, root);
}

// Text of `root` that reads like a translation key with one of `prefixes`
// ("phases|progress"): a string left untranslated.
export async function keysShown(page, prefixes, root = 'main') {
  const text = await page.locator(root).innerText();
  return text.match(new RegExp(`\\b(${prefixes})\\.[a-z_.]+`, 'g')) || [];
}

// What every screen must pass at 360 px: no text cut, every control named, enough
// contrast, no key of `prefixes` left untranslated, nothing wider than the screen.
export async function checkScreen(page, prefixes, root = 'main') {
  assert.deepEqual(await clippedText(page), []);
  assert.deepEqual(await labelProblems(page), []);
  assert.deepEqual(await contrastProblems(page), []);
  assert.deepEqual(await keysShown(page, prefixes, root), []);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360, 'nothing wider than the screen');
}
