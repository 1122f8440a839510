// Receipts and privacy (server/AUDIT.md "Receipt modes", "Small groups"): what the
// receipt page, the /check page and the results page reveal in each receipt mode,
// at a phone's size in English and Spanish.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { contrastProblems, labelProblems, openPage, openProcess, screenshot, startBrowser, useServer } from './harness.mjs';

const garden = (slug, receipts) => ({
  slug, title: `Garden budget (${receipts} receipts)`, languages: ['en', 'es'], groups: ['neighbour', 'gardener'],
  revoting: 'latest', receipts,
  budgets: [{ id: 'main', title: 'Garden', amount: 1000, currency: 'USD', rule: 'greedy', ballot: { type: 'approval', max_projects: 2 },
    projects: [{ id: 'a', name: 'Rain barrels', cost: 400 }, { id: 'b', name: 'Tool shed', cost: 500 }, { id: 'c', name: 'Compost bins', cost: 300 }] }],
});
const VERIFIABLE = garden('garden-verifiable', 'verifiable');
const PRIVATE = garden('garden-private', 'private');

let browser;
let page;
const codes = {};
const receipts = {};

const server = useServer(async () => {
  codes.verifiable = await openProcess(server, VERIFIABLE, 6);
  codes.private = await openProcess(server, PRIVATE, 6);
  ({ browser, page } = await openPage());
});

after(() => browser?.close());

// Votes through the page (as a voter on their own phone) and returns the receipt.
async function vote(slug, code, projects) {
  await page.goto(`${server.url}/vote/${slug}?code=${code}`);
  for (const name of projects) await page.getByRole('checkbox', { name }).check();
  await page.getByRole('button', { name: 'Review my vote' }).click();
  await page.getByRole('button', { name: 'Submit my vote' }).click();
  await page.locator('#receipt').waitFor();
  return (await page.locator('#receipt').textContent()).trim();
}

const fitsWidth = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

async function spanish() {
  await page.getByRole('button', { name: 'Español' }).click();
  await page.locator('html[lang=es]').waitFor();
}

async function english() {
  await page.getByRole('button', { name: 'English' }).click();
  await page.locator('html[lang=en]').waitFor();
}

