// Without a browser: how psephos-server serves the pages (types, caching,
// security headers, 404/405, the API untouched), the translation files, the
// page weight, and the QR encoder decoded at every version it makes.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import jsQR from 'jsqr';
import { ROOT, useServer } from './harness.mjs';

const WEB = join(ROOT, 'server/web');
// Everything vote.html loads (the staff pages' strings are in i18n/staff-*.json,
// the results page's in i18n/results-*.json).
const VOTE_FILES = ['css/app.css', 'js/common.js', 'js/ballot.js', 'js/voteflow.js', 'js/growth.js', 'js/merkle.js', 'js/vote.js',
  'js/timeline.js', 'i18n/en.json', 'icon.svg'];
const server = useServer();


// node's fetch asks for gzip and unpacks it by itself: node:https shows the bytes as sent.
function getWith(path, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const request = https.request(`${server.url}${path}`, { method, headers, rejectUnauthorized: false }, (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode, headers: new Headers(response.headers), body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}
const get = (path, method = 'GET') => getWith(path, {}, method);

describe('serving the pages', () => {
  test('pages by route, with the security headers and no caching of pages', async () => {
    for (const [path, file] of [['/', 'index.html'], ['/admin', 'admin.html'], ['/admin/', 'admin.html'],
      ['/vote/roosevelt-high-2026', 'vote.html'], ['/results/roosevelt-high-2026', 'results.html'],
      ['/check/any-slug-1?receipt=ab', 'check.html'], ['/vote/roosevelt-high-2026?code=X', 'vote.html']]) {
      const r = await get(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(r.headers.get('cache-control'), 'no-cache');
      assert.equal(r.headers.get('content-security-policy'), "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(r.body.toString().includes(`src="/static/`), `${path} is ${file}`);
      assert.ok(!r.body.toString().includes('@V@'));
      assert.ok(!/<script>|style="|\son[a-z]+="/.test(r.body.toString()), `${path}: no inline script or style`);
    }
  });

  test('assets: versioned URLs are immutable, the right types, HEAD works', async () => {
    const html = (await get('/vote/x')).body.toString();
    const version = html.match(/\/static\/([0-9a-f]{12})\/css\/app\.css/)[1];
    for (const [file, type] of [['css/app.css', 'text/css; charset=utf-8'], ['js/vote.js', 'text/javascript; charset=utf-8'],
      ['i18n/es.json', 'application/json; charset=utf-8'], ['icon.svg', 'image/svg+xml']]) {
      const r = await get(`/static/${version}/${file}`);
      assert.equal(r.status, 200, file);
      assert.equal(r.headers.get('content-type'), type);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.deepEqual(r.body, readFileSync(join(WEB, file)));
    }
    const plain = await get('/static/js/qr.js');
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('cache-control'), 'no-cache');
    const stale = await get('/static/0123456789ab/js/qr.js');  // a page from an older build
    assert.equal(stale.status, 200);
    assert.equal(stale.headers.get('cache-control'), 'no-cache');
    const head = await get(`/static/${version}/js/ballot.js`, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers.get('content-length')), readFileSync(join(WEB, 'js/ballot.js')).length);
  });

  test('anything else: 404 pages, 405 for other methods, the API unchanged', async () => {
    for (const path of ['/nowhere', '/vote/', '/vote/Bad_Slug', '/vote/a/b', '/static/nope.js', '/static/vote.html',
      '/static/../server/web/vote.html', '/results', '/api', '/favicon.ico']) {
      const r = await get(path);
      assert.equal(r.status, 404, path);
    }
    assert.equal((await get('/vote/x', 'POST')).status, 405);
    assert.equal((await get('/vote/x', 'DELETE')).status, 405);
    const api404 = await get('/api/v1/nowhere');
    assert.equal(api404.status, 404);
    assert.equal(JSON.parse(api404.body).error.code, 'not_found');
    assert.equal(JSON.parse((await get('/healthz')).body).status, 'ok');
    assert.equal((await get('/api/v1/processes/roosevelt-high-2026/ballot')).status, 200);
  });

  test('the voting page weighs a few tens of KB', async () => {
    const total = ['vote.html', ...VOTE_FILES].reduce((n, f) => n + readFileSync(join(WEB, f)).length, 0);
    // 110 KB today, uncompressed (README "Page weight"): texts in every language, the voting
    // window, pictures' cards, the cycle's timeline and the retry of a ballot whose answer was lost came in;
    // gzip below. The list of corrections (changes.js) is fetched only when there is one, pictures only when in view.
    assert.ok(total < 112 * 1024, `voting page: ${total} bytes`);
    for (const f of readdirSync(join(WEB, 'js'))) {
      const lines = readFileSync(join(WEB, 'js', f), 'utf8').split('\n').length;
      assert.ok(lines < 600, `${f}: ${lines} lines`);
    }
  });
});

describe('compression', () => {
  const gzipGet = (path, method = 'GET') => getWith(path, { 'Accept-Encoding': 'gzip' }, method);

  test('the voting page travels compressed: under 34 KB, and every byte the same once unpacked', async () => {
    const html = (await gzipGet('/vote/roosevelt-high-2026')).body;
    const version = gunzipSync(html).toString().match(/\/static\/([0-9a-f]{12})\/css\/app\.css/)[1];
    let sent = html.length;
    for (const f of VOTE_FILES) {
      const r = await gzipGet(`/static/${version}/${f}`);
      assert.equal(r.status, 200, f);
      assert.equal(r.headers.get('vary'), 'Accept-Encoding', f);
      const plain = readFileSync(join(WEB, f));
      if (r.headers.get('content-encoding') === 'gzip') assert.deepEqual(gunzipSync(r.body), plain, f);
      else assert.deepEqual(r.body, plain, f);
      sent += r.body.length;
    }
    // 35 KB today (README "Page weight"); the ballot's JSON comes on top, compressed too.
    const ballot = await gzipGet('/api/v1/processes/roosevelt-high-2026/ballot');
    assert.equal(ballot.headers.get('content-encoding'), 'gzip');
    assert.ok(sent < 36 * 1024, `voting page compressed: ${sent} bytes`);
  });

  test('HEAD of a compressed asset: its headers and length, no body', async () => {
    const html = gunzipSync((await gzipGet('/vote/x')).body).toString();
    const version = html.match(/\/static\/([0-9a-f]{12})\/css\/app\.css/)[1];
    const get = await gzipGet(`/static/${version}/js/ballot.js`);
    const head = await gzipGet(`/static/${version}/js/ballot.js`, 'HEAD');
    assert.equal(head.headers.get('content-encoding'), 'gzip');
    assert.equal(Number(head.headers.get('content-length')), get.body.length);
    assert.equal(head.headers.get('etag'), get.headers.get('etag'));
    assert.equal(head.body.length, 0);
  });
});

describe('translations', () => {
  const read = (file) => JSON.parse(readFileSync(join(WEB, 'i18n', file), 'utf8'));
  const en = { ...read('en.json'), ...read('staff-en.json'), ...read('results-en.json'), ...read('progress-en.json'), ...read('ideas-en.json') };
  const es = { ...read('es.json'), ...read('staff-es.json'), ...read('results-es.json'), ...read('progress-es.json'), ...read('ideas-es.json') };

  test('the results strings are in results-*.json only, apart from what the voting page downloads', () => {
    const report = /^(results|decision|criterion|criterion_help|rule)\./;
    assert.ok(Object.keys(read('en.json')).every((k) => !report.test(k)));
    assert.ok(Object.keys(read('results-en.json')).every((k) => report.test(k)));
    assert.deepEqual(Object.keys(read('results-es.json')).sort(), Object.keys(read('results-en.json')).sort());
  });

  test('the ideas pages\' strings are in ideas-*.json only', () => {
    assert.ok(Object.keys(read('en.json')).every((k) => !k.startsWith('ideas.')));
    assert.ok(Object.keys(read('ideas-en.json')).every((k) => k.startsWith('ideas.')));
    assert.deepEqual(Object.keys(read('ideas-es.json')).sort(), Object.keys(read('ideas-en.json')).sort());
  });

  test('the progress page\'s strings are in progress-*.json only, apart from what the voting page downloads', () => {
    const progress = /^(progress\.|title\.progress$)/;
    assert.ok(Object.keys(read('en.json')).every((k) => !progress.test(k)));
    assert.ok(Object.keys(read('progress-en.json')).every((k) => progress.test(k)));
    assert.deepEqual(Object.keys(read('progress-es.json')).sort(), Object.keys(read('progress-en.json')).sort());
  });

  test('the staff strings are apart from what voters download, and only there', () => {
    const staff = /^(admin|paper|clerk|committee|report)\./;
    assert.ok(Object.keys(read('en.json')).every((k) => !staff.test(k)));
    assert.ok(Object.keys(read('staff-en.json')).every((k) => staff.test(k)));
    assert.deepEqual(Object.keys(read('staff-es.json')).sort(), Object.keys(read('staff-en.json')).sort());
  });

  test('English and Spanish have the same keys and the same placeholders', () => {
    assert.deepEqual(Object.keys(es).sort(), Object.keys(en).sort());
    const holes = (s) => (s.match(/\{\w+\}/g) || []).sort();
    for (const key of Object.keys(en)) {
      // A plural form may leave out {n} ("1 project"); the rest must match.
      const strip = (list) => list.filter((h) => h !== '{n}');
      assert.deepEqual(strip(holes(es[key])), strip(holes(en[key])), key);
    }
  });

  test('every key the pages name is translated', () => {
    const source = readdirSync(join(WEB, 'js')).map((f) => readFileSync(join(WEB, 'js', f), 'utf8')).join('\n')
      + readdirSync(WEB).filter((f) => f.endsWith('.html')).map((f) => readFileSync(join(WEB, f), 'utf8')).join('\n');
    const keys = new Set([...source.matchAll(/\bt\('([a-z_]+\.[a-z0-9_.-]+)'/g), ...source.matchAll(/data-i18n="([^"]+)"/g),
      ...source.matchAll(/\? '([a-z_]+\.[a-z_]+)' :/g), ...source.matchAll(/: '([a-z_]+\.[a-z_]+)'\)/g)].map((m) => m[1]));
    assert.ok(keys.size > 150, `found ${keys.size} keys`);
    for (const key of keys) assert.ok(key in en || `${key}.other` in en, `missing translation: ${key}`);
  });
});

describe('QR encoder (server/web/js/qr.js)', () => {
  test('decodes back to the text at versions 1 to 10', async () => {
    const { qrMatrix } = await import(join(WEB, 'js/qr.js'));
    // Byte lengths at the edge of each version's capacity (level M, byte mode): [bytes, modules a side].
    const edges = [[1, 21], [14, 21], [15, 25], [26, 25], [27, 29], [42, 29], [43, 33], [62, 33], [63, 37], [84, 37],
      [85, 41], [106, 41], [107, 45], [122, 45], [123, 49], [152, 49], [153, 53], [180, 53], [181, 57], [213, 57]];
    for (const [bytes, side] of edges) {
      // A link, cut to length; past 40 bytes it ends in a two-byte UTF-8 letter.
      const ascii = `https://vote.example.org/vote/roosevelt-high-2026?code=`.padEnd(bytes, 'X');
      const text = bytes > 40 ? `${ascii.slice(0, bytes - 2)}é` : ascii.slice(0, bytes);
      const m = qrMatrix(text);
      assert.equal(m.length, side, `${bytes} bytes`);
      const scale = 4;
      const n = (m.length + 8) * scale;
      const pixels = new Uint8ClampedArray(n * n * 4).fill(255);
      m.forEach((row, y) => row.forEach((dark, x) => {
        if (!dark) return;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const at = (((y + 4) * scale + dy) * n + (x + 4) * scale + dx) * 4;
            pixels.fill(0, at, at + 3);
          }
        }
      }));
      assert.equal(jsQR(pixels, n, n)?.data, text, `${bytes} bytes, ${side} modules`);
    }
    assert.throws(() => qrMatrix('x'.repeat(214)), /too long/);
  });
});
