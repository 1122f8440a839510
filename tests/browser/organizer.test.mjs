// An organizer without help (issue #16): amounts read in the page's language and
// shown back before saving, every slip at its field in plain words, in English
// and Spanish at 360 px.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { contrastProblems, labelProblems, openPage, openProcess, screenshot, startBrowser, useServer } from './harness.mjs';

const server = useServer();

async function signIn(page, locale) {
  await page.goto(`${server.url}/admin`);
  await page.locator('#token').fill(server.token);
  await page.locator('form button[type=submit]').click();
  await page.locator('#new-process').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), locale.slice(0, 2));
}

// Text with Intl's no-break spaces as plain ones.
const text = async (page, selector) => (await page.locator(selector).textContent()).replace(/[\u00a0\u202f]/g, ' ');

// No text cut at its box's edge (a label or an option wider than its control).
async function clipped(page) {
  return page.evaluate(() => [...document.querySelectorAll('label, select, .hint, .error, legend, button, h1, h2, h3')]
    .filter((el) => el.checkVisibility?.() && (el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > innerWidth + 1))
    .map((el) => `${el.tagName.toLowerCase()}#${el.id} "${el.textContent.trim().slice(0, 40)}"`));
}

// Options of a menu wider than the menu shows them ("Method of E…"), measured in its font.
async function cutOptions(page, selector) {
  return page.evaluate((sel) => {
    const select = document.querySelector(sel);
    const style = getComputedStyle(select);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24;  // the arrow
    return [...select.options].map((o) => o.textContent).filter((label) => ctx.measureText(label).width > room);
  }, selector);
}

// A published vote: greedy leaves $40 that the next project ($50) does not fit.
const FUND = {
  slug: 'fund-2026', title: 'Corner fund', groups: ['resident'], min_group_size: 1,
  budgets: [{ id: 'main', title: 'Corner fund', amount: 100, currency: 'USD', rule: 'greedy', ballot: { type: 'approval' },
    projects: [{ id: 'a', name: 'Shade trees', cost: 60 }, { id: 'b', name: 'Bike racks', cost: 50 }] }],
};
let fundPublished = null;
async function publishedFund() {
  if (fundPublished) return fundPublished;
  const codes = await openProcess(server, FUND, 3);
  for (const [i, projects] of [['a'], ['a', 'b'], ['a']].entries()) {
    const r = await server.api('POST', '/processes/fund-2026/ballots', { code: codes[i], ballots: { main: { projects } } }, { token: '' });
    assert.equal(r.status, 201, r.text);
  }
  assert.equal((await server.api('POST', '/processes/fund-2026/close')).status, 200);
  assert.equal((await server.api('POST', '/processes/fund-2026/publish')).status, 200);
  fundPublished = (await server.api('GET', '/key')).json.public_key;
  return fundPublished;
}

// For each ballot type: every rule has its sentence (no raw key), and no
// option of the rule or tie-break menus is cut; the options cut, if any.
async function ruleMenuProblems(page, types) {
  const cut = [];
  for (const type of types) {
    await page.locator('#b0-type').selectOption(type);
    const options = await page.locator('#b0-rule option').evaluateAll((os) => os.map((o) => o.value));
    for (const rule of options) {
      await page.locator('#b0-rule').selectOption(rule);
      assert.ok(!/rule_help\./.test(await page.locator('#b0-rule-hint').textContent()), rule);
    }
    cut.push(...await cutOptions(page, '#b0-rule'), ...await cutOptions(page, '#b0-tie'));
  }
  return [...new Set(cut)];
}