describe('receipts and privacy', () => {
  test('the receipt page says what the receipt reveals, per mode', async () => {
    receipts.verifiable = await vote(VERIFIABLE.slug, codes.verifiable[0], ['Rain barrels', 'Compost bins']);
    assert.match(await page.locator('#receipt-reveals').textContent(), /anyone who has it can look it up and see how you voted/);
    receipts.private = await vote(PRIVATE.slug, codes.private[0], ['Rain barrels', 'Compost bins']);
    assert.match(await page.locator('#receipt-reveals').textContent(), /It does not show how you voted/);
    await screenshot(page, 'receipt-private', { fullPage: true });
    // The voter changes their mind: the first receipt must not tell anyone so.
    receipts.replaced = receipts.private;
    receipts.private = await vote(PRIVATE.slug, codes.private[0], ['Tool shed']);
    await spanish();
    assert.match(await page.locator('#receipt-reveals').textContent(), /No muestra cómo votaste/);
    assert.ok(await fitsWidth());
    await screenshot(page, 'receipt-private-es', { fullPage: true });
    await english();
    // Five more voters each, so that the turnout can be shown.
    for (const [slug, list] of [[VERIFIABLE.slug, codes.verifiable], [PRIVATE.slug, codes.private]]) {
      for (const code of list.slice(1, 6)) {
        const r = await server.api('POST', `/processes/${slug}/ballots`, { code, ballots: { main: { projects: ['c'] } } }, { token: '' });
        assert.equal(r.status, 201, r.text);
      }
      assert.equal((await server.api('POST', `/processes/${slug}/close`)).status, 200);
      assert.equal((await server.api('POST', `/processes/${slug}/publish`)).status, 200);
    }
  });

  test('verifiable: /check shows the ballot and whether it counted, and says anyone with the receipt can', async () => {
    await page.goto(`${server.url}/check/${VERIFIABLE.slug}?receipt=${receipts.verifiable}`);
    await page.getByRole('heading', { name: 'Your ballot is in the count' }).waitFor();
    await page.getByText('What this shows: anyone who has this receipt can see this ballot and whether it was counted.').waitFor();
    assert.deepEqual(await page.locator('ul.chosen li').allTextContents(), ['Rain barrels', 'Compost bins']);
    await page.locator('#proof-verdict.verified').waitFor();
    assert.ok(await fitsWidth());
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'check-verifiable', { fullPage: true });
    await spanish();
    await page.getByRole('heading', { name: 'Tu papeleta está en el recuento' }).waitFor();
    await page.getByText('Qué muestra esto: quien tenga este recibo puede ver esta papeleta y si se contó.').waitFor();
    assert.ok(await fitsWidth());
    await screenshot(page, 'check-verifiable-es', { fullPage: true });
    await english();
  });

  test('private: the server shows no ballot and no "counted"; this browser shows its own copy', async () => {
    const answer = await server.api('GET', `/processes/${PRIVATE.slug}/board/receipts/${receipts.replaced}`, undefined, { token: '' });
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.json).sort(), ['head', 'index', 'proof', 'receipt', 'receipts', 'size']);

    await page.goto(`${server.url}/check/${PRIVATE.slug}?receipt=${receipts.replaced}`);
    await page.getByRole('heading', { name: 'Your receipt is in the public ballot log' }).waitFor();
    await page.locator('#proof-verdict.verified').waitFor();
    await page.getByText(/What this shows: a ballot with this receipt is in the public ballot log\. The server does not show which ballot it is, nor whether it was counted/).waitFor();
    assert.equal(await page.getByText('Counted', { exact: true }).count(), 0);
    // The replaced ballot, from this browser's copy only.
    await page.getByRole('heading', { name: 'Your ballot, kept in this browser' }).waitFor();
    assert.deepEqual(await page.locator('#local-ballot ul.chosen li').allTextContents(), ['Rain barrels', 'Compost bins']);
    assert.ok(await fitsWidth());
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'check-private', { fullPage: true });
    await spanish();
    await page.getByRole('heading', { name: 'Tu recibo está en el registro público de papeletas' }).waitFor();
    await page.getByRole('heading', { name: 'Tu papeleta, guardada en este navegador' }).waitFor();
    assert.ok(await fitsWidth());
    await screenshot(page, 'check-private-es', { fullPage: true });
    await english();

    // Another browser (a coercer holding the receipt) sees nothing of the ballot.
    const other = await startBrowser();
    const theirs = await other.page();
    await theirs.goto(`${server.url}/check/${PRIVATE.slug}?receipt=${receipts.replaced}`);
    await theirs.locator('#proof-verdict.verified').waitFor();
    await theirs.getByText('This browser has no copy of this ballot').waitFor();
    assert.equal(await theirs.locator('ul.chosen').count(), 0);
    assert.deepEqual(other.problems, []);
    await other.close();

    // The voter can remove the copy.
    await page.getByRole('button', { name: 'Remove my ballot from this browser' }).click();
    await page.getByText('Your ballot was removed from this browser.').waitFor();
    await page.reload();
    await page.getByText('This browser has no copy of this ballot').waitFor();
  });

  test('results hide a group of fewer than 5 voters', async () => {
    // 6 voters: neighbours' codes came first (6 each), so 6 neighbours voted and 0 gardeners.
    const results = (await server.api('GET', `/processes/${PRIVATE.slug}/results`, undefined, { token: '' })).json;
    assert.equal(results.turnout.by_group.gardener.voted, '<5');
    await page.goto(`${server.url}/results/${PRIVATE.slug}`);
    await page.getByText('To protect voters\' privacy, a group, area or channel with fewer than 5 voters shows no count').waitFor();
    const bars = await page.locator('svg.chart').first().locator('text').allTextContents();
    assert.ok(bars.some((text) => text.startsWith('fewer than 5')), bars.join(' | '));
    assert.ok(await fitsWidth());
    await screenshot(page, 'results-small-groups', { fullPage: true });
    await spanish();
    await page.getByText('Para proteger la privacidad').waitFor();
    assert.ok(await fitsWidth());  // the hidden table of group counts once widened the page in Spanish
    await screenshot(page, 'results-small-groups-es', { fullPage: true });
    await english();
  });

  test('no script errors or content security policy violations', () => {
    assert.deepEqual(browser.problems, []);
  });
});
