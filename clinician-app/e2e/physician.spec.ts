import { checkAccessibility, expect, snap, fixtures, signIn, test } from './support';
import { choose, navigate } from './navigation';

test('physician: finds a patient they treat, records an observation, is refused the audit console, breaks the glass until it expires', async ({
  page,
  watch,
}) => {
  const data = fixtures();
  watch.sensitive(data.untreatedFamily, `E2E-${data.run}`);
  await signIn(page, 'dr.demo');
  await checkAccessibility(page, 'the physician home page');

  // find the demo patient by exact name (names are encrypted: exact match)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Patients' }).click();
  await page.getByLabel('Family name').fill('Patient');
  await page.getByLabel('Given name').fill('Demo');
  await page.getByRole('button', { name: 'Search' }).click();
  await checkAccessibility(page, 'patient search results');
  await snap(page, 'patient-search');
  await page.getByRole('link', { name: 'Demo Patient' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Demo Patient');
  await checkAccessibility(page, 'the chart');
  await snap(page, 'chart');

  // record a heart rate
  await page.getByRole('link', { name: 'Record observation' }).click();
  await choose(page, 'Measurement', /Heart rate/);
  await page.getByLabel(/^Value/).fill('73');
  await checkAccessibility(page, 'the observation form');
  await page.getByRole('button', { name: 'Record observation' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Demo Patient');
  await page.getByRole('tab', { name: 'Observations' }).click();
  await expect(page.getByRole('tabpanel').getByText(/73/).first()).toBeVisible();

  // the audit console is not offered, and its address says so
  await expect(page.getByRole('link', { name: 'Audit trail' })).toHaveCount(0);
  await navigate(page, '/app/audit/events');
  await expect(page.getByRole('heading', { name: 'Not available to your role' })).toBeVisible();

  // a patient the physician does not treat: withheld, like an unknown record
  await navigate(page, `/app/patients/${data.untreatedPatient}`);
  await expect(page.getByText(/no patient record with the id/)).toBeVisible();
  await checkAccessibility(page, 'a withheld record');
  await page.getByRole('button', { name: 'Break the glass (emergency access)' }).click();
  await page.getByRole('button', { name: 'Declare emergency access' }).click();
  await expect(page.getByText(/10.1000 characters/).first()).toBeVisible();
  await choose(page, 'Reason', 'Emergency treatment');
  await page.getByLabel('Justification').fill('Unconscious patient brought to the emergency department (e2e test)');
  await checkAccessibility(page, 'the break-glass dialog');
  await snap(page, 'break-glass-dialog');
  await page.getByRole('button', { name: 'Declare emergency access' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(data.untreatedFamily);
  await expect(page.getByTestId('break-glass-banner')).toBeVisible();
  await expect(page.getByTestId('break-glass-remaining')).toHaveText(/^[01]:\d\d left$/);
  await checkAccessibility(page, 'the chart under break-glass');
  await snap(page, 'break-glass-banner');

  // the declaration lasts 75 s on this server: then the banner goes and the record is withheld again
  await expect(page.getByTestId('break-glass-banner')).toBeHidden({ timeout: 100_000 });
  await navigate(page, '/app/patients');
  await navigate(page, `/app/patients/${data.untreatedPatient}`);
  await expect(page.getByText(/no patient record with the id/)).toBeVisible({ timeout: 30_000 });
});
