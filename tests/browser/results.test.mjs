// The results page (funded projects, SVG charts, turnout by group, rounds,
// bundle) and the receipt check page (the Merkle proof verified in the browser).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { contrastProblems, labelProblems, openPage, openProcess, screenshot, useServer } from './harness.mjs';

const SLUG = 'roosevelt-high-2026';
// Ballots for the example: [group index into the codes, projects].
const BALLOTS = [['1', '4'], ['1', '3', '6'], ['2', '3'], ['5'], ['1', '2', '4', '6'], ['3', '7'], ['5', '8'], ['1', '6'],
  ['2', '4', '7'], ['3', '5'], ['1'], ['7', '8']];

let browser;
let page;
let receipts = [];

const server = useServer(async () => {
  ({ browser, page } = await openPage());
  // Spread over the groups: every 5th code of the example's list.
  receipts = [];
  for (const [i, projects] of BALLOTS.entries()) {
    const r = await server.api('POST', `/processes/${SLUG}/ballots`,
      { code: server.codes[i * 5].code, ballots: { school: { projects } } }, { token: '' });
    assert.equal(r.status, 201, r.text);
    receipts.push(r.json.receipt);
  }
});

after(() => browser?.close());

describe('results and receipt check', () => {
  test('while voting is open: results are not shown yet, receipts wait for the close', async () => {
    await page.goto(`${server.url}/results/${SLUG}`);
    await page.getByText('The results will appear here once the organizers publish them.').waitFor();
    await page.goto(`${server.url}/check/${SLUG}?receipt=${receipts[0]}`);
    await page.getByText('Receipts can be checked once voting has closed.').waitFor();
  });

  test('published results: funded projects, charts, turnout by group, rounds, bundle', async () => {
    assert.equal((await server.api('POST', `/processes/${SLUG}/close`)).status, 200);
    assert.equal((await server.api('POST', `/processes/${SLUG}/publish`)).status, 200);
    const results = (await server.api('GET', `/processes/${SLUG}/results`, undefined, { token: '' })).json;
    const outcome = results.budgets[0].outcome;
    const names = new Map((await server.api('GET', `/processes/${SLUG}/ballot`)).json.budgets[0].projects.map((p) => [p.id, p.name]));

    await page.goto(`${server.url}/results/${SLUG}`);
    await page.getByRole('heading', { name: 'Results: Roosevelt High School participatory budget 2026' }).waitFor();
    await page.getByText(`12 of 100 voter codes used (12%). 12 ballots counted.`).waitFor();
    await page.getByText('Ballots by channel: 12 online, 0 at a kiosk, 0 on paper.').waitFor();
    const funded = page.locator('section:has(h3:text("Funded projects")) table').first().locator('tbody tr td:first-child');
    assert.deepEqual(await funded.allTextContents(), outcome.selected.map((id) => names.get(id)));
    await page.getByText('Counted with the rule “Method of Equal Shares” from 12 ballots.').waitFor();
    // Charts are inline SVG built by the page: turnout by group, votes per project, budget use,
    // voters by how many of their projects were funded.
    assert.equal(await page.locator('svg.chart').count(), 4);
    assert.equal(await page.locator('svg.chart').nth(1).locator('rect').count(), 8);
    const groups = await page.locator('svg.chart').first().locator('text').allTextContents();
    for (const g of ['student', 'family', 'educator', 'community partner']) assert.ok(groups.includes(g), `${g} in ${groups}`);
    assert.equal(await page.locator('ol.rounds > li').count(), outcome.rounds.length);
    assert.match(await page.locator('ol.rounds > li').first().textContent(), new RegExp(`^${names.get(outcome.rounds[0].project)} — funded\\.`));
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'results');
    await screenshot(page, 'results-full', { fullPage: true });

    // Who got what, worked out here from the ballots and the funded projects.
    const selected = new Set(outcome.selected);
    const fundedPer = BALLOTS.map((projects) => projects.filter((p) => selected.has(p)).length);
    const nothing = fundedPer.filter((n) => n === 0).length;
    const report = results.budgets[0].report;
    assert.equal(report.outcomes[0].voters.nothing_funded, nothing);
    assert.equal(report.outcomes[0].voters.distribution.reduce((a, b) => a + b, 0), BALLOTS.length);
    assert.equal(report.outcomes[1].rule, 'greedy');
    const avg = String(Number((fundedPer.reduce((a, b) => a + b, 0) / BALLOTS.length).toFixed(2)));
    await page.getByText(`With “Method of Equal Shares”, ${Math.round((100 * nothing) / BALLOTS.length)}% of voters got none of their`
      + ` projects funded; on average ${avg} of a voter's projects were funded.`, { exact: false }).waitFor();
    await page.locator('.report-compare').getByText('Funding simply by most votes would have left', { exact: false }).waitFor();
    const chart = page.locator('svg.chart').nth(3);
    assert.equal(await chart.getAttribute('aria-label'), 'Voters by how many of their projects were funded');
    assert.ok((await chart.locator('text').allTextContents()).includes(`${nothing} (${Number(((100 * nothing) / BALLOTS.length).toFixed(1))}%)`));
    assert.equal(await page.locator('table.sr-only:has(caption:text("Voters by how many of their projects were funded")) tr').count(),
      await chart.locator('rect').count());
    assert.deepEqual(await contrastProblems(page), []);
    const toReport = () => page.evaluate(() => {
      document.querySelector('h3[id$="-report"]').scrollIntoView({ block: 'start' });
      window.scrollBy(0, -8);
    });
    await toReport();
    await screenshot(page, 'results-report');
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByRole('heading', { name: 'Quién obtuvo qué' }).waitFor();
    await page.getByText('de los votantes no obtuvo ninguno de sus proyectos', { exact: false }).waitFor();
    await page.getByText('Financiar sin más por número de votos', { exact: false }).waitFor();
    assert.equal(await page.locator('svg.chart').nth(3).getAttribute('aria-label'), 'Votantes según cuántos de sus proyectos se financiaron');
    await toReport();
    await screenshot(page, 'results-report-es');
    await page.getByRole('button', { name: 'English' }).click();

    const href = await page.locator('#bundle-link').getAttribute('href');
    assert.equal(href, `/api/v1/processes/${SLUG}/bundle`);
    const bundle = await (await page.request.get(`${server.url}${href}`)).json();
    assert.equal(bundle.format, 'psephos-bundle/1');
    assert.equal(bundle.log.size, 12);
  });

  test('who got what by group: a table whose groups below k read "fewer than k voters" (en, es)', async () => {
    const results = (await server.api('GET', `/processes/${SLUG}/results`, undefined, { token: '' })).json;
    const k = results.turnout.min_group_size;
    const selected = new Set(results.budgets[0].outcome.selected);
    // Each group's voters and those with nothing funded, from the ballots.
    const groups = new Map();
    BALLOTS.forEach((projects, i) => {
      const group = server.codes[i * 5].group.split(',')[0];  // the CSV's group column
      const g = groups.get(group) || { voters: 0, nothing: 0 };
      g.voters += 1;
      if (!projects.some((p) => selected.has(p))) g.nothing += 1;
      groups.set(group, g);
    });
    const rows = results.budgets[0].report.by_group;
    // Every group of the process has a row, those nobody of which voted too (their 0 is hidden).
    assert.deepEqual(rows.map((r) => r.value).sort(), Object.keys(results.turnout.by_group).sort());
    assert.ok(rows.length > groups.size);
    assert.ok(rows.some((r) => r.figures) && rows.some((r) => r.hidden === `<${k}`), JSON.stringify(rows));
    const organizer = (await server.api('GET', `/processes/${SLUG}/results`)).json.budgets[0].report.by_group;
    for (const row of organizer) {
      assert.equal(row.figures.voters, groups.get(row.value)?.voters ?? 0);
      assert.equal(row.figures.nothing_funded, groups.get(row.value)?.nothing ?? 0);
    }

    await page.goto(`${server.url}/results/${SLUG}`);
    const table = page.locator('table.by-group');
    await table.locator('caption').getByText('Who got what by group', { exact: false }).waitFor();
    assert.equal(await table.locator('tbody tr').count(), rows.length);
    for (const [i, row] of rows.entries()) {
      const tr = table.locator('tbody tr').nth(i);
      assert.equal(await tr.locator('th').textContent(), row.value);
      const cells = await tr.locator('td').allTextContents();
      if (row.hidden === `<${k}`) assert.deepEqual(cells, [`fewer than ${k} voters: not shown`]);
      else if (row.hidden) assert.deepEqual(cells, [`not shown, so that a group of fewer than ${k} voters cannot be worked out`]);
      else {
        const g = groups.get(row.value);
        assert.deepEqual(cells.slice(0, 2), [String(g.voters), `${Math.round((100 * g.nothing) / g.voters)}%`]);
      }
    }
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    const toTable = () => page.evaluate(() => {
      document.querySelector('table.by-group').scrollIntoView({ block: 'start' });
      window.scrollBy(0, -8);
    });
    // Nothing wider than the phone's screen.
    const wide = () => page.evaluate(() => {
      const table = document.querySelector('table.by-group');
      const card = table.closest('section');
      const inside = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
      return table.getBoundingClientRect().right <= inside + 0.5 && document.documentElement.scrollWidth <= window.innerWidth;
    });
    await toTable();
    await screenshot(page, 'results-by-group');
    assert.ok(await wide());
    await page.getByRole('button', { name: 'Español' }).click();
    await table.locator('caption').getByText('Quién obtuvo qué por grupo', { exact: false }).waitFor();
    await table.getByRole('columnheader', { name: 'Parte del dinero' }).waitFor();
    await table.getByText(`menos de ${k} votantes: no se muestra`).first().waitFor();
    assert.deepEqual(await contrastProblems(page), []);
    await toTable();
    await screenshot(page, 'results-by-group-es');
    assert.ok(await wide());
    await page.getByRole('button', { name: 'English' }).click();
  });

  test('city rules in words: a project funded from the reserve, the completion after equal shares (en, es)', async () => {
    const slug = 'reserve-2026';
    const codes = await openProcess(server, {
      slug, title: 'Reserve and equal shares', languages: ['en', 'es'],
      budgets: [
        { id: 'district', title: 'District budget', amount: 1000, currency: 'USD', rule: 'greedy-reserve', reserve_share: 80,
          tie_break: 'file', ballot: { type: 'choose-1' },
          projects: [{ id: 'a', name: 'Playground', cost: 600 }, { id: 'b', name: 'Library hours', cost: 500 },
            { id: 'c', name: 'Benches', cost: 100 }] },
        { id: 'city', title: 'City budget', amount: 10, currency: 'USD', rule: 'equalshares-add1u', tie_break: 'file',
          ballot: { type: 'approval', min_projects: 0 },  // three voters leave it empty
          projects: [{ id: 'x', name: 'Bus shelter', cost: 6 }, { id: 'y', name: 'Bike racks', cost: 5 },
            { id: 'z', name: 'Water fountain', cost: 4 }] }],
    }, 6);
    // District: Playground 3, Library hours 2, Benches 1. City: Bus shelter 2, Bike racks 1.
    const district = ['a', 'a', 'a', 'b', 'b', 'c'];
    const city = [['x'], ['x'], ['y'], [], [], []];
    for (let i = 0; i < 6; i++) {
      const r = await server.api('POST', `/processes/${slug}/ballots`,
        { code: codes[i], ballots: { district: { projects: [district[i]] }, city: { projects: city[i] } } }, { token: '' });
      assert.equal(r.status, 201, r.text);
    }
    assert.equal((await server.api('POST', `/processes/${slug}/close`)).status, 200);
    assert.equal((await server.api('POST', `/processes/${slug}/publish`)).status, 200);
    await page.goto(`${server.url}/results/${slug}`);
    await page.getByText('Counted with the rule “Greedy, the last project funded from a reserve if close enough” from 6 ballots.'
      + ' $1,100 of $1,000 spent. The reserve paid $100 beyond the budget.').waitFor();
    const rounds = page.locator('section:has(h2:text("District budget")) ol.rounds > li');
    assert.match(await rounds.nth(1).textContent(),
      /^Library hours — funded from the reserve: it did not fit, but the money left covered most of it\./);
    // City: equal shares fund the bus shelter; the completion adds the fountain (no votes, still fits).
    const cityRounds = page.locator('section:has(h2:text("City budget")) ol.rounds > li');
    assert.equal(await cityRounds.count(), 2);
    assert.match(await cityRounds.nth(1).textContent(),
      /^Water fountain — funded\. Added after equal shares: most votes first, while the money lasts\. Supporters: 0\. Votes: 0\./);
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    // The district's rounds at the top of the screen, their heading whole.
    const toRounds = () => page.evaluate(() => {
      document.querySelector('section ol.rounds').previousElementSibling.previousElementSibling.scrollIntoView({ block: 'start' });
      window.scrollBy(0, -8);
    });
    await toRounds();
    await screenshot(page, 'results-reserve');
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByText('La reserva pagó $100 más allá del presupuesto.', { exact: false }).waitFor();
    assert.match(await rounds.nth(1).textContent(), /financiado con la reserva/);
    assert.match(await cityRounds.nth(1).textContent(), /Añadido después de las partes iguales/);
    await toRounds();
    await screenshot(page, 'results-reserve-es');
    await page.getByRole('button', { name: 'English' }).click();
  });

  test('receipt check: the ballot, its place in the log, and the proof verified in the browser', async () => {
    await page.goto(`${server.url}/check/${SLUG}?receipt=${receipts[1]}`);
    await page.getByRole('heading', { name: 'Your ballot is in the count' }).waitFor();
    await page.getByText('Ballot 2 of 12 in the public ballot log').waitFor();
    assert.deepEqual(await page.locator('ul.chosen li').allTextContents(),
      ['Shade structure over the playground', 'Library books in Spanish and English', 'Garden beds for the science classes']);
    await page.locator('#proof-verdict.verified').waitFor();
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'check');

    // Every receipt's proof checks out, whatever its place in the tree (12 leaves: uneven subtrees).
    for (const [i, receipt] of receipts.entries()) {
      await page.getByLabel('Receipt').fill(receipt);
      await page.getByRole('button', { name: 'Check' }).click();
      await page.getByText(`Ballot ${i + 1} of 12 in the public ballot log`).waitFor();
      await page.locator('#proof-verdict.verified').waitFor();
    }
  });

  test('receipt check refuses what it cannot prove', async () => {
    await page.goto(`${server.url}/check/${SLUG}`);
    await page.getByLabel('Receipt').fill('not-a-receipt');
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText('A receipt is 64 characters').waitFor();
    await page.getByLabel('Receipt').fill('0'.repeat(64));
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText('No ballot has this receipt.').waitFor();
    // A server that answered with a proof to another head would be caught.
    await page.route('**/board/receipts/*', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      body.head = 'f'.repeat(64);
      await route.fulfill({ response, json: body });
    });
    await page.getByLabel('Receipt').fill(receipts[3]);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.locator('#proof-verdict.failed').waitFor();
    await page.unroute('**/board/receipts/*');
  });

  test('after the close the voting page says so; the landing page leads to the results', async () => {
    await page.goto(`${server.url}/vote/${SLUG}`);
    await page.getByText('Voting has closed and the results are published.').waitFor();
    await page.getByRole('link', { name: 'See the results' }).click();
    await page.getByRole('heading', { name: 'Funded projects' }).waitFor();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Short name of the vote').fill(SLUG);
    await page.getByRole('button', { name: 'See the results' }).click();
    await page.waitForURL(`${server.url}/results/${SLUG}`);
    await page.getByRole('heading', { name: 'Funded projects' }).waitFor();
  });

  test('Spanish results', async () => {
    await page.goto(`${server.url}/results/${SLUG}`);
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByRole('heading', { name: 'Proyectos financiados' }).waitFor();
    await page.getByText('Cómo fue el recuento, ronda a ronda').waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Funded projects' }).waitFor();
  });

  test('no script errors or content security policy violations', () => {
    assert.deepEqual(browser.problems, []);
  });
});
