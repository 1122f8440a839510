// The voting page with several budgets in steps, in a phone-sized chromium:
// areas (a district-wide budget and one school budget per area: each voter sees
// their own), a heading (the voter picks one of its budgets first), Back / Next
// with each budget's rules checked before the next step, a review of all, one
// submit with only the voter's budgets, Spanish.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { contrastProblems, labelProblems, openPage, screenshot, useServer } from './harness.mjs';

const DISTRICT = {
  slug: 'unified-2026', title: 'Unified School District PB 2026', languages: ['en', 'es'], groups: ['student', 'family'],
  areas: ['lincoln', 'washington'],
  budgets: [
    { id: 'district', title: 'District-wide budget', amount: 50000, currency: 'USD', rule: 'greedy',
      ballot: { type: 'approval', min_projects: 1, max_projects: 2 },
      projects: [
        { id: 'd1', name: 'Solar panels on the bus depot', cost: 30000, category: 'environment' },
        { id: 'd2', name: 'Free summer meals', cost: 15000 },
        { id: 'd3', name: 'Music instruments library', cost: 12000 }] },
    { id: 'lincoln', title: 'Lincoln school budget', area: 'lincoln', amount: 10000, currency: 'USD', rule: 'greedy',
      ballot: { type: 'knapsack' },
      projects: [
        { id: 'l1', name: 'Lincoln garden beds', cost: 6000 },
        { id: 'l2', name: 'Lincoln reading nook', cost: 3000 },
        { id: 'l3', name: 'Lincoln chess tables', cost: 5000 }] },
    { id: 'washington', title: 'Washington school budget', area: 'washington', amount: 8000, currency: 'USD', rule: 'greedy',
      ballot: { type: 'choose-1' },
      projects: [
        { id: 'w1', name: 'Washington water fountains', cost: 4000 },
        { id: 'w2', name: 'Washington shade sails', cost: 7000 }] }],
};

const PARKS = {
  slug: 'parks-2026', title: 'Neighbourhood budget 2026', languages: ['en', 'es'],
  headings: [{ id: 'parks', title: 'Neighbourhood parks: choose one' }],
  budgets: [
    { id: 'city', title: 'City budget', amount: 40000, currency: 'EUR', rule: 'greedy', ballot: { type: 'approval', max_projects: 2 },
      projects: [
        { id: 'c1', name: 'Night buses', cost: 25000 },
        { id: 'c2', name: 'Public toilets', cost: 10000 }] },
    { id: 'park-north', title: 'North park', heading: 'parks', amount: 9000, currency: 'EUR', rule: 'greedy',
      ballot: { type: 'approval' },
      projects: [{ id: 'n1', name: 'North park benches', cost: 3000 }, { id: 'n2', name: 'North park lights', cost: 5000 }] },
    { id: 'park-south', title: 'South park', heading: 'parks', amount: 9000, currency: 'EUR', rule: 'greedy-borda',
      ballot: { type: 'ranked', max_projects: 2 },
      projects: [{ id: 's1', name: 'South park pond', cost: 6000 }, { id: 's2', name: 'South park skate ramp', cost: 4000 },
        { id: 's3', name: 'South park fitness corner', cost: 2500 }] }],
};

const server = useServer();
let browser;
let page;

before(async () => ({ browser, page } = await openPage()));

after(() => browser?.close());

// Makes `count` codes (of an area, when given) and returns them.
async function makeCodes(slug, { count = 2, group, area } = {}) {
  const batch = await server.api('POST', `/processes/${slug}/codes`, { count, ...(group ? { group } : {}), ...(area ? { area } : {}) });
  assert.equal(batch.status, 201, batch.text);
  const csv = await server.api('GET', batch.json.download.replace('/api/v1', ''));
  return csv.text.trim().split('\n').slice(1).map((line) => line.slice(0, 19));
}

async function create(definition) {
  const created = await server.api('POST', '/processes', definition);
  assert.equal(created.status, 201, created.text);
}

async function open(slug) {
  const opened = await server.api('POST', `/processes/${slug}/open`);
  assert.equal(opened.status, 200, opened.text);
}

async function boardBallot(slug, receipt) {
  const r = await server.api('GET', `/processes/${slug}/board/receipts/${receipt}`);
  assert.equal(r.status, 200, r.text);
  const { _channel, ...ballots } = r.json.ballot;
  return ballots;
}

