// Paper ballots and clerks, end to end: a two-budget process with areas (a
// district-wide budget and one school budget per area), codes per area from the
// organizer page, two clerk devices signed in with their links, a batch of
// printable sheets (serials and their QR codes decoded), a check-in (the code can
// then no longer vote online, and a code that voted online gets no sheet), double
// entry by two clerks (agreeing: counted; differing: a mismatch the organizer
// settles), the close refused while a sheet is unsettled, then results by channel.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { contrastProblems, decodeQr, labelProblems, screenshot, startBrowser, useServer } from './harness.mjs';

const SLUG = 'riverside-schools-2026';
const DEFINITION = {
  slug: SLUG, title: 'Riverside schools budget 2026', languages: ['en', 'es'], groups: ['student', 'family'],
  areas: ['lincoln', 'washington'],
  budgets: [
    { id: 'district', title: 'District-wide projects', amount: 50000, currency: 'USD', rule: 'greedy',
      ballot: { type: 'approval', max_projects: 2 },
      projects: [
        { id: 'd1', name: 'Solar panels on the gym', cost: 30000, description: 'Panels on the gym roof.' },
        { id: 'd2', name: 'Bus stop shelters', cost: 15000 },
        { id: 'd3', name: 'Music program', cost: 20000 }] },
    { id: 'lincoln', title: 'Lincoln Elementary', area: 'lincoln', amount: 10000, currency: 'USD', rule: 'greedy',
      ballot: { type: 'approval', max_projects: 2 },
      projects: [
        { id: 'l1', name: 'Library corner', cost: 4000 },
        { id: 'l2', name: 'School garden', cost: 3000 },
        { id: 'l3', name: 'New swings', cost: 6000 }] },
    { id: 'washington', title: 'Washington Middle School', area: 'washington', amount: 12000, currency: 'USD',
      rule: 'greedy-borda', ballot: { type: 'ranked', max_projects: 3 },
      projects: [
        { id: 'w1', name: 'Robotics club', cost: 5000 },
        { id: 'w2', name: 'Water fountains', cost: 4000 },
        { id: 'w3', name: 'Art supplies', cost: 2500 },
        { id: 'w4', name: 'Soccer goals', cost: 3000 }] }],
};

let browser;  // the organizer, and clerk A in another tab
let browserB;  // clerk B: another device (its own storage)
let page;
let clerkA;
let clerkB;
const links = {};
let sheetCodes = [];
let serials = [];

const server = useServer(async () => {
  const created = await server.api('POST', '/processes', DEFINITION);
  assert.equal(created.status, 201, created.text);
  browser = await startBrowser();
  browserB = await startBrowser();
  page = await browser.page();
});

after(async () => {
  await browser?.close();
  await browserB?.close();
});


const button = (p, name) => p.getByRole('button', { name, exact: true });

// A clerk enters a sheet: the serial, the sheet's area when the page asks (no clerk look-up of sheets
// yet), the ticked projects, Enter.
async function enter(clerk, serial, projects) {
  await clerk.getByRole('button', { name: 'Enter a paper ballot' }).click();
  await clerk.getByLabel('Sheet number').fill(serial.toLowerCase());  // typed carelessly: capitals do not matter
  await clerk.keyboard.press('Enter');
  await clerk.getByRole('heading', { name: `Sheet ${serial}` }).waitFor();
  if (await clerk.locator('#sheet-area').count()) await clerk.locator('#sheet-area').selectOption('lincoln');
  for (const name of projects) await clerk.getByRole('checkbox', { name, exact: true }).check();
  await clerk.keyboard.press('Enter');  // from the last tick box: saves
  await clerk.getByText(`Sheet ${serial} entered.`).waitFor();
  // Ready for the next sheet, focus in the serial field.
  assert.equal(await clerk.evaluate(() => document.activeElement.id), 'serial');
  return (await clerk.locator('#entry-state').textContent()).trim();
}

// The same with the keyboard only, for a spoiled sheet: type the serial, Enter, tick "Spoiled", Tab, Enter.
async function enterSpoiledByKeyboard(clerk, serial) {
  await clerk.getByRole('button', { name: 'Enter a paper ballot' }).click();
  assert.equal(await clerk.evaluate(() => document.activeElement.id), 'serial');
  await clerk.keyboard.type(serial);
  await clerk.keyboard.press('Enter');
  await clerk.getByRole('heading', { name: `Sheet ${serial}` }).waitFor();
  if (await clerk.evaluate(() => document.activeElement.id) === 'sheet-area') await clerk.keyboard.press('Tab');
  assert.equal(await clerk.evaluate(() => document.activeElement.id), 'spoiled');
  await clerk.keyboard.press('Space');
  await clerk.keyboard.press('Tab');
  assert.equal(await clerk.evaluate(() => document.activeElement.id), 'save-entry');
  await clerk.keyboard.press('Enter');
  await clerk.getByText(`Sheet ${serial} entered.`).waitFor();
  return (await clerk.locator('#entry-state').textContent()).trim();
}

