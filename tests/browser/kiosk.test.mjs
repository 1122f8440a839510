// The kiosk page (/kiosk) in a phone-sized chromium: the organizer signs a
// kiosk in through the API, the page signs in from the link (the token leaves
// the address bar), a walk-in votes, the page resets and keeps no trace of the
// voter, a voter with a real code votes on it (that code is then refused
// online), the inactivity timeout, refusals shown to the volunteer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { contrastProblems, labelProblems, screenshot, startBrowser, startServer } from './harness.mjs';

const LIBRARY = {
  slug: 'libraries-2026', title: 'Libraries PB 2026', languages: ['en', 'es'], groups: ['resident', 'student'],
  areas: ['north', 'south'],
  budgets: [
    { id: 'city', title: 'City-wide libraries', amount: 20000, currency: 'USD', rule: 'greedy',
      ballot: { type: 'approval', min_projects: 1, max_projects: 2 },
      projects: [
        { id: 'c1', name: 'Reading garden', cost: 8000 },
        { id: 'c2', name: 'Late opening on Fridays', cost: 9000 },
        { id: 'c3', name: 'Audiobook licences', cost: 5000 }] },
    { id: 'north', title: 'North branch', area: 'north', amount: 6000, currency: 'USD', rule: 'greedy',
      ballot: { type: 'approval' },
      projects: [{ id: 'n1', name: 'North branch makerspace', cost: 4000 }, { id: 'n2', name: 'North branch ramp', cost: 2000 }] },
    { id: 'south', title: 'South branch', area: 'south', amount: 6000, currency: 'USD', rule: 'greedy',
      ballot: { type: 'choose-1' },
      projects: [{ id: 's1', name: 'South branch study room', cost: 5000 }, { id: 's2', name: 'South branch bike racks', cost: 1000 }] }],
};
const slug = LIBRARY.slug;

let server;
let browser;
let page;
let signIn;
const codes = {};
const receipts = {};

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  page = await browser.page();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const heading = (name) => page.getByRole('heading', { name });
const tick = (name) => page.getByRole('checkbox', { name });
const storage = () => page.evaluate(() => ({
  local: Object.keys(localStorage).sort(),
  session: sessionStorage.length,
  history: history.length,
}));

async function a11y(name) {
  assert.deepEqual(await labelProblems(page), [], name);
  assert.deepEqual(await contrastProblems(page), [], name);
}

async function volunteerScreen() {
  await page.getByRole('heading', { name: 'Kiosk', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Start voting with this code' }).waitFor();
}

// "Done" reloads the page in place: waits for the fresh volunteer screen.
async function done(how) {
  const loaded = page.waitForEvent('load');
  await how();
  await loaded;
  await volunteerScreen();
}

// Every trace of a voter the page could keep: text on the screen, storage.
async function assertNoTrace(words) {
  const text = await page.evaluate(() => document.documentElement.outerHTML);
  for (const word of words) assert.equal(text.includes(word), false, `"${word}" is still on the page`);
  const kept = await storage();
  assert.deepEqual(kept.local, ['psephos-kiosk']);  // the device's token, nothing else
  assert.equal(kept.session, 0);
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('psephos-kiosk')));
  assert.deepEqual(Object.keys(token).sort(), ['slug', 'token']);
}

async function vote() {
  await page.getByRole('button', { name: 'Review my vote' }).click();
  await heading('Review your vote').waitFor();
  await page.getByText('Once you submit, your vote is final.').waitFor();
  await page.getByRole('button', { name: 'Submit my vote' }).click();
  await page.locator('#receipt').waitFor();
  const receipt = (await page.locator('#receipt').textContent()).trim();
  assert.match(receipt, /^[0-9a-f]{64}$/);
  return receipt;
}

