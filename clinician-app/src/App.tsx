import { useEffect } from 'react';
import { Anchor, Badge, Button, Group, Modal, NavLink, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, Navigate, NavLink as RouterNavLink, Route, Routes, useLocation } from 'react-router';
import { useAuth, useClaims } from './auth/AuthContext';
import { can, primaryRole, ROLE_LABELS, type Capability } from './auth/permissions';
import { BreakGlassProvider, remaining, useBreakGlass } from './auth/breakGlass';
import { Loading } from './components/Loading';
import type { Resource } from './api/fhir';
import { humanName, idOf, type HumanName } from './fhir/format';
import { Callback } from './pages/Callback';
import { Home } from './pages/Home';
import { SignIn, SignedOut } from './pages/SignIn';
import { PatientSearch } from './pages/clinical/PatientSearch';
import { PatientChart } from './pages/clinical/PatientChart';
import { PatientForm } from './pages/clinical/PatientForm';
import { EncounterForm } from './pages/clinical/EncounterForm';
import { ObservationForm } from './pages/clinical/ObservationForm';
import { Consents } from './pages/frontdesk/Consents';
import { ClaimsList } from './pages/billing/ClaimsList';
import { ClaimEdit } from './pages/billing/ClaimEdit';
import { PatientSummary } from './pages/reports/PatientSummary';
import { PanelReports } from './pages/reports/PanelReports';
import { AuditEvents } from './pages/audit/AuditEvents';
import { AccessReport } from './pages/audit/AccessReport';
import { ChainStatus } from './pages/audit/ChainStatus';
import { Alerts } from './pages/audit/Alerts';
import { BreakGlassReview } from './pages/audit/BreakGlassReview';

const NAV: { to: string; label: string; capability: Capability }[] = [
  { to: '/patients', label: 'Patients', capability: 'patients.search' },
  { to: '/patients/new', label: 'Register patient', capability: 'patients.register' },
  { to: '/claims', label: 'Claims', capability: 'claims.read' },
  { to: '/reports', label: 'Reports', capability: 'reports.clinical' },
  { to: '/reports', label: 'Reports', capability: 'reports.billing' },
  { to: '/audit/events', label: 'Audit trail', capability: 'audit' },
  { to: '/audit/access-report', label: 'Access report', capability: 'audit' },
  { to: '/audit/chain', label: 'Chain status', capability: 'audit' },
  { to: '/audit/alerts', label: 'Alerts', capability: 'audit' },
  { to: '/audit/break-glass', label: 'Break-glass review', capability: 'audit' },
];

export function App() {
  const { state } = useAuth();
  const location = useLocation();
  if (location.pathname === '/callback') {
    return <Callback />;
  }
  if (state.joining) {
    return <Loading label="Starting" />;
  }
  if (!state.tokens) {
    return state.signedOut ? <SignedOut reason={state.signedOut} /> : <SignIn />;
  }
  return (
    <BreakGlassProvider>
      <Shell />
    </BreakGlassProvider>
  );
}

function Shell() {
  const { session } = useAuth();
  const claims = useClaims();
  const role = primaryRole(claims);
  const links = NAV.filter((item, index) => can(claims, item.capability) && NAV.findIndex((other) => other.to === item.to && can(claims, other.capability)) === index);
  return (
    // A plain CSS grid (app.css), not Mantine's AppShell: AppShell writes a <style> element at run
    // time, which the app's Content-Security-Policy (style-src 'self') blocks.
    <div className="shell">
      <header className="shell-header no-print">
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Anchor component={Link} to="/" underline="never" c="teal.9" fw={700} size="lg">
              Secure FHIR
            </Anchor>
            <Text c="gray.7" size="sm">
              Clinician workspace
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {role && (
              <Badge variant="light" color="teal" aria-label={`Role: ${ROLE_LABELS[role]}`}>
                {ROLE_LABELS[role]}
              </Badge>
            )}
            <UserName />
            <Button variant="default" size="xs" onClick={() => void session.signOut('user')}>
              Sign out
            </Button>
          </Group>
        </Group>
      </header>
      <nav className="shell-nav no-print" aria-label="Main">
        {links.map((item) => (
          <NavLink key={item.to} component={RouterNavLink} to={item.to} end label={item.label} />
        ))}
      </nav>
      <main className="shell-main">
        <Stack gap="md">
          <BreakGlassBanners />
          <Routes>
            <Route path="/" element={<Home />} />
            <Route path="/patients" element={<Guard capability="patients.search"><PatientSearch /></Guard>} />
            <Route path="/patients/new" element={<Guard capability="patients.register"><PatientForm /></Guard>} />
            <Route path="/patients/:id" element={<Guard capability="patients.search"><PatientChart /></Guard>} />
            <Route path="/patients/:id/edit" element={<Guard capability="patients.edit"><PatientForm /></Guard>} />
            <Route path="/patients/:id/encounters/new" element={<Guard capability="encounters.write"><EncounterForm /></Guard>} />
            <Route path="/patients/:id/encounters/:encounterId" element={<Guard capability="encounters.write"><EncounterForm /></Guard>} />
            <Route path="/patients/:id/observations/new" element={<Guard capability="observations.write"><ObservationForm /></Guard>} />
            <Route path="/patients/:id/observations/:observationId" element={<Guard capability="observations.write"><ObservationForm /></Guard>} />
            <Route path="/patients/:id/consents" element={<Guard capability="consents.manage"><Consents /></Guard>} />
            <Route path="/patients/:id/summary" element={<Guard capability="chart.clinical"><PatientSummary /></Guard>} />
            <Route path="/claims" element={<Guard capability="claims.read"><ClaimsList /></Guard>} />
            <Route path="/claims/:claimId" element={<Guard capability="claims.write"><ClaimEdit /></Guard>} />
            <Route path="/reports" element={<PanelReports />} />
            <Route path="/audit/events" element={<Guard capability="audit"><AuditEvents /></Guard>} />
            <Route path="/audit/access-report" element={<Guard capability="audit"><AccessReport /></Guard>} />
            <Route path="/audit/chain" element={<Guard capability="audit"><ChainStatus /></Guard>} />
            <Route path="/audit/alerts" element={<Guard capability="audit"><Alerts /></Guard>} />
            <Route path="/audit/break-glass" element={<Guard capability="audit"><BreakGlassReview /></Guard>} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </Stack>
      </main>
      <IdleWarning />
    </div>
  );
}