const heading = (name) => page.getByRole('heading', { name });
const focusedId = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
const tick = (name) => page.getByRole('checkbox', { name });

async function a11y(name) {
  assert.deepEqual(await labelProblems(page), [], name);
  assert.deepEqual(await contrastProblems(page), [], name);
}

async function enterCode(slug, code) {
  await page.goto(`${server.url}/vote/${slug}`);
  await page.getByLabel('Voter code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
}

async function submitAndReceipt() {
  await page.getByRole('button', { name: 'Submit my vote' }).click();
  await page.locator('#receipt').waitFor();
  const receipt = (await page.locator('#receipt').textContent()).trim();
  assert.match(receipt, /^[0-9a-f]{64}$/);
  return receipt;
}

const receipts = {};
const codes = {};

describe('voting in several budgets', () => {
  test('setup: a process with areas and one with a heading, codes per area', async () => {
    await create(DISTRICT);
    codes.lincoln = await makeCodes(DISTRICT.slug, { group: 'student', area: 'lincoln' });
    codes.washington = await makeCodes(DISTRICT.slug, { group: 'family', area: 'washington' });
    await open(DISTRICT.slug);
    await create(PARKS);
    codes.parks = await makeCodes(PARKS.slug);
    await open(PARKS.slug);
    const check = await server.api('POST', `/processes/${DISTRICT.slug}/codes/check`, { code: codes.lincoln[0] });
    assert.equal(check.status, 200, check.text);
    assert.deepEqual(check.json.budgets, ['district', 'lincoln']);
  });

  test('a Lincoln voter: step 1 of 2 district-wide, step 2 of 2 Lincoln, rules checked before Next, Back keeps choices', async () => {
    await enterCode(DISTRICT.slug, codes.lincoln[0]);
    await heading('Step 1 of 2 District-wide budget').waitFor();
    assert.equal(await focusedId(), 'b0-title');  // focus on the step's heading
    await page.getByText('Your vote has 2 steps').waitFor();
    assert.equal(await page.getByText('Washington school budget').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Back' }).count(), 0);

    // Next with nothing chosen: this budget's problem, said and focused, no move.
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#problems').getByText('Choose 1 more project').waitFor();
    assert.equal(await focusedId(), 'problems');
    assert.equal(await page.locator('#problems').getAttribute('role'), 'alert');
    await tick('Solar panels on the bus depot').check();
    assert.equal(await page.locator('#problems').isHidden(), true);
    await tick('Free summer meals').check();
    await a11y('district step');
    await screenshot(page, 'vote-step-1');

    await page.getByRole('button', { name: 'Next' }).click();
    await heading('Step 2 of 2 Lincoln school budget').waitFor();
    assert.equal(await focusedId(), 'b1-title');
    await tick('Lincoln garden beds').check();
    await tick('Lincoln reading nook').check();
    assert.match(await page.locator('#b1 [role=status]').textContent(), /Spent \$9,000 of \$10,000: \$1,000 left\./);
    await a11y('lincoln step');
    await screenshot(page, 'vote-step-2');

    // Back: the first step as it was left.
    await page.getByRole('button', { name: 'Back' }).click();
    await heading('Step 1 of 2 District-wide budget').waitFor();
    assert.equal(await tick('Solar panels on the bus depot').isChecked(), true);
    assert.equal(await tick('Free summer meals').isChecked(), true);
    await page.getByRole('button', { name: 'Next' }).click();
    assert.equal(await tick('Lincoln reading nook').isChecked(), true);

    await page.getByRole('button', { name: 'Review my vote' }).click();
    await heading('Review your vote').waitFor();
    const sections = await page.locator('section.review h2').allTextContents();
    assert.deepEqual(sections, ['District-wide budget', 'Lincoln school budget']);
    await page.getByText('Total cost: $45,000').waitFor();
    await page.getByText('Total cost: $9,000').waitFor();
    // "Change" goes to that budget's step; Next comes back through the steps.
    await page.getByRole('button', { name: 'Change my choices in Lincoln school budget' }).click();
    await heading('Step 2 of 2 Lincoln school budget').waitFor();
    await tick('Lincoln reading nook').uncheck();
    await page.getByRole('button', { name: 'Review my vote' }).click();
    await page.getByText('Total cost: $6,000').waitFor();
    await a11y('review');
    await screenshot(page, 'vote-steps-review', { fullPage: true });
    receipts.lincoln = await submitAndReceipt();
    await screenshot(page, 'vote-steps-receipt');
  });

  test('a Washington voter sees only the district-wide and Washington budgets (in Spanish)', async () => {
    await enterCode(DISTRICT.slug, codes.washington[0]);
    await heading('Step 1 of 2 District-wide budget').waitFor();
    await page.getByRole('button', { name: 'Español' }).click();
    await heading('Paso 1 de 2 District-wide budget').waitFor();
    await page.getByRole('button', { name: 'Siguiente' }).click();
    await page.locator('#problems').getByText('Elige 1 proyecto más').waitFor();
    await tick('Music instruments library').check();
    await page.getByRole('button', { name: 'Siguiente' }).click();
    await heading('Paso 2 de 2 Washington school budget').waitFor();
    assert.equal(await page.getByText(/Lincoln/).count(), 0);
    await page.getByRole('radio', { name: 'Washington shade sails' }).check();
    await a11y('washington step');
    await screenshot(page, 'vote-step-es');
    await page.getByRole('button', { name: 'Revisar mi voto' }).click();
    assert.deepEqual(await page.locator('section.review h2').allTextContents(), ['District-wide budget', 'Washington school budget']);
    await page.getByRole('button', { name: 'English' }).click();
    receipts.washington = await submitAndReceipt();

    assert.equal((await server.api('POST', `/processes/${DISTRICT.slug}/close`)).status, 200);
    assert.deepEqual(await boardBallot(DISTRICT.slug, receipts.lincoln),
      { district: { projects: ['d1', 'd2'] }, lincoln: { projects: ['l1'] } });
    assert.deepEqual(await boardBallot(DISTRICT.slug, receipts.washington),
      { district: { projects: ['d3'] }, washington: { projects: ['w2'] } });
  });

  test('a heading: the voter picks one of its budgets first, then votes in it and the other budgets', async () => {
    await enterCode(PARKS.slug, codes.parks[0]);
    await heading('Step 1 of 3 Choose where you vote').waitFor();
    assert.equal(await focusedId(), 'choose-title');
    await page.getByRole('group', { name: 'Neighbourhood parks: choose one' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    const error = page.locator('#choose-error');
    assert.equal(await error.textContent(), 'Choose one option under “Neighbourhood parks: choose one” to continue.');
    assert.equal(await error.getAttribute('role'), 'alert');
    await page.getByRole('radio', { name: 'North park' }).check();
    await page.getByText('Budget: €9,000 · 2 projects').waitFor();
    await a11y('choice');
    await screenshot(page, 'vote-heading-choice');
    // Changing one's mind: the last choice counts.
    await page.getByRole('radio', { name: 'South park' }).check();
    assert.equal(await page.getByRole('radio', { name: 'North park' }).isChecked(), false);
    await page.getByRole('button', { name: 'Next' }).click();

    await heading('Step 2 of 3 City budget').waitFor();
    await tick('Public toilets').check();
    await page.getByRole('button', { name: 'Next' }).click();
    await heading('Step 3 of 3 South park').waitFor();
    await page.getByText('Your choice for “Neighbourhood parks: choose one”.').waitFor();
    await page.getByRole('button', { name: 'Add to my ranking: South park skate ramp' }).click();
    await page.getByRole('button', { name: 'Add to my ranking: South park pond' }).click();
    await a11y('heading budget');
    // Back to the choice and forward again: the choice and the ranking are kept.
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Back' }).click();
    await heading('Step 1 of 3 Choose where you vote').waitFor();
    assert.equal(await page.getByRole('radio', { name: 'South park' }).isChecked(), true);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    assert.deepEqual(await page.locator('.ranking-list .rname').allTextContents(), ['South park skate ramp', 'South park pond']);
    await page.getByRole('button', { name: 'Review my vote' }).click();
    await heading('Review your vote').waitFor();
    assert.deepEqual(await page.locator('section.review h2').allTextContents(), ['City budget', 'South park']);
    const receipt = await submitAndReceipt();

    const closed = await server.api('POST', `/processes/${PARKS.slug}/close`);
    assert.equal(closed.status, 200, closed.text);
    assert.deepEqual(await boardBallot(PARKS.slug, receipt),
      { city: { projects: ['c2'] }, 'park-south': { projects: ['s2', 's1'] } });
  });

  test('no script errors or content security policy violations on the way', () => {
    assert.deepEqual(browser.problems, []);
  });
});
