// Organizer accounts on /admin at 360 px, in English and Spanish: the first
// account made with the token printed at first start, the organizers of a
// process and the activity log for its owner, signing out and in again, and
// an observer who sees the process but none of the owner's controls.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SCREENSHOTS, contrastProblems, labelProblems, openPage, screenshot, startBrowser, useServer } from './harness.mjs';

const SLUG = 'roosevelt-high-2026';
const ANA = { name: 'Ana Ruiz', email: 'ana@example.org', password: 'correct horse battery' };
const BEN = { name: 'Ben Ode', email: 'ben@example.org', password: 'purple staple lantern' };
const server = useServer();

// Nothing of this feature wider than its box, and no key shown instead of its words.
async function layoutProblems(page) {
  return page.evaluate(() => {
    const out = [];
    if (document.documentElement.scrollWidth > window.innerWidth) out.push(`page ${document.documentElement.scrollWidth}px wide`);
    // This feature's parts (the turnout tables are item 11's, tested with it).
    for (const el of document.querySelectorAll('#signin *, #token-details *, #first-account *, #organizers *, #log *, #password-details *, #signed-in, #my-role')) {
      if (el.checkVisibility?.() && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible' &&
          el.clientWidth > 0 && !['TABLE', 'TBODY', 'THEAD', 'TR', 'SELECT', 'INPUT'].includes(el.tagName)) {
        out.push(`${el.tagName.toLowerCase()}#${el.id} "${el.textContent.trim().slice(0, 30)}" overflows`);
      }
    }
    const text = document.body.innerText;
    for (const m of text.match(/\badmin\.[a-z_.]+/g) || []) out.push(`untranslated ${m}`);
    return out;
  });
}

