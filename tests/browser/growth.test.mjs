// "Has the ballot log only grown?" on the receipt check page: the voting page
// notes the board's state after a ballot; /check compares it with the log now
// through a consistency proof verified in the browser, in English and Spanish.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { contrastProblems, labelProblems, openPage, openProcess, screenshot, useServer } from './harness.mjs';

const PARK = {
  slug: 'park-2026', title: 'Park budget 2026', languages: ['en', 'es'],
  budgets: [{ id: 'main', title: 'Park budget', amount: 10000, currency: 'EUR', rule: 'greedy', ballot: { type: 'approval' },
    projects: [{ id: 'a', name: 'Benches', cost: 3000 }, { id: 'b', name: 'Fountain', cost: 5000 }, { id: 'c', name: 'Lights', cost: 4000 }] }],
};

let browser;
let page;
let codes;

const server = useServer(async () => {
  codes = await openProcess(server, PARK, 8);
  ({ browser, page } = await openPage());
});

after(() => browser?.close());

const board = async () => (await server.api('GET', `/processes/${PARK.slug}/board`, undefined, { token: '' })).json;
const vote = async (code, projects) => {
  const r = await server.api('POST', `/processes/${PARK.slug}/ballots`, { code, ballots: { main: { projects } } }, { token: '' });
  assert.equal(r.status, 201, r.text);
};

describe('the ballot log only grows, checked on /check', () => {
  test('the voting page notes the state after the ballot; /check proves the log grew from it', async () => {
    await vote(codes[0], ['a']);
    await page.goto(`${server.url}/vote/${PARK.slug}?code=${codes[1]}`);
    await page.getByRole('checkbox', { name: 'Fountain' }).check();
    await page.getByRole('button', { name: 'Review my vote' }).click();
    await page.getByRole('button', { name: 'Submit my vote' }).click();
    await page.locator('#receipt').waitFor();
    const seen = await board();
    assert.equal(seen.ballots, 2);
    await page.waitForFunction((k) => localStorage.getItem(k), `psephos-head-${PARK.slug}`);
    assert.equal(await page.evaluate((k) => localStorage.getItem(k), `psephos-head-${PARK.slug}`), `2:${seen.head}`);
    // Others vote after.
    for (const [i, projects] of [['a', 'c'], ['b'], ['c']].entries()) await vote(codes[2 + i], projects);

    await page.goto(`${server.url}/check/${PARK.slug}`);
    await page.getByRole('heading', { name: 'Has the ballot log only grown?' }).waitFor();
    assert.equal(await page.getByLabel('Log state noted earlier').inputValue(), `2:${seen.head}`);
    await page.getByText('This browser noted the log\'s state when you voted here.').waitFor();
    const now = await board();
    assert.equal(await page.locator('#board-now').textContent(), `5:${now.head}`);
    await page.getByRole('button', { name: 'Compare with the log now' }).click();
    await page.locator('#growth-verdict.verified').waitFor();
    assert.equal(await page.locator('#growth-verdict').textContent(),
      'Verified in this browser: the log has only grown. The 2 ballots it held then are still its first 2, unchanged, of 5 now.');
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await page.locator('#growth').scrollIntoViewIfNeeded();
    await screenshot(page, 'check-growth');
    await screenshot(page, 'check-growth-full', { fullPage: true });

    // Every earlier state, entered by hand, also proves (uneven subtrees: 1 to 5 of 5).
    const heads = [];
    for (let n = 1; n <= 5; n++) {
      const r = await server.api('GET', `/processes/${PARK.slug}/board/consistency?from=${n}`, undefined, { token: '' });
      heads.push(`${n}:${r.json.old_head}`);
    }
    for (const noted of heads) {
      await page.getByLabel('Log state noted earlier').fill(noted);
      await page.getByRole('button', { name: 'Compare with the log now' }).click();
      await page.getByText(`The ${noted.split(':')[0] === '1' ? 'ballot it held then' : `${noted.split(':')[0]} ballots`}`).waitFor();
      await page.locator('#growth-verdict.verified').waitFor();
    }
  });

  test('what does not continue the noted state is named, never verified', async () => {
    await page.goto(`${server.url}/check/${PARK.slug}`);
    const field = page.getByLabel('Log state noted earlier');
    const compare = page.getByRole('button', { name: 'Compare with the log now' });
    await field.fill('2:not-a-head');
    await compare.click();
    await page.getByText('Write the number of ballots, a colon, then the head').waitFor();
    // A head the log never had.
    await field.fill(`3:${'a'.repeat(64)}`);
    await compare.click();
    await page.locator('#growth-verdict.failed').waitFor();
    await page.getByText('some of its first 3 ballots were changed or removed').waitFor();
    await page.locator('#growth').scrollIntoViewIfNeeded();
    await screenshot(page, 'check-growth-failed');
    // More ballots than the log holds now: it shrank.
    await field.fill(`9:${(await board()).head}`);
    await compare.click();
    await page.locator('#growth-verdict.failed').waitFor();
    // A server answering with a proof that does not hold is caught by the browser.
    const noted = `2:${(await server.api('GET', `/processes/${PARK.slug}/board/consistency?from=2`, undefined, { token: '' })).json.old_head}`;
    let tampered;
    const served = new Promise((resolve) => { tampered = resolve; });
    await page.route('**/board/consistency*', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      body.proof[0] = 'f'.repeat(64);
      await route.fulfill({ response, json: body });
      tampered();
    });
    await field.fill(noted);
    await compare.click();
    await served;  // the verdict above is still .failed: wait for this answer, not for it
    await page.locator('#growth-verdict.failed').waitFor();
    await page.unroute('**/board/consistency*');
    await compare.click();
    await page.locator('#growth-verdict.verified').waitFor();
  });

  test('Spanish', async () => {
    await page.goto(`${server.url}/check/${PARK.slug}`);
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByRole('heading', { name: '¿El registro de papeletas solo ha crecido?' }).waitFor();
    await page.getByRole('button', { name: 'Comparar con el registro actual' }).click();
    await page.getByText('Verificado en este navegador: el registro solo ha crecido. Las 2 papeletas que tenía entonces').waitFor();
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await page.locator('#growth').scrollIntoViewIfNeeded();
    await screenshot(page, 'check-growth-es');
    await page.getByLabel('Estado del registro anotado antes').fill('1:x');
    await page.getByRole('button', { name: 'Comparar con el registro actual' }).click();
    await page.getByText('Escribe el número de papeletas, dos puntos y la cabeza').waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Has the ballot log only grown?' }).waitFor();
  });

  test('the manifest of the served pages is public and matches what the browser loads', async () => {
    const r = await server.api('GET', '/manifest', undefined, { token: '' });
    assert.equal(r.status, 200);
    const js = await (await page.request.get(`${server.url}/static/${r.json.manifest.version}/js/growth.js`)).body();
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', js)).toString('hex');
    assert.equal(r.json.manifest.files['js/growth.js'], digest);
  });

  test('no script errors or content security policy violations', () => {
    assert.deepEqual(browser.problems, []);
  });
});