describe('the process form in English', () => {
  let browser;
  let page;
  before(async () => {
    ({ browser, page } = await openPage());
    await signIn(page, 'en-US');
  });
  after(async () => browser?.close());

  test('amounts are read as English writes them and shown back; slips are named at their field', async () => {
    await page.locator('#new-process').click();
    await page.getByLabel('Title', { exact: true }).fill('Maple school garden');
    await page.getByLabel('Amount to spend').fill('$50,000');
    assert.equal(await page.locator('#b0-amount-read').textContent(), 'Read as $50,000');
    await page.getByLabel('Amount to spend').fill('50000.00');
    assert.equal(await page.locator('#b0-amount-read').textContent(), 'Read as $50,000.00');
    await page.getByLabel('Amount to spend').fill('50,000');
    assert.equal(await page.locator('#b0-amount-read').textContent(), 'Read as $50,000');
    await page.evaluate(() => document.querySelector('#b0-title').scrollIntoView());
    await screenshot(page, 'admin-form-amount');
    // A European "50.000" on an English page could be 50 or 50,000: refused at once, at the field.
    await page.locator('#b0-p0-cost').fill('50.000');
    assert.match(await page.locator('#b0-p0-cost-error').textContent(), /could mean two amounts/);
    assert.equal(await page.locator('#b0-p0-cost').getAttribute('aria-invalid'), 'true');
    await page.locator('#b0-p0-cost').fill('60,000');
    await page.locator('#b0-p0-name').fill('Greenhouse');
    await page.getByRole('button', { name: 'Add a project' }).click();
    await page.locator('#b0-p1-name').fill('greenhouse ');
    await page.locator('#b0-p1-cost').fill('0');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('3 things to fix before saving: see the marked fields.').waitFor();
    assert.equal(await page.locator('#b0-p0-cost-error').textContent(),
      '$60,000 is more than the whole budget ($50,000): this project could never be funded.');
    assert.equal(await page.locator('#b0-p1-name-error').textContent(), 'Project 1 has this name too: voters could not tell them apart.');
    assert.equal(await page.locator('#b0-p1-cost-error').textContent(), 'A project must cost more than 0.');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'b0-p0-cost');  // the first problem
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    assert.deepEqual(await clipped(page), []);
    await page.locator('#b0-p1-cost-error').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-form-problems');
    await page.locator('#b0-p0-cost').fill('12,500.50');
    assert.equal(await page.locator('#b0-p0-cost-read').textContent(), 'Read as $12,500.50');
    await page.locator('#b0-p1-name').fill('Rain barrels');
    await page.locator('#b0-p1-cost').fill('800');
    // A short name already taken: said at the short name.
    await page.locator('#f-slug').fill('roosevelt-high-2026');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.locator('#f-slug-error', { hasText: 'already exists' }).waitFor();  // the server's answer, not the last check's
    assert.equal(await page.locator('#f-slug-error').textContent(), 'A process with this short name already exists.');
    await page.locator('#f-slug').fill('maple-school-garden');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft created.').waitFor();
    const budget = (await server.api('GET', '/processes/maple-school-garden')).json.definition.budgets[0];
    assert.equal(budget.amount, '50000.00');  // one scale for the budget and its costs
    assert.deepEqual(budget.projects.map((p) => p.cost), ['12500.50', '800.00']);
    assert.equal(budget.ballot.min_projects, 1);  // blank: at least one project
  });

  test('rules in plain words: Equal Shares completed is the default, one sentence per rule, no cut names', async () => {
    await page.locator('#edit').click();
    assert.equal(await page.locator('#b0-rule').inputValue(), 'equalshares-add1u');
    assert.match(await page.locator('#b0-rule-hint').textContent(), /^Recommended: each voter gets an equal share/);
    await page.locator('#b0-rule').selectOption('greedy');
    assert.equal(await page.locator('#b0-rule-hint').textContent(), 'Projects are funded from the most votes down, skipping those that no longer fit.');
    assert.deepEqual(await ruleMenuProblems(page, ['approval', 'ranked', 'cumulative']), []);
    await page.locator('#b0-type').selectOption('approval');
    await page.locator('#b0-rule').selectOption('equalshares-add1u');
    await page.locator('#b0-rule').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-form-rule');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  test('a refusal of the server is shown at the field it names', async () => {
    await page.locator('#edit').click();
    await page.locator('#b0-p0-id').fill('a b');  // the form checks ids too; the server's word is the last
    await page.getByRole('button', { name: 'Save draft' }).click();
    assert.equal(await page.locator('#b0-p0-id-error').textContent(), 'Use letters, digits and . _ / - (at most 64).');
    // A refusal only the server makes (as another organizer's change would cause): at its field.
    await page.locator('#b0-p0-id').fill('g1');
    await page.route('**/api/v1/processes/maple-school-garden', (route) => (route.request().method() === 'PUT'
      ? route.fulfill({ status: 422, contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'invalid_definition', field: 'budgets[0].projects[1].cost', message: 'budgets[0].projects[1].cost: too large' } }) })
      : route.continue()));
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('One thing to fix before saving: see the marked field.').waitFor();
    await page.locator('#b0-p1-cost-error').waitFor();  // the summary above may still be the form's own check's
    assert.equal(await page.locator('#b0-p1-cost-error').textContent(), 'Not accepted: too large.');
    await page.unroute('**/api/v1/processes/maple-school-garden');
  });
  test('preview in draft: the voting page with a banner, no code, nothing sent or stored', async () => {
    await page.goto(`${server.url}/admin#/p/maple-school-garden`);
    await page.locator('#preview-link').click();
    await page.locator('#preview-banner').waitFor();
    assert.match(await page.locator('#preview-banner').textContent(), /^Preview: the voting page as voters will see it/);
    await page.getByRole('heading', { level: 1, name: 'Maple school garden' }).waitFor();
    await page.getByRole('checkbox', { name: /Greenhouse/ }).check();
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'vote-preview');
    await page.getByRole('button', { name: 'Review my vote' }).click();
    await page.getByRole('button', { name: 'Submit my vote' }).click();
    await page.locator('#preview-done').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'preview-done');
    const p = (await server.api('GET', '/processes/maple-school-garden')).json;
    assert.equal(p.state, 'draft');
    assert.equal(p.turnout.ballots ?? 0, 0);
    await screenshot(page, 'vote-preview-review');
    // Without the organizer's sign-in there is no preview.
    const token = await page.evaluate(() => sessionStorage.getItem('psephos-token'));
    await page.evaluate(() => sessionStorage.removeItem('psephos-token'));
    await page.goto(`${server.url}/vote/maple-school-garden?preview`);
    await page.getByText('Only an organizer signed in on the organizer page').waitFor();
    assert.equal(await page.locator('#preview-banner').count(), 0);
    await page.evaluate((x) => sessionStorage.setItem('psephos-token', x), token);
  });

  test('already voted: the next step is the receipt check', async () => {
    const code = server.codes[0].code;
    const ballot = (await server.api('GET', '/processes/roosevelt-high-2026/ballot')).json;
    const b = ballot.budgets[0];
    const voted = await server.api('POST', '/processes/roosevelt-high-2026/ballots',
      { code, ballots: { [b.id]: { projects: [b.projects[0].id] } } }, { token: '' });
    assert.equal(voted.status, 201, voted.text);
    await page.goto(`${server.url}/vote/roosevelt-high-2026`);
    await page.getByLabel('Voter code').fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('This code has already voted.').waitFor();
    assert.equal(await page.locator('#used-check-link').getAttribute('href'), '/check/roosevelt-high-2026');
    assert.match(await page.locator('#code-used-next').textContent(), /tell the organizers/);
    await screenshot(page, 'vote-already-voted');
    // Voted meanwhile from another tab: the refusal at submit names the same next step.
    const other = server.codes[2].code;
    await page.getByLabel('Voter code').fill(other);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('checkbox').first().check();
    await page.getByRole('button', { name: 'Review my vote' }).click();
    assert.equal((await server.api('POST', '/processes/roosevelt-high-2026/ballots',
      { code: other, ballots: { [b.id]: { projects: [b.projects[0].id] } } }, { token: '' })).status, 201);
    await page.getByRole('button', { name: 'Submit my vote' }).click();
    await page.locator('#used-next a[href="/check/roosevelt-high-2026"]').waitFor();
  });
  test('results: the money left and why, the signing key, CSV downloads (results page and admin)', async () => {
    const key = await publishedFund();
    await page.goto(`${server.url}/results/fund-2026`);
    await page.locator('#res-main-left').waitFor();
    assert.equal(await page.locator('#res-main-left').textContent(),
      '$40 was left: the cheapest project not funded, Bike racks ($50), costs more than that.');
    assert.equal(await page.locator('#signing-key code').textContent(), key);
    assert.equal(await page.locator('#results-csv').getAttribute('href'), '/api/v1/processes/fund-2026/results.csv');
    const csv = await server.api('GET', '/processes/fund-2026/results.csv', undefined, { token: '' });
    assert.equal(csv.text, 'budget,project,name,cost,votes,score,funded,round\nmain,a,Shade trees,60,3,3,yes,1\nmain,b,Bike racks,50,1,1,no,\n');
    const turnout = await server.api('GET', '/processes/fund-2026/turnout.csv', undefined, { token: '' });
    assert.equal(turnout.text, 'group,codes,voted,percent,ballots\nresident,3,3,100.0,3\n(all),3,3,100.0,3\n');
    assert.deepEqual(await clipped(page), []);
    await page.locator('#audit-h').scrollIntoViewIfNeeded();
    await screenshot(page, 'results-key-csv');
    await page.locator('#res-main-left').scrollIntoViewIfNeeded();
    await screenshot(page, 'results-left');
    // The organizer's buttons fetch with the token and save a file.
    await page.goto(`${server.url}/admin#/p/fund-2026`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#results-csv').click()]);
    assert.equal(download.suggestedFilename(), 'fund-2026-results.csv');
    const [turnoutDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#turnout-csv').click()]);
    assert.equal(turnoutDownload.suggestedFilename(), 'fund-2026-turnout.csv');
    await page.locator('#results-csv').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-results-csv');
  });
});