// One section of the page, as the phone shows it.
async function shoot(locator, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await locator.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

async function signIn(page, who, { email = 'Email', password = 'Password', button = 'Sign in' } = {}) {
  await page.getByLabel(email, { exact: true }).fill(who.email);
  await page.getByLabel(password, { exact: true }).fill(who.password);
  await page.getByRole('button', { name: button, exact: true }).click();
}

describe('organizer accounts', () => {
  let browser;
  let page;
  before(async () => ({ browser, page } = await openPage()));
  after(() => browser?.close());

  test('first start: the token signs in once, to make the first account; weak passwords are refused at their field', async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel('Organizer token').waitFor();
    assert.equal(await page.getByLabel('Email', { exact: true }).count(), 0);  // no account yet: only the token
    await page.getByLabel('Organizer token').fill(server.token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Make your organizer account' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill(ANA.name);
    await page.getByLabel('Email', { exact: true }).fill(ANA.email);
    await page.getByLabel('Password', { exact: true }).fill('password1234');
    await page.getByRole('button', { name: 'Make the account and sign in' }).click();
    await page.locator('#first-password-error').getByText('Choose a password of at least 12 characters').waitFor();
    await screenshot(page, 'accounts-first-en', { fullPage: true });
    assert.deepEqual(await layoutProblems(page), []);
    assert.deepEqual(await labelProblems(page), []);
    await page.getByLabel('Password', { exact: true }).fill(ANA.password);
    await page.getByRole('button', { name: 'Make the account and sign in' }).click();
    await page.locator('#signed-in').getByText('Signed in as Ana Ruiz').waitFor();
    assert.equal(await page.locator('#first-account').count(), 0);
    // The account from now on: the token has left the tab; the session cookie is out of the page's reach.
    assert.equal(await page.evaluate(() => sessionStorage.getItem('psephos-token')), null);
    assert.equal(await page.evaluate(() => document.cookie.includes('psephos')), false);
    const [cookie] = (await browser.context.cookies()).filter((c) => c.name === '__Host-psephos-session');
    assert.ok(cookie, 'the session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Strict');
  });

  test('the owner adds an organizer with a role, and reads the activity log', async () => {
    await page.getByRole('link', { name: /Roosevelt High School/ }).click();
    await page.getByRole('heading', { name: 'Organizers of this process' }).waitFor();
    await page.locator('#my-role').getByText('Your role here: Owner').waitFor();
    // A new person: email, role, name and a first password.
    await page.locator('#add-email').fill(BEN.email);
    await page.getByLabel('Access in this process').selectOption('observer');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('#add-email-error').getByText('No account has this email yet').waitFor();
    await page.locator('#add-name').fill(BEN.name);
    await page.locator('#add-password').fill(BEN.password);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('#organizers-list').getByText(BEN.name, { exact: true }).waitFor();
    assert.equal(await page.getByLabel('Access for Ben Ode').inputValue(), 'observer');
    // Refresh the log: the addition is in it, with who made it and never the password.
    await page.reload();
    await page.locator('#log-list li').first().waitFor();
    const log = await page.locator('#log-list').innerText();
    assert.match(log, /Ana Ruiz/);
    assert.match(log, /email=ben@example\.org, name=Ben Ode, role=observer/);
    assert.doesNotMatch(log, /purple/);
    await shoot(page.locator('#organizers'), 'accounts-organizers-en');
    await shoot(page.locator('#log'), 'accounts-log-en');
    assert.deepEqual(await layoutProblems(page), []);
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
  });

  test('signing out ends the session; an observer sees the process but none of the owner\'s controls', async () => {
    await page.goto(`${server.url}/admin#/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in with your account' }).waitFor();
    assert.equal((await browser.context.cookies()).filter((c) => c.name === '__Host-psephos-session').length, 0);
    await signIn(page, { ...BEN, password: 'not his password' });
    await page.locator('#signin-error').getByText('The email or the password is wrong.').waitFor();
    await screenshot(page, 'accounts-sign-in-en', { fullPage: true });
    assert.deepEqual(await layoutProblems(page), []);
    await signIn(page, BEN);
    await page.locator('#signed-in').getByText('Signed in as Ben Ode').waitFor();
    assert.equal(await page.locator('#new-process').count(), 0);
    // Ben replaces the first password Ana gave him.
    await page.getByText('Change my password').click();
    await page.getByLabel('Current password').fill('not his password');
    await page.getByLabel('New password').fill('seven green kites fly');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#pw-current_password-error').getByText('That is not your current password.').waitFor();
    await page.getByLabel('Current password').fill(BEN.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#pw-done').getByText('Password changed.').waitFor();
    await shoot(page.locator('#password-details'), 'accounts-password-en');
    assert.deepEqual(await layoutProblems(page), []);
    assert.deepEqual(await labelProblems(page), []);
    await page.getByRole('link', { name: /Roosevelt High School/ }).click();
    await page.locator('#my-role').getByText('Your role here: Observer').waitFor();
    await page.locator('#turnout-total').waitFor();
    for (const absent of ['#organizers', '#log', '#make-codes', '#do-open', '#edit', '#devices', '#paper']) {
      assert.equal(await page.locator(absent).count(), 0, absent);
    }
    assert.deepEqual(browser.problems, []);
  });
});

describe('organizer accounts in Spanish', () => {
  let browser;
  let page;
  before(async () => {
    browser = await startBrowser({ locale: 'es-ES' });
    page = await browser.page();
  });
  after(async () => {
    await browser?.close();
  });

  test('signing in, the organizers and the activity log read in Spanish at 360 px', async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByRole('heading', { name: 'Inicia sesión con tu cuenta' }).waitFor();
    await signIn(page, { ...ANA, password: 'otra contraseña mala' }, { email: 'Correo electrónico', password: 'Contraseña', button: 'Iniciar sesión' });
    await page.locator('#signin-error').getByText('El correo o la contraseña no son correctos.').waitFor();
    await screenshot(page, 'accounts-sign-in-es', { fullPage: true });
    assert.deepEqual(await layoutProblems(page), []);
    await signIn(page, ANA, { email: 'Correo electrónico', password: 'Contraseña', button: 'Iniciar sesión' });
    await page.locator('#signed-in').getByText('Sesión iniciada como Ana Ruiz').waitFor();
    await page.getByText('Cambiar mi contraseña').click();
    await page.getByLabel('Contraseña nueva').fill('corta');
    await page.getByRole('button', { name: 'Cambiar la contraseña' }).click();
    await page.getByLabel('Contraseña actual').fill(ANA.password);
    await page.getByRole('button', { name: 'Cambiar la contraseña' }).click();
    await page.locator('#pw-password-error').getByText('Elige una contraseña de al menos 12 caracteres').waitFor();
    await shoot(page.locator('#password-details'), 'accounts-password-es');
    assert.deepEqual(await layoutProblems(page), []);
    await page.getByRole('link', { name: /Roosevelt High School/ }).click();
    await page.getByRole('heading', { name: 'Organizadores de este proceso' }).waitFor();
    await page.locator('#organizers-list').getByText(BEN.name, { exact: true }).waitFor();
    // The owner makes Ben an editor; the log says so.
    await page.getByLabel('Acceso de Ben Ode').selectOption('editor');
    await page.locator('#log-list li').first().waitFor();
    await page.reload();
    await page.locator('#log-list').getByText('role=editor').waitFor();
    assert.equal(await page.getByLabel('Acceso de Ben Ode').inputValue(), 'editor');
    await shoot(page.locator('#organizers'), 'accounts-organizers-es');
    await shoot(page.locator('#log'), 'accounts-log-es');
    assert.deepEqual(await layoutProblems(page), []);
    assert.deepEqual(await labelProblems(page), []);
    assert.deepEqual(await contrastProblems(page), []);
    assert.deepEqual(browser.problems, []);
  });
});
