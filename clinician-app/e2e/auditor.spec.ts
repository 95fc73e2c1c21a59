import { checkAccessibility, expect, snap, fixtures, signIn, test } from './support';
import { navigate } from './navigation';

// Runs after the role specs (playwright.config.ts: project dependencies): finds what they did.
test('auditor: finds the break-glass accesses the physician made, reviews the declaration, downloads the access report, sees the chain intact', async ({
  page,
}) => {
  const data = fixtures();
  await signIn(page, 'auditor.demo');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click();
  await page.getByLabel('Patient').fill(data.untreatedPatient);
  await page.getByRole('button', { name: 'Search' }).click();
  const records = page.getByRole('table', { name: 'Audit records, newest first' });
  await expect(records.getByText(/break-glass/i).first()).toBeVisible();
  await checkAccessibility(page, 'the audit trail');
  await snap(page, 'audit-trail');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Break-glass review' }).click();
  const queue = page.getByRole('table', { name: /Break-glass declarations/ });
  const row = queue.getByRole('row').filter({ hasText: 'Unconscious patient brought to the emergency department (e2e test)' });
  await expect(row).toHaveCount(1);
  await row.getByRole('button', { name: 'Mark reviewed' }).click();
  await page.getByLabel('Review note').fill('Checked with the ED: genuine emergency.');
  await checkAccessibility(page, 'the review dialog');
  await snap(page, 'break-glass-review');
  await page.getByRole('dialog').getByRole('button', { name: 'Mark reviewed' }).click();
  await expect(row).toHaveCount(0);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access report' }).click();
  const reportForm = page.getByRole('search', { name: 'Access report for a patient' });
  await reportForm.getByRole('textbox', { name: 'Patient' }).fill(data.untreatedPatient);
  await reportForm.getByRole('button', { name: 'Show report' }).click();
  await expect(page.getByRole('table').first()).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /Download CSV/ }).click();
  expect((await download).suggestedFilename()).toMatch(/\.csv$/);
  await checkAccessibility(page, 'the access report');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chain status' }).click();
  await expect(page.getByText('Intact', { exact: false }).first()).toBeVisible();

  await navigate(page, '/app/patients');
  await expect(page.getByRole('heading', { name: 'Not available to your role' })).toBeVisible();
});