describe('kiosk', () => {
  test('setup: the process, codes of the south area, a kiosk signed in by the organizer', async () => {
    assert.equal((await server.api('POST', '/processes', LIBRARY)).status, 201);
    const batch = await server.api('POST', `/processes/${slug}/codes`, { count: 3, group: 'resident', area: 'south' });
    assert.equal(batch.status, 201, batch.text);
    const csv = await server.api('GET', batch.json.download.replace('/api/v1', ''));
    codes.south = csv.text.trim().split('\n').slice(1).map((line) => line.slice(0, 19));
    assert.equal((await server.api('POST', `/processes/${slug}/open`)).status, 200);
    const device = await server.api('POST', `/processes/${slug}/devices`, { role: 'kiosk', name: 'Library tablet' });
    assert.equal(device.status, 201, device.text);
    assert.match(device.json.sign_in, /^\/kiosk#p=libraries-2026&t=/);
    signIn = device.json.sign_in;
    codes.device = device.json.id;
  });

  test('signs in from the link: the token is kept for the device and leaves the address bar', async () => {
    await page.clock.install();  // the inactivity test below moves time on
    await page.goto(`${server.url}${signIn}`);
    await volunteerScreen();
    assert.equal(new URL(page.url()).hash, '');
    assert.equal(new URL(page.url()).pathname, '/kiosk');
    await page.getByText('Library tablet · Libraries PB 2026').waitFor();
    await assertNoTrace([]);
    // The organizer's link works once stored: a reload signs in again from storage.
    await page.reload();
    await volunteerScreen();
    await a11y('volunteer screen');
    await screenshot(page, 'kiosk-volunteer', { fullPage: true });
  });

  test('a walk-in of the north area votes; the one-time code is never shown; "Done" leaves no trace', async () => {
    const before = await storage();
    await page.getByLabel('Voter\'s area').selectOption('north');
    await page.getByLabel('Voter\'s group').selectOption('resident');
    const session = page.waitForResponse((r) => r.url().endsWith('/kiosk/session'));
    await page.getByRole('button', { name: 'Start voting (walk-in)' }).click();
    const answer = await (await session).json();
    assert.deepEqual(answer.budgets, ['city', 'north']);
    await heading('Step 1 of 2 City-wide libraries').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'b0-title');
    assert.equal((await page.content()).includes(answer.code), false);
    assert.equal(await page.getByRole('button', { name: 'End' }).isVisible(), true);
    await tick('Reading garden').check();
    await a11y('kiosk ballot');
    await screenshot(page, 'kiosk-ballot');
    await page.getByRole('button', { name: 'Next' }).click();
    await heading('Step 2 of 2 North branch').waitFor();
    await tick('North branch makerspace').check();
    receipts.walkIn = await vote();
    await page.getByText('This screen clears in 60 seconds.').waitFor();
    await page.getByRole('img', { name: 'QR code of the link to check your receipt' }).waitFor();
    // Nothing that leads away from the kiosk, nothing copied to the clipboard.
    assert.equal(await page.locator('main a').count(), 0);
    // What the receipt reveals in this process's (default, verifiable) receipt mode; the kiosk keeps no copy.
    assert.match(await page.locator('#receipt-reveals').textContent(), /anyone who has this receipt can see your ballot/);
    assert.equal(await page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('psephos.ballot.'))), false);
    await a11y('kiosk receipt');
    await screenshot(page, 'kiosk-receipt', { fullPage: true });

    await done(() => page.getByRole('button', { name: 'Done: clear the screen' }).click());
    await assertNoTrace(['Reading garden', 'North branch makerspace', receipts.walkIn, answer.code]);
    assert.equal((await storage()).history, before.history);  // no entry to go back to
  });

  test('a voter with a real code votes on the kiosk (in Spanish, forgotten after); the code is then refused online', async () => {
    await page.getByLabel('Voter\'s code').fill(codes.south[0].toLowerCase());
    await page.getByRole('button', { name: 'Start voting with this code' }).click();
    await heading('Step 1 of 2 City-wide libraries').waitFor();
    await page.getByRole('button', { name: 'Español' }).click();
    await heading('Paso 1 de 2 City-wide libraries').waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await tick('Audiobook licences').check();
    await page.getByRole('button', { name: 'Next' }).click();
    await heading('Step 2 of 2 South branch').waitFor();
    assert.equal(await page.getByText('North branch').count(), 0);
    await page.getByRole('radio', { name: 'South branch bike racks' }).check();
    await page.getByRole('button', { name: 'Español' }).click();
    receipts.code = await (async () => {
      await page.getByRole('button', { name: 'Revisar mi voto' }).click();
      await page.getByRole('button', { name: 'Enviar mi voto' }).click();
      await page.locator('#receipt').waitFor();
      return (await page.locator('#receipt').textContent()).trim();
    })();
    // The receipt screen clears itself after the countdown.
    await done(() => page.clock.fastForward(61_000));
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await assertNoTrace(['Audiobook licences', 'South branch bike racks', receipts.code]);

    const online = await server.api('POST', `/processes/${slug}/ballots`, { code: codes.south[0], ballots: { city: { projects: ['c1'] }, south: { projects: ['s1'] } } });
    assert.equal(online.status, 409, online.text);
    assert.equal(online.json.error.code, 'used_code');
    // And the kiosk says so to the volunteer.
    await page.getByLabel('Voter\'s code').fill(codes.south[0]);
    await page.getByRole('button', { name: 'Start voting with this code' }).click();
    const refusal = page.locator('#kiosk-error');
    await refusal.getByText('This code has already been used').waitFor();
    assert.equal(await refusal.getAttribute('role'), 'alert');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'kiosk-error');
    await a11y('refusal');
    await screenshot(page, 'kiosk-refused');
  });

  test('inactivity: a warning, then the voter screen resets by itself', async () => {
    await page.getByLabel('Voter\'s code').fill(codes.south[1]);
    await page.getByRole('button', { name: 'Start voting with this code' }).click();
    await heading('Step 1 of 2 City-wide libraries').waitFor();
    await tick('Late opening on Fridays').check();
    await page.clock.fastForward(95_000);
    const warning = page.locator('#idle');
    await warning.getByText('Are you still there?').waitFor();
    await a11y('idle warning');
    await screenshot(page, 'kiosk-idle');
    // A touch keeps the voter's choices.
    await page.getByRole('button', { name: 'I am still voting' }).click();
    assert.equal(await warning.isHidden(), true);
    assert.equal(await tick('Late opening on Fridays').isChecked(), true);
    await done(() => page.clock.fastForward(121_000));
    await assertNoTrace(['Late opening on Fridays']);
  });

  test('refusals: voting closed, then a revoked device signs out', async () => {
    const closed = await server.api('POST', `/processes/${slug}/close`);
    assert.equal(closed.status, 200, closed.text);
    await page.getByLabel('Voter\'s area').selectOption('south');
    await page.getByRole('button', { name: 'Start voting (walk-in)' }).click();
    await page.locator('#kiosk-error').getByText('Voting is not open').waitFor();

    const revoked = await server.api('POST', `/processes/${slug}/devices/${codes.device}/revoke`);
    assert.equal(revoked.status, 200, revoked.text);
    await page.reload();
    await heading('This kiosk is not signed in').waitFor();
    await page.getByText('The organizers signed this device out').waitFor();
    assert.deepEqual((await storage()).local, []);
    await a11y('signed out');

    // The two kiosk ballots were counted, through the kiosk channel.
    for (const [receipt, ballot] of [[receipts.walkIn, { city: { projects: ['c1'] }, north: { projects: ['n1'] } }],
      [receipts.code, { city: { projects: ['c3'] }, south: { projects: ['s2'] } }]]) {
      const r = await server.api('GET', `/processes/${slug}/board/receipts/${receipt}`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.ballot, { ...ballot, _channel: 'kiosk' });
    }
  });

  test('no script errors or content security policy violations on the way', () => {
    assert.deepEqual(browser.problems, []);
  });
});
