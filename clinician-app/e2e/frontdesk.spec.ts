import { checkAccessibility, expect, snap, fixtures, signIn, test } from './support';
import { choose, navigate } from './navigation';

test('front desk: registers a patient, records and revokes a consent; sees nothing clinical and no claims', async ({ page, watch }) => {
  const family = `Registered${fixtures().run}`;
  watch.sensitive(family);
  await signIn(page, 'frontdesk.demo');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Register patient' }).click();
  await page.getByLabel('Family name').fill(family);
  await page.getByLabel('Given names').fill('Robin');
  await page.getByLabel('Birth date').fill('1990-05-17');
  await choose(page, 'Gender', /^Female$/);
  await checkAccessibility(page, 'the registration form');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Robin ${family}`);
  await expect(page.getByRole('tab', { name: 'Observations' })).toHaveCount(0);

  await page.getByRole('link', { name: 'Consents' }).click();
  await page.getByLabel('The patient’s choice').selectOption({ label: 'Withhold a sensitive kind of record from everyone' });
  await page.getByLabel('Kind of record').selectOption({ index: 0 });
  await page.getByLabel(/made this choice/).check();
  await checkAccessibility(page, 'the consent form');
  await snap(page, 'consents');
  const sentence = (await page.getByTestId('consent-preview').textContent())!.trim();
  await page.getByRole('button', { name: /Record/ }).last().click();
  const table = page.getByRole('table', { name: /Consents of/ });
  await expect(table.getByText('active', { exact: false }).first()).toBeVisible();
  await table.getByRole('button', { name: /^Revoke: / }).first().click();
  await table.getByRole('button', { name: /^Confirm revoking: / }).first().click();
  await expect(page.getByRole('status').filter({ hasText: 'Consent revoked' })).toBeVisible();
  expect(sentence.length).toBeGreaterThan(10);

  await navigate(page, '/app/claims');
  await expect(page.getByRole('heading', { name: 'Not available to your role' })).toBeVisible();
});
