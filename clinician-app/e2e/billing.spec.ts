import { checkAccessibility, expect, snap, fixtures, signIn, test } from './support';
import { choose, navigate } from './navigation';

test('billing: lists claims by status and period, edits a claim; sees no clinical tab and no audit console', async ({ page }) => {
  const data = fixtures();
  await signIn(page, 'billing.demo');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Claims' }).click();
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel('Created from').fill(today);
  await page.getByLabel('Created to').fill(today);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await checkAccessibility(page, 'the claims list');
  await snap(page, 'claims');
  await page.locator(`a[href="/app/claims/${data.claim}"]`).click();
  await checkAccessibility(page, 'the claim form');
  await page.getByLabel('Total amount').fill('215.50');
  await choose(page, 'Priority', /Stat|Immediate/i);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText(/Saved \(version 2\)/)).toBeVisible();

  // the claims report of today: the edited claim counted under its payer, as CSV too
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
  await page.getByLabel('First day').fill(today);
  await page.getByLabel('Last day').fill(today);
  await page.getByRole('button', { name: 'Run report' }).click();
  const report = page.getByRole('table', { name: /^Claims by status and payer/ });
  await expect(report.getByText('Acme Health Insurance').first()).toBeVisible();
  await checkAccessibility(page, 'the claims report');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV' }).click();
  expect((await download).suggestedFilename()).toBe(`claims-by-status-and-payer-${today}-to-${today}.csv`);

  await navigate(page, '/app/patients/demo-patient');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Demo Patient');
  await expect(page.getByRole('tab', { name: 'Observations' })).toHaveCount(0);
  await navigate(page, '/app/audit/events');
  await expect(page.getByRole('heading', { name: 'Not available to your role' })).toBeVisible();
});