describe('the process form in Spanish', () => {
  let browser;
  let page;
  before(async () => {
    browser = await startBrowser({ locale: 'es-ES' });
    page = await browser.page();
    await signIn(page, 'es-ES');
  });
  after(async () => browser?.close());

  test('amounts are read as Spanish writes them where the money is spent (euros: dot for thousands, comma for cents)', async () => {
    await page.locator('#new-process').click();
    await page.locator('#f-title').fill('Huerto escolar');
    // Dollars are written as Spanish writes them in the US (es-US): "50,000" is fifty thousand.
    await page.locator('#b0-amount').fill('50,000');
    assert.equal(await text(page, '#b0-amount-read'), 'Se lee como $50,000');
    await page.locator('#b0-currency').fill('EUR');
    assert.match(await text(page, '#b0-amount-hint'), /50\.000 €/);  // the hint follows the currency
    await page.locator('#b0-amount').fill('50.000');
    assert.equal(await text(page, '#b0-amount-read'), 'Se lee como 50.000 €');
    await page.evaluate(() => document.querySelector('#b0-title').scrollIntoView());
    await screenshot(page, 'admin-form-amount-es');
    await page.locator('#b0-p0-cost').fill('50000.00');  // English cents on a Spanish page
    assert.match(await text(page, '#b0-p0-cost-error'), /punto entre los miles y una coma antes de los céntimos/);
    await page.locator('#b0-p0-cost').fill('1.250,50');
    assert.equal(await text(page, '#b0-p0-cost-read'), 'Se lee como 1250,50 €');
    await page.locator('#b0-p0-name').fill('Invernadero');
    await page.getByRole('button', { name: 'Añadir un proyecto' }).click();
    await page.locator('#b0-p1-name').fill('Barriles');
    await page.locator('#b0-p1-cost').fill('60.000');
    await page.locator('#save').click();
    assert.equal(await text(page, '#b0-p1-cost-error'),
      '60.000 € es más que todo el presupuesto (50.000 €): este proyecto nunca podría financiarse.');
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    assert.deepEqual(await clipped(page), []);
    await page.locator('#b0-p1-cost-error').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-form-problems-es');
    await page.locator('#b0-p1-cost').fill('800');
    await page.locator('#save').click();
    await page.locator('#flash').waitFor();
    const budget = (await server.api('GET', '/processes/huerto-escolar')).json.definition.budgets[0];
    assert.equal(budget.amount, '50000.00');
    assert.deepEqual(budget.projects.map((p) => p.cost), ['1250.50', '800.00']);
  });

  test('rules in plain words, in Spanish, with no cut names', async () => {
    await page.locator('#edit').click();
    assert.match(await page.locator('#b0-rule-hint').textContent(), /^Recomendado: cada votante recibe una parte igual/);
    assert.deepEqual(await ruleMenuProblems(page, ['approval', 'knapsack', 'ranked', 'scoring']), []);
    await page.locator('#b0-type').selectOption('approval');
    await page.locator('#b0-rule').selectOption('equalshares-add1u');
    await page.locator('#b0-rule').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-form-rule-es');
  });

  test('preview and already voted, in Spanish', async () => {
    await page.goto(`${server.url}/admin#/p/huerto-escolar`);
    await page.locator('#preview-link').click();
    await page.locator('#preview-banner').waitFor();
    assert.match(await page.locator('#preview-banner').textContent(), /^Vista previa: la página de votación/);
    await page.getByRole('heading', { level: 1, name: 'Huerto escolar' }).waitFor();
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'vote-preview-es');
    const code = server.codes[1].code;
    const b = (await server.api('GET', '/processes/roosevelt-high-2026/ballot')).json.budgets[0];
    assert.equal((await server.api('POST', '/processes/roosevelt-high-2026/ballots',
      { code, ballots: { [b.id]: { projects: [b.projects[0].id] } } }, { token: '' })).status, 201);
    await page.goto(`${server.url}/vote/roosevelt-high-2026`);
    await page.locator('#code').fill(code);
    await page.locator('form button[type=submit]').click();
    await page.getByText('Este código ya ha votado.').waitFor();
    assert.match(await page.locator('#code-used-next').textContent(), /Si votaste con él/);
    await screenshot(page, 'vote-already-voted-es');
  });

  test('results in Spanish: the money left and why, the key, the downloads', async () => {
    const key = await publishedFund();
    await page.goto(`${server.url}/results/fund-2026`);
    await page.locator('#res-main-left').waitFor();
    assert.equal(await text(page, '#res-main-left'),
      'Sobraron $40: el proyecto más barato sin financiar, Bike racks ($50), cuesta más que eso.');  // dollars as es-US writes them
    assert.equal(await page.locator('#signing-key code').textContent(), key);
    assert.match(await page.locator('#results-csv').textContent(), /^Descargar los resultados \(CSV/);
    assert.deepEqual(await clipped(page), []);
    await page.locator('#audit-h').scrollIntoViewIfNeeded();
    await screenshot(page, 'results-key-csv-es');
    await page.locator('#res-main-left').scrollIntoViewIfNeeded();
    await screenshot(page, 'results-left-es');
  });

  test('no script errors', () => assert.deepEqual(browser.problems, []));
});