/** The signed-in clinician's name from their Practitioner record; staff without one show their role only. */
function UserName() {
  const { fhir } = useAuth();
  const claims = useClaims();
  const practitioner = claims?.fhirUser?.startsWith('Practitioner/') ? idOf(claims.fhirUser) : undefined;
  const record = useQuery({
    queryKey: ['Practitioner', practitioner],
    queryFn: () => fhir.read<Resource & { name?: HumanName[] }>('Practitioner', practitioner!),
    enabled: practitioner !== undefined,
    staleTime: Infinity,
  });
  const name = claims?.name ?? (record.data ? humanName(record.data.name) : undefined);
  return name ? (
    <Text size="sm" data-testid="user-name">
      {name}
    </Text>
  ) : null;
}

/** A page the role may not use: a clear message, never a blank page. */
function Guard({ capability, children }: { capability: Capability; children: React.ReactNode }) {
  const claims = useClaims();
  if (can(claims, capability)) {
    return <>{children}</>;
  }
  return (
    <Stack>
      <Title order={2}>Not available to your role</Title>
      <Text>
        Your role ({claims?.roles.map((r) => ROLE_LABELS[r] ?? r).join(', ') || 'none'}) does not include this work. Ask
        your administrator if you need it.
      </Text>
    </Stack>
  );
}

function BreakGlassBanners() {
  const { active, now } = useBreakGlass();
  if (!active.length) {
    return null;
  }
  return (
    <Stack gap={4} className="no-print">
      {active.map((declaration) => (
        <Group
          key={declaration.id}
          role="status"
          aria-live="polite"
          data-testid="break-glass-banner"
          bg="red.1"
          p="xs"
          justify="space-between"
        >
          <Text size="sm" fw={600} c="red.9">
            Emergency access (break-glass) to{' '}
            <Anchor component={Link} to={`/${declaration.patient.replace('Patient/', 'patients/')}`} c="red.9" fw={700}>
              {declaration.patientName ?? declaration.patient}
            </Anchor>{' '}
            — every access is recorded and reviewed.
          </Text>
          <Text size="sm" fw={700} c="red.9" data-testid="break-glass-remaining">
            {remaining(declaration.expires - now)} left
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

function IdleWarning() {
  const { session, state } = useAuth();
  const open = state.idleWarning !== undefined;
  useEffect(() => {
    if (open) {
      document.title = 'Signing out soon · Secure FHIR';
    } else {
      document.title = 'Secure FHIR · Clinician';
    }
  }, [open]);
  return (
    <Modal opened={open} onClose={() => session.activity()} title="Are you still there?" centered withCloseButton={false}>
      <Stack>
        <Text>
          You have been inactive for 13 minutes. For patients' privacy you will be signed out in{' '}
          <strong data-testid="idle-remaining">{remaining(state.idleWarning ?? 0)}</strong>.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => void session.signOut('user')}>
            Sign out now
          </Button>
          <Button onClick={() => session.activity()} data-autofocus>
            Stay signed in
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

