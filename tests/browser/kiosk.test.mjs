// The kiosk page (/kiosk) in a phone-sized chromium: the organizer signs a
// kiosk in through the API, the page signs in from the link (the token leaves
// the address bar), a walk-in votes, the page resets and keeps no trace of the
// voter, a voter with a real code votes on it (that code is then refused
// online), the inactivity timeout, refusals shown to the volunteer; the kiosk's
// limits against stuffing (walk-ins off by default, an allowance, a minimum time
// between sessions) set by the organizer on /admin, refused on the kiosk in
// English and Spanish, walk-ins listed and unused sessions voided.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { contrastProblems, labelProblems, openPage, screenshot, startBrowser, useServer } from './harness.mjs';

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

const server = useServer();
let browser;
let page;
let adminBrowser;
let admin;  // the organizer's page, in its own browser profile (the kiosk keeps only its token)
let signIn;
const codes = {};
const receipts = {};

before(async () => {
  ({ browser, page } = await openPage());
  adminBrowser = await startBrowser();
  admin = await adminBrowser.page();
});

after(async () => {
  await adminBrowser?.close();
  await browser?.close();
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

// The volunteer asks for a walk-in session of the north area; the refusal box says why not.
async function refusedWalkIn(text) {
  await page.getByLabel('Voter\'s area').selectOption('north');
  await page.getByRole('button', { name: 'Start voting (walk-in)' }).click();
  const refusal = page.locator('#kiosk-error');
  await refusal.getByText(text).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'kiosk-error');
  return refusal;
}

const kioskRow = () => admin.locator('#device-list > li', { hasText: 'Library tablet' });

// On the admin page: the kiosk's two limits, saved.
async function saveLimits(allowance, seconds, { allowanceLabel = 'Walk-ins allowed', secondsLabel = 'Seconds between sessions',
  save = 'Save the limits of Library tablet' } = {}) {
  const row = kioskRow();
  await row.getByLabel(allowanceLabel).fill(String(allowance));
  await row.getByLabel(secondsLabel).fill(String(seconds));
  await row.getByRole('button', { name: save }).click();
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

  test('limits: a new kiosk takes no walk-ins (said in English and Spanish) until the organizer allows them on /admin', async () => {
    await page.getByText('Walk-ins are off on this kiosk: the organizers can allow them.').waitFor();
    await refusedWalkIn('This kiosk does not take walk-in voters.');
    await a11y('walk-ins off');
    await screenshot(page, 'kiosk-walk-ins-off', { fullPage: true });
    await page.getByRole('button', { name: 'Español' }).click();
    await page.locator('#kiosk-error').getByText('Este quiosco no acepta personas sin código.').waitFor();
    await page.getByText('Este quiosco no acepta personas sin código: la organización puede permitirlas.').waitFor();
    await a11y('walk-ins off, Spanish');
    await screenshot(page, 'kiosk-walk-ins-off-es', { fullPage: true });
    await page.getByRole('button', { name: 'English' }).click();

    // The organizer's devices panel: walk-ins off and 60 s between sessions by default; one walk-in allowed, no wait.
    await admin.goto(`${server.url}/admin#/p/${slug}`);
    await admin.getByLabel('Organizer token').fill(server.token);
    await admin.getByRole('button', { name: 'Sign in', exact: true }).click();
    await admin.getByRole('heading', { name: LIBRARY.title }).waitFor();
    await kioskRow().getByText('Walk-ins: off · at least 60 s between sessions').waitFor();
    await saveLimits('', 0);
    await admin.getByText('Give both numbers').waitFor();
    await saveLimits(1, 0);
    await admin.getByText('Saved for Library tablet: walk-ins allowed 1, at least 0 s between sessions.').waitFor();
    await kioskRow().getByText('Walk-ins: 0 of 1 · at least 0 s between sessions').waitFor();
    assert.deepEqual(await labelProblems(admin), []);
    assert.deepEqual(await contrastProblems(admin), []);
    await kioskRow().scrollIntoViewIfNeeded();
    await screenshot(admin, 'admin-kiosk-limits');
    const listed = (await server.api('GET', `/processes/${slug}/devices`)).json.devices[0];
    assert.equal(listed.walk_in_allowance, 1);
    assert.equal(listed.session_seconds, 0);

    // The kiosk knows once it loads again.
    await page.reload();
    await volunteerScreen();
    await page.getByText('Walk-ins left on this kiosk: 1 of 1.').waitFor();
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

  test('limits: the allowance used up, then sessions too soon (in Spanish, set on /admin in Spanish) are refused', async () => {
    await page.getByText('Walk-ins left on this kiosk: 0 of 1.').waitFor();
    await refusedWalkIn('This kiosk has used all its walk-ins (1 of 1).');
    await a11y('walk-ins used up');
    await screenshot(page, 'kiosk-walk-ins-used-up', { fullPage: true });

    // The organizer, in Spanish: at most one session every 10 minutes.
    await admin.getByRole('button', { name: 'Español' }).click();
    await kioskRow().getByText('Sin código: 1 de 1 · al menos 0 s entre sesiones').waitFor();
    await admin.locator('#turnout-walk-ins').getByText('De ellas, 1 de personas sin código en quioscos.').waitFor();
    await saveLimits(1, 600, { allowanceLabel: 'Votaciones sin código permitidas', secondsLabel: 'Segundos entre sesiones',
      save: 'Guardar los límites de Library tablet' });
    await admin.getByText('Guardado para Library tablet: votaciones sin código permitidas 1, al menos 600 s entre sesiones.').waitFor();
    assert.deepEqual(await labelProblems(admin), []);
    assert.deepEqual(await contrastProblems(admin), []);
    await kioskRow().scrollIntoViewIfNeeded();
    await screenshot(admin, 'admin-kiosk-limits-es');

    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByLabel('Código de la persona votante').fill(codes.south[2]);
    await page.getByRole('button', { name: 'Empezar a votar con este código' }).click();
    const refusal = page.locator('#kiosk-error');
    await refusal.getByText(/^Este quiosco puede empezar la siguiente sesión de votación dentro de \d+ segundos \(como mucho una sesión cada 600 segundos\)\./).waitFor();
    await a11y('session too soon, Spanish');
    await screenshot(page, 'kiosk-session-too-soon-es', { fullPage: true });
    await page.getByRole('button', { name: 'English' }).click();
    await refusal.getByText(/^This kiosk can start the next voting session in \d+ seconds \(one session every 600 seconds at most\)\./).waitFor();
    // The refused voter's code was not spent: it still checks as unused.
    const check = await server.api('POST', `/processes/${slug}/codes/check`, { code: codes.south[2] });
    assert.equal(check.json.used, false, check.text);
    assert.equal((await server.api('POST', `/processes/${slug}/devices/${codes.device}/limits`, { session_seconds: 0 })).status, 200);
    await page.reload();
    await volunteerScreen();
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

  test('the organizer sees the walk-ins with their times and voids the session the voter left unused', async () => {
    await admin.getByRole('button', { name: 'English' }).click();
    const row = kioskRow();
    await row.getByText('Walk-ins: 1 of 1 · at least 0 s between sessions · 1 open session').waitFor();
    await row.getByText('Walk-ins on Library tablet').click();
    const item = row.locator('.walk-in-list li');
    await item.getByText('north · resident · voted').waitFor();
    const at = await item.locator('time').getAttribute('datetime');
    assert.ok(Math.abs(Date.parse(at) - Date.now()) < 15 * 60_000, at);  // recorded when it happened, not a made-up time
    await row.getByRole('button', { name: 'Void the unused sessions of Library tablet' }).click();
    await row.getByRole('button', { name: 'Yes: void them on Library tablet' }).click();
    await admin.getByText('Library tablet: 1 session voided; its code can no longer vote.').waitFor();
    await row.getByText('Walk-ins: 1 of 1 · at least 0 s between sessions', { exact: true }).waitFor();
    assert.equal((await server.api('GET', `/processes/${slug}/devices`)).json.devices[0].open_sessions, 0);
    await admin.getByRole('button', { name: 'Español' }).click();
    await row.getByText('Votaciones sin código en Library tablet').click();
    await row.locator('.walk-in-list li').getByText('north · resident · votó').waitFor();
    assert.deepEqual(await labelProblems(admin), []);
    assert.deepEqual(await contrastProblems(admin), []);
    await row.scrollIntoViewIfNeeded();
    await screenshot(admin, 'admin-kiosk-walk-ins-es');
    await admin.getByRole('button', { name: 'English' }).click();
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
    assert.deepEqual(adminBrowser.problems, []);
  });
});
