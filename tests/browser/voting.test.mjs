// The voting page in a phone-sized chromium: one vote for each ballot type
// (approval from the example; knapsack and cumulative in one two-budget process;
// ranked), every rule explained while choosing, Spanish, receipts.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { contrastProblems, labelProblems, openPage, openProcess, screenshot, startBrowser, useServer } from './harness.mjs';

const CITY = {
  slug: 'city-2026', title: 'Riverside city budget 2026', languages: ['en', 'es'], groups: ['resident'],
  budgets: [
    { id: 'parks', title: 'Parks', amount: 100000, currency: 'USD', rule: 'greedy', ballot: { type: 'knapsack' },
      projects: [
        { id: 'p1', name: 'New playground', cost: 60000, category: 'parks', description: 'Swings and slides by the river.' },
        { id: 'p2', name: 'Tree planting', cost: 30000, category: 'environment' },
        { id: 'p3', name: 'Dog park', cost: 45000 },
        { id: 'p4', name: 'Picnic tables', cost: 8000 }] },
    { id: 'streets', title: 'Streets', amount: 50000, currency: 'USD', rule: 'mes',
      ballot: { type: 'cumulative', max_total_points: 5, max_points: 3 },
      projects: [
        { id: 's1', name: 'Crosswalk on Main Street', cost: 20000 },
        { id: 's2', name: 'Bike lane', cost: 30000 },
        { id: 's3', name: 'Street lights', cost: 15000 }] }],
};
const SITES = {
  slug: 'sites-2026', title: 'Riverside parks 2026', languages: ['en', 'es'],
  budgets: [{ id: 'main', title: 'Parks budget', amount: 50000, currency: 'USD', rule: 'greedy', tie_break: 'file',
    ballot: { type: 'approval' },
    projects: [
      { id: 'n1', name: 'Skate park on the north lot', cost: 30000, exclusive_group: 'north-lot' },
      { id: 'n2', name: 'Community garden on the north lot', cost: 20000, exclusive_group: 'north-lot' },
      { id: 'b', name: 'Benches', cost: 5000 }] }],
};
const LIBRARY = {
  slug: 'library-2026', title: 'Library improvements', languages: ['en', 'es'],
  budgets: [{ id: 'main', title: 'Library budget', amount: 20000, currency: 'EUR', rule: 'greedy-borda',
    ballot: { type: 'ranked', max_projects: 3 },
    projects: [
      { id: 'a', name: 'Longer opening hours', cost: 9000 },
      { id: 'b', name: 'Study rooms', cost: 7000 },
      { id: 'c', name: 'Children\'s corner', cost: 5000 },
      { id: 'd', name: 'New computers', cost: 6000 }] }],
};

let browser;
let page;
const codes = {};

const server = useServer(async () => {
  codes.city = await openProcess(server, CITY);
  codes.library = await openProcess(server, LIBRARY);
  codes.sites = await openProcess(server, SITES);
  ({ browser, page } = await openPage());
});

after(() => browser?.close());

const status = (budget = 0) => page.locator(`#b${budget} [role=status]`);
const refusal = (budget = 0) => page.locator(`#b${budget}-alert`);
const tick = (name) => page.getByRole('checkbox', { name });

// The ballot a receipt names, from the public board once the process is closed.
async function boardBallot(slug, receipt) {
  const r = await server.api('GET', `/processes/${slug}/board/receipts/${receipt}`);
  assert.equal(r.status, 200, r.text);
  return r.json.ballot;
}

async function submit() {
  await page.getByRole('button', { name: 'Review my vote' }).click();
  await page.getByRole('heading', { name: 'Review your vote' }).waitFor();
  await page.getByRole('button', { name: 'Submit my vote' }).click();
  await page.locator('#receipt').waitFor();
  return (await page.locator('#receipt').textContent()).trim();
}