describe('paper ballots and clerks', () => {
  test('organizer: codes for an area, two clerk devices signed in, a batch of sheets', async () => {
    await page.goto(`${server.url}/admin#/p/${SLUG}`);
    await page.getByLabel('Organizer token').fill(server.token);
    await button(page, 'Sign in').click();
    await page.getByRole('heading', { name: DEFINITION.title }).waitFor();

    // Voter codes of an area.
    await page.getByLabel('Group').selectOption('student');
    await page.getByLabel('Area', { exact: true }).first().selectOption('lincoln');
    await page.getByLabel('How many', { exact: true }).fill('3');
    await button(page, 'Make codes').click();
    await page.getByText('3 voter codes: student · area lincoln').waitFor();
    sheetCodes = (await page.locator('.code-card .mono').allTextContents()).map((c) => c.trim());
    assert.equal(sheetCodes.length, 3);
    assert.equal(await page.locator('.code-card').first().getByText('area lincoln').count(), 1);

    // Two clerks and a kiosk; each sign-in link is shown once, with its QR code.
    for (const [name, role] of [['Desk A', 'clerk'], ['Desk B', 'clerk'], ['Old tablet', 'kiosk']]) {
      await page.getByLabel('Device name').fill(name);
      await page.getByLabel('Role').selectOption(role);
      await button(page, 'Sign the device in').click();
      await page.getByRole('heading', { name: `Sign-in link for ${name} (${role})` }).waitFor();
      const link = (await page.locator('.sign-in-link').textContent()).trim();
      assert.match(link, new RegExp(`^${server.url}/${role}#p=${SLUG}&t=[0-9a-f]+$`));
      assert.equal(await decodeQr(page.locator('.sign-in svg')), link);
      links[name] = link;
    }
    const devices = page.locator('#device-list > li');
    assert.equal(await devices.count(), 3);
    // Revoking takes a second, explicit step.
    await page.getByRole('button', { name: 'Revoke Old tablet' }).click();
    await button(page, 'Yes: revoke Old tablet').click();
    await page.locator('#device-list > li', { hasText: 'Old tablet' }).getByText('revoked').waitFor();
    assert.equal((await server.api('GET', `/processes/${SLUG}/devices`)).json.devices.find((d) => d.name === 'Old tablet').revoked, true);

    // A batch of sheets for Lincoln, in English.
    await page.getByLabel('Number of sheets').fill('3');
    await page.locator('#paper-area').selectOption('lincoln');
    await page.getByLabel('Language').selectOption('en');
    await button(page, 'Make sheets').click();
    await page.getByText('Batch 1: 3 sheets made.').waitFor();
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await page.locator('#devices-h').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'admin-devices');

    const opened = await server.api('POST', `/processes/${SLUG}/open`);
    assert.equal(opened.status, 200, opened.text);
  });

  test('printable sheets: one per serial, with the budgets of the area, the rules, and the serial as a QR code', async () => {
    // The link of the batch just made opens the sheets in the same tab (which holds the organizer token).
    await page.getByRole('link', { name: 'Print the sheets of batch 1' }).click();
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).hash, `/paper#p=${SLUG}&batch=1`);
    await page.getByRole('heading', { name: 'Paper ballots: batch 1' }).waitFor();
    serials = (await server.api('GET', `/processes/${SLUG}/paper/batches/1`)).json.serials;
    assert.equal(serials.length, 3);
    const sheets = page.locator('.paper-sheet');
    assert.equal(await sheets.count(), 3);
    for (const [i, serial] of serials.entries()) {
      const sheet = sheets.nth(i);
      assert.equal((await sheet.locator('.serial').textContent()).trim(), serial);
      assert.equal(await decodeQr(sheet.locator('.paper-serial svg')), serial);
    }
    const first = sheets.first();
    await first.getByText('For voters of: lincoln').waitFor();
    await first.getByRole('heading', { name: 'District-wide projects' }).waitFor();
    await first.getByRole('heading', { name: 'Lincoln Elementary' }).waitFor();
    assert.equal(await first.getByText('Washington Middle School').count(), 0);
    assert.equal(await first.getByText('Mark from 1 to 2 projects.').count(), 2);  // a blank minimum is 1 at save
    await first.getByText('Solar panels on the gym').waitFor();
    await first.getByText('$30,000').waitFor();
    assert.equal(await first.locator('.mark-box').count(), 6);
    assert.deepEqual(await contrastProblems(page), []);
    await screenshot(page, 'paper-sheets');
    // Printed: no header or buttons, one sheet per page.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('header.top').isVisible(), false);
    assert.equal(await button(page, 'Print the sheets').isVisible(), false);
    assert.equal(await first.evaluate((el) => getComputedStyle(el).breakAfter), 'page');
    await page.setViewportSize({ width: 794, height: 1123 });  // A4 at 96 dpi
    await screenshot(page, 'paper-sheet-print', { clip: { x: 0, y: 0, width: 794, height: 1123 } });
    // As chromium prints it (print media): one page per sheet, on A4 and on Letter.
    for (const format of ['A4', 'Letter']) {
      const pdf = (await page.pdf({ format })).toString('latin1');
      assert.equal(pdf.match(/\/Type\s*\/Page\b/g).length, 3, format);
    }
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize({ width: 360, height: 740 });

    // A batch for Washington in Spanish: a ranked budget gets numbered boxes.
    const made = await server.api('POST', `/processes/${SLUG}/paper/batches`, { count: 2, area: 'washington', language: 'es' });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json.print, `/paper#p=${SLUG}&batch=${made.json.batch}`);
    await page.goto(`${server.url}${made.json.print}`);
    await page.getByRole('heading', { name: `Papeletas de papel: lote ${made.json.batch}` }).waitFor();
    const es = page.locator('.paper-sheet').first();
    await es.getByText('Para votantes de: washington').waitFor();
    await es.getByText('Ordena de 1 a 3 proyectos.').waitFor();  // a blank minimum is 1 at save
    assert.equal(await es.locator('.mark-box.rank').count(), 4);
    assert.equal(await es.locator('th', { hasText: 'Orden' }).count(), 1);

    // In a tab without the organizer token, the page asks for it.
    const other = await browserB.context.newPage();
    await other.goto(`${server.url}/paper#p=${SLUG}&batch=1`);
    await other.getByLabel('Organizer token').fill(server.token);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.locator('.paper-sheet').first().waitFor();
    assert.equal(await other.locator('.paper-sheet').count(), 3);
    await other.close();
  });

  test('clerks sign in with their links: the token leaves the address', async () => {
    clerkA = await browser.context.newPage();
    await clerkA.setViewportSize({ width: 1280, height: 800 });  // a laptop
    await clerkA.goto(links['Desk A']);
    await clerkA.getByText(`Signed in as Desk A for ${DEFINITION.title}`).waitFor();
    assert.equal(new URL(clerkA.url()).hash, `#p=${SLUG}`);
    assert.match(await clerkA.evaluate((slug) => localStorage.getItem(`psephos-device:${slug}`), SLUG), /^[0-9a-f]+$/);
    clerkB = await browserB.page();  // a phone
    await clerkB.goto(links['Desk B']);
    await clerkB.getByText(`Signed in as Desk B for ${DEFINITION.title}`).waitFor();
    // Reloaded without the token in the address, the device is still signed in.
    await clerkB.reload();
    await clerkB.getByText('Signed in as Desk B').waitFor();
  });

  test('check-in: the sheet to hand out; the code then cannot vote online; a code that voted gets no sheet', async () => {
    await clerkA.getByLabel('Voter code').fill(sheetCodes[0].toLowerCase().replaceAll('-', ' '));
    await clerkA.keyboard.press('Enter');
    await clerkA.getByText('Hand out a sheet for area lincoln.').waitFor();
    await clerkA.getByText('The sheet holds: District-wide projects, Lincoln Elementary').waitFor();
    assert.equal(await clerkA.evaluate(() => document.activeElement.id), 'checkin-code');
    assert.deepEqual(await labelProblems(clerkA), []);
    assert.deepEqual(await contrastProblems(clerkA), []);
    await screenshot(clerkA, 'clerk-checkin');

    const ballot = (code) => ({ code, ballots: { district: { projects: ['d2'] }, lincoln: { projects: ['l1'] } } });
    const online = await server.api('POST', `/processes/${SLUG}/ballots`, ballot(sheetCodes[0]));
    assert.equal(online.status, 409, online.text);
    assert.equal(online.json.error.code, 'used_code');

    const voted = await server.api('POST', `/processes/${SLUG}/ballots`, ballot(sheetCodes[1]));
    assert.equal(voted.status, 201, voted.text);
    await clerkA.getByLabel('Voter code').fill(sheetCodes[1]);
    await button(clerkA, 'Check in').click();
    await clerkA.getByText('Do not hand out a sheet.').waitFor();
    await clerkA.getByText('This code has already voted or taken a sheet.').waitFor();
    // The same code twice at the desk: no second sheet.
    await clerkA.getByLabel('Voter code').fill(sheetCodes[0]);
    await button(clerkA, 'Check in').click();
    await clerkA.locator('#checkin-result').getByText(sheetCodes[0]).waitFor();
    await clerkA.getByText('Do not hand out a sheet.').waitFor();
  });

  test('double entry: the same reading twice is counted, two readings are a mismatch', async () => {
    assert.equal(await enter(clerkA, serials[0], ['Solar panels on the gym', 'School garden']), 'Waiting for a second clerk to enter this sheet.');
    assert.deepEqual(await labelProblems(clerkA), []);
    assert.equal(await enter(clerkB, serials[0], ['Solar panels on the gym', 'School garden']), 'Both entries agree: the sheet is counted.');
    assert.equal(await enter(clerkA, serials[1], ['Solar panels on the gym', 'Library corner']), 'Waiting for a second clerk to enter this sheet.');
    // Clerk B, on a phone, reads the sheet differently.
    await clerkB.getByRole('button', { name: 'Enter a paper ballot' }).click();
    await clerkB.getByLabel('Sheet number').fill(serials[1]);
    await button(clerkB, 'Enter this sheet').click();
    await clerkB.getByRole('heading', { name: `Sheet ${serials[1]}` }).waitFor();
    if (await clerkB.locator('#sheet-area').count()) await clerkB.locator('#sheet-area').selectOption('lincoln');
    await clerkB.getByRole('checkbox', { name: 'Bus stop shelters' }).check();
    await clerkB.getByRole('checkbox', { name: 'Library corner' }).check();
    assert.deepEqual(await labelProblems(clerkB), []);
    assert.deepEqual(await contrastProblems(clerkB), []);
    await screenshot(clerkB, 'clerk-entry', { fullPage: true });
    await button(clerkB, 'Save this entry').click();
    await clerkB.getByText('The two entries differ: the organizer will look at the paper sheet. Put it aside.').waitFor();
    await screenshot(clerkB, 'clerk-mismatch');
    // A wrong check character is caught before anything is entered.
    const wrong = serials[2].endsWith('ZZ') ? 'YY' : 'ZZ';
    await clerkB.getByLabel('Sheet number').fill(`${serials[2].slice(0, -2)}${wrong}`);
    await button(clerkB, 'Enter this sheet').click();
    const wrongSerial = clerkB.getByText('No sheet has this number. Check it and type it again.');
    const sheetForm = clerkB.getByRole('heading', { name: /^Sheet P/ });
    await wrongSerial.or(sheetForm).first().waitFor();
    if (await sheetForm.count()) {
      // The server says so when the entry is saved (no clerk look-up of sheets).
      await button(clerkB, 'Save this entry').click();
      await clerkB.getByText('No sheet has this number. Check it and type it again.').waitFor();
      await button(clerkB, 'Another sheet').click();
    }
    // A sheet entered again with another reading after it was counted: a copy, set aside.
    assert.equal(await enter(clerkA, serials[0], ['Music program', 'New swings']),
      'This sheet was already entered or counted: it may be a copy. Put it aside for the organizer.');
    // The wrong area picked for a sheet: the page says to check it (not to spoil the sheet).
    await clerkA.getByRole('button', { name: 'Enter a paper ballot' }).click();
    await clerkA.getByLabel('Sheet number').fill(serials[2]);
    await clerkA.keyboard.press('Enter');
    await clerkA.getByRole('heading', { name: `Sheet ${serials[2]}` }).waitFor();
    if (await clerkA.locator('#sheet-area').count()) {
      await clerkA.locator('#sheet-area').selectOption('washington');
      await button(clerkA, 'Save this entry').click();
      await clerkA.getByText('Check the area printed on the sheet (near its title) and choose it above.').waitFor();
      assert.equal(await clerkA.locator('#enter-spoiled').count(), 0);
    }
    await button(clerkA, 'Another sheet').click();
    // A spoiled sheet, entered with the keyboard only.
    assert.equal(await enterSpoiledByKeyboard(clerkB, serials[2]), 'Waiting for a second clerk to enter this sheet.');
    assert.equal(await enterSpoiledByKeyboard(clerkA, serials[2]), 'Both entries say spoiled: the sheet is set aside.');
    // Spanish desk.
    await clerkB.getByRole('button', { name: 'Español' }).click();
    await clerkB.getByRole('heading', { name: 'Mesa' }).waitFor();
    await clerkB.getByRole('button', { name: 'Registrar a un votante' }).waitFor();
    await clerkB.getByRole('button', { name: 'English' }).click();
  });

  test('organizer: the close waits for the mismatch; resolved, the close counts paper ballots by channel', async () => {
    await page.goto(`${server.url}/admin#/p/${SLUG}`);
    await page.getByRole('heading', { name: DEFINITION.title }).waitFor();
    await page.locator('#device-list > li', { hasText: 'Desk A' }).getByText('Check-ins: 1, entries: 4').waitFor();
    await button(page, 'Close voting and count').click();
    await button(page, 'Yes: Close voting and count').click();
    const refusal = page.locator('#action-error');
    await refusal.getByText(/Voting cannot close yet: 2 paper sheets are not settled/).waitFor();
    assert.match(await refusal.textContent(), new RegExp(`${serials[0]}.*${serials[1]}|${serials[1]}.*${serials[0]}`));

    const item = page.locator(`#sheet-${serials[1]}`);
    await item.getByText('mismatch', { exact: true }).waitFor();
    await item.getByRole('columnheader', { name: 'Reading A (Desk A)' }).waitFor();
    await item.getByRole('columnheader', { name: 'Reading B (Desk B)' }).waitFor();
    const district = item.getByRole('row', { name: /District-wide projects/ });
    assert.match(await district.textContent(), /Solar panels on the gym.*Bus stop shelters/);
    await page.locator('#paper-counts').getByText('1 spoiled · 1 mismatched · 1 duplicate').waitFor();
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    await item.scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-paper-mismatch');

    await item.getByRole('button', { name: `Count reading B: ${serials[1]}` }).click();
    await page.getByText(`Sheet ${serials[1]}: Count reading B. Now counted.`).waitFor();
    // The copy of sheet 1: its counted reading stands.
    const copy = page.locator(`#sheet-${serials[0]}`);
    await copy.getByText('duplicate', { exact: true }).waitFor();
    assert.equal(await copy.getByRole('button', { name: /Count reading/ }).count(), 0);
    await copy.getByRole('button', { name: `Keep the counted reading: ${serials[0]}` }).click();
    await page.getByText(`Sheet ${serials[0]}: Keep the counted reading. Now counted.`).waitFor();
    await page.getByText('None: every entered sheet is settled.').waitFor();
    await page.locator('#paper-counts').getByText('2 counted · 1 spoiled').waitFor();

    await button(page, 'Close voting and count').click();
    await button(page, 'Yes: Close voting and count').click();
    await page.getByText('Voting is closed and counted.', { exact: true }).waitFor();
    await page.locator('#turnout-channels').getByRole('row', { name: /Paper 2/ }).waitFor();
    await page.locator('#turnout-channels').getByRole('row', { name: /Online 1/ }).waitFor();
    await page.locator('#res-district-ballots').getByText('3 ballots (Online: 1, Paper: 2)').waitFor();
    const results = (await server.api('GET', `/processes/${SLUG}/results`)).json;
    const district2 = results.budgets.find((b) => b.budget === 'district');
    assert.equal(district2.ballots, 3);
    assert.equal(district2.by_channel.paper, 2);
    assert.equal(district2.by_channel.online, 1);
    assert.equal(results.budgets.find((b) => b.budget === 'lincoln').by_channel.paper, 2);
    await page.locator('#turnout').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-turnout-channels');
    await page.locator('#res-h').scrollIntoViewIfNeeded();
    await screenshot(page, 'admin-paper-closed');

    // A revoked clerk device is signed out.
    await page.getByRole('button', { name: 'Revoke Desk B' }).click();
    await button(page, 'Yes: revoke Desk B').click();
    await page.locator('#device-list > li', { hasText: 'Desk B' }).getByText('revoked').waitFor();
    await clerkB.reload();
    await clerkB.getByText('This device is not signed in, or its sign-in was revoked.').waitFor();
  });

  test('no script errors or content security policy violations', () => {
    assert.deepEqual([...browser.problems, ...browserB.problems], []);
  });
});