describe('voting page', () => {
  test('approval (the example): code check, "choose up to 4", refusal of a fifth, review, receipt', async () => {
    await page.goto(`${server.url}/vote/roosevelt-high-2026`);
    await page.getByLabel('Voter code').fill('AAAA-BBBB-CCCC-DDDD');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('This code is not valid for this vote').waitFor();
    // Lower case without dashes is the same code.
    await page.getByLabel('Voter code').fill(server.codes[0].code.toLowerCase().replaceAll('-', ''));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'School budget' }).waitFor();

    await assert.doesNotReject(page.getByText('Choose from 1 to 4 projects.').waitFor());
    assert.match(await status().textContent(), /Chosen: 0 of up to 4 projects\.\s*Choose 1 more project/);
    // Review with nothing chosen: the summary says what is missing, before anything is sent.
    await page.getByRole('button', { name: 'Review my vote' }).click();
    await page.locator('#problems').getByText('Choose 1 more project').waitFor();

    await tick('Shade structure').check();
    // Keyboard: Tab from the first box to the second, Space ticks it.
    await tick('Shade structure').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    assert.equal(await tick('Water bottle').isChecked(), true);
    await tick('Library books').check();
    await tick('Bike racks').check();
    assert.match(await status().textContent(), /Chosen: 4 of 4, the most you can choose/);
    await tick('Makerspace').click();
    assert.equal(await refusal().textContent(), 'You can choose at most 4 projects. Untick one before choosing another.');
    assert.equal(await tick('Makerspace').isChecked(), false);
    assert.equal(await page.locator('#problems').isHidden(), true);
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'vote-approval');

    await page.getByRole('button', { name: 'Review my vote' }).click();
    await page.getByRole('heading', { name: 'Review your vote' }).waitFor();
    await page.getByText('Total cost: $27,500').waitFor();
    await screenshot(page, 'review');
    await page.getByRole('button', { name: 'Submit my vote' }).click();
    await page.locator('#receipt').waitFor();
    const receipt = (await page.locator('#receipt').textContent()).trim();
    assert.match(receipt, /^[0-9a-f]{64}$/);
    assert.equal(await page.locator('#check-link').getAttribute('href'), `/check/roosevelt-high-2026?receipt=${receipt}`);
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'receipt');
  });

  test('a QR link carries the code: straight to the ballot, the code leaves the address bar; a used code is refused', async () => {
    await page.goto(`${server.url}/vote/roosevelt-high-2026?code=${server.codes[1].code}`);
    await page.getByRole('heading', { name: 'School budget' }).waitFor();
    assert.equal(new URL(page.url()).search, '');
    await page.goto(`${server.url}/vote/roosevelt-high-2026?code=${server.codes[0].code}`);
    await page.getByText('This code has already voted.').waitFor();
  });

  test('knapsack and cumulative budgets in one process: budget bar, points steppers, submitted together', async () => {
    await page.goto(`${server.url}/vote/city-2026?code=${codes.city[0]}`);
    await page.getByRole('heading', { name: 'Parks' }).waitFor();
    await page.getByText('The projects you choose can cost at most $100,000 together.').waitFor();
    await page.getByText('You have 5 points to share among the projects.').waitFor();
    assert.match(await status(0).textContent(), /Spent \$0 of \$100,000: \$100,000 left\./);

    await tick('New playground').check();
    await tick('Tree planting').check();
    assert.match(await status(0).textContent(), /Spent \$90,000 of \$100,000: \$10,000 left\./);
    // Said before trying: the dog park no longer fits.
    assert.equal(await page.locator('#b0-p2-n').textContent(), 'Does not fit: only $10,000 left.');
    await tick('Dog park').click();
    assert.equal(await refusal(0).textContent(),
      '“Dog park” costs $45,000, but only $10,000 of your $100,000 is left. Remove a project to make room.');
    assert.equal(await tick('Dog park').isChecked(), false);
    await screenshot(page, 'vote-knapsack');
    await tick('Picnic tables').check();
    assert.match(await status(0).textContent(), /Spent \$98,000/);

    const more = (name) => page.getByRole('button', { name: `Give a point to ${name}` });
    const less = (name) => page.getByRole('button', { name: `Take a point from ${name}` });
    for (let i = 0; i < 3; i++) await more('Crosswalk on Main Street').click();
    assert.match(await status(1).textContent(), /Crosswalk on Main Street: 3 points\. Points used: 3 of 5, 2 left\./);
    assert.equal(await more('Crosswalk on Main Street').getAttribute('aria-disabled'), 'true');
    // A tap on a greyed-out (aria-disabled, still focusable) button explains why.
    await more('Crosswalk on Main Street').click({ force: true });
    assert.equal(await refusal(1).textContent(), 'A project can get at most 3 points.');
    await more('Bike lane').click();
    await more('Bike lane').click();
    await more('Street lights').click({ force: true });
    assert.equal(await refusal(1).textContent(), 'That would be more than the 5 points you have. Take points from another project first.');
    await screenshot(page, 'vote-cumulative');
    await less('Bike lane').click();
    await more('Street lights').click();
    assert.match(await status(1).textContent(), /Points used: 5 of 5, 0 left\./);
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);

    await page.getByRole('button', { name: 'Review my vote' }).click();
    await page.getByRole('heading', { name: 'Review your vote' }).waitFor();
    await page.getByText('Total cost: $98,000').waitFor();
    await page.getByText('5 points given.').waitFor();
    await page.getByRole('button', { name: 'Submit my vote' }).click();
    await page.locator('#receipt').waitFor();
    const receipt = (await page.locator('#receipt').textContent()).trim();

    assert.equal((await server.api('POST', '/processes/city-2026/close')).status, 200);
    assert.deepEqual(await boardBallot('city-2026', receipt), {
      parks: { projects: ['p1', 'p2', 'p4'] },
      streets: { projects: ['s1', 's2', 's3'], points: [3, 1, 1] },
    });
  });

  test('ranked: add up to 3, order with Move up / Move down (keyboard), the limit said before and when refused', async () => {
    await page.goto(`${server.url}/vote/library-2026?code=${codes.library[0]}`);
    await page.getByRole('heading', { name: 'Library budget' }).waitFor();
    await page.getByText('Rank from 1 to 3 projects.').waitFor();  // a blank minimum is 1 at save
    const addButton = (name) => page.getByRole('button', { name: `Add to my ranking: ${name}` });
    await addButton('Study rooms').click();
    await addButton('Longer opening hours').click();
    await addButton('Children\'s corner').click();
    assert.match(await status().textContent(), /Ranked: 3 of 3, the most you can rank/);
    await addButton('New computers').click();
    assert.equal(await refusal().textContent(), 'You can rank at most 3 projects. Remove one from your ranking first.');

    const order = async () => (await page.locator('.ranking-list .rname').allTextContents());
    assert.deepEqual(await order(), ['Study rooms', 'Longer opening hours', 'Children\'s corner']);
    // Keyboard only: focus "Move up" on the third, press Enter twice; focus follows the project.
    await page.getByRole('button', { name: 'Move Children\'s corner up (now number 3)' }).focus();
    await page.keyboard.press('Enter');
    assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /Children's corner up \(now number 2\)/);
    await page.keyboard.press('Enter');
    assert.deepEqual(await order(), ['Children\'s corner', 'Study rooms', 'Longer opening hours']);
    assert.match(await status().textContent(), /Children's corner is now number 1\./);
    await page.getByRole('button', { name: 'Move Children\'s corner up (now number 1)' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await refusal().textContent(), 'Children\'s corner is already first.');
    await page.getByRole('button', { name: 'Move Study rooms down (now number 2)' }).click();
    assert.deepEqual(await order(), ['Children\'s corner', 'Longer opening hours', 'Study rooms']);
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'vote-ranked');

    const receipt = await submit();
    assert.equal((await server.api('POST', '/processes/library-2026/close')).status, 200);
    assert.deepEqual(await boardBallot('library-2026', receipt), { main: { projects: ['c', 'a', 'b'] } });
  });

  test('Spanish: the switch translates the page and is remembered; English comes back', async () => {
    await page.goto(`${server.url}/vote/roosevelt-high-2026?code=${server.codes[2].code}`);
    await page.getByRole('heading', { name: 'School budget' }).waitFor();
    await tick('Shade structure').check();
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByText('Elige entre 1 y 4 proyectos.').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
    assert.match(await status().textContent(), /Elegidos: 1 de hasta 4 proyectos\./);
    // Choices survive the switch.
    assert.equal(await page.getByRole('checkbox', { name: 'Shade structure' }).isChecked(), true);
    await page.getByRole('button', { name: 'Revisar mi voto' }).waitFor();
    await screenshot(page, 'vote-es');
    await page.reload();
    await page.getByLabel('Código de votante').waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByLabel('Voter code').waitFor();
  });

  test('Spanish from the browser\'s language on a first visit', async () => {
    const spanish = await startBrowser({ locale: 'es-MX' });
    try {
      const p = await spanish.page();
      await p.goto(`${server.url}/vote/roosevelt-high-2026`);
      await p.getByLabel('Código de votante').waitFor();
      await p.getByRole('button', { name: 'Continuar' }).click();
      await p.getByText('Escribe tu código de votante.').waitFor();
      assert.deepEqual(spanish.problems, []);
    } finally {
      await spanish.close();
    }
  });

  test('projects that exclude each other are said on the ballot, in English and Spanish; both can be chosen', async () => {
    await page.goto(`${server.url}/vote/sites-2026?code=${codes.sites[0]}`);
    await page.getByRole('heading', { name: 'Parks budget' }).waitFor();
    const line = 'At most one of these can be built: Skate park on the north lot, Community garden on the north lot. '
      + 'You may still choose more than one.';
    await page.getByText(line).waitFor();
    await tick('Skate park on the north lot').check();
    await tick('Community garden on the north lot').check();
    assert.equal(await tick('Community garden on the north lot').isChecked(), true);
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'vote-exclusive');
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByText('Solo uno de estos puede construirse: Skate park on the north lot, Community garden on the north lot. '
      + 'Aun así puedes elegir más de uno.').waitFor();
    await screenshot(page, 'vote-exclusive-es');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByText(line).waitFor();
    const receipt = await submit();
    assert.match(receipt, /^[0-9a-f]{64}$/);
  });

  test('no script errors or content security policy violations on the way', () => {
    assert.deepEqual(browser.problems, []);
  });
});
