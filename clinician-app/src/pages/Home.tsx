import { Card, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useClaims } from '../auth/AuthContext';
import { can, primaryRole, ROLE_LABELS, type Capability } from '../auth/permissions';

const TASKS: { to: string; title: string; text: string; capability: Capability }[] = [
  { to: '/patients', title: 'Find a patient', text: 'By exact name, birth date or identifier.', capability: 'patients.search' },
  { to: '/patients/new', title: 'Register a patient', text: 'New demographics record.', capability: 'patients.register' },
  { to: '/claims', title: 'Claims', text: 'By status and period; edit a claim.', capability: 'claims.read' },
  { to: '/reports', title: 'Reports', text: 'Encounters and claims of a period, as CSV.', capability: 'reports.clinical' },
  { to: '/reports', title: 'Reports', text: 'Claims by status and payer, as CSV.', capability: 'reports.billing' },
  { to: '/audit/events', title: 'Audit trail', text: 'Who did what, when, to whose record.', capability: 'audit' },
  { to: '/audit/access-report', title: 'Access report', text: 'A patient’s accounting of disclosures.', capability: 'audit' },
  { to: '/audit/break-glass', title: 'Break-glass review', text: 'Emergency accesses awaiting review.', capability: 'audit' },
  { to: '/audit/chain', title: 'Chain status', text: 'Is the audit trail intact?', capability: 'audit' },
];

export function Home() {
  const claims = useClaims();
  const role = primaryRole(claims);
  const tasks = TASKS.filter((task) => can(claims, task.capability));
  return (
    <Stack>
      <Title order={1} size="h2">
        {role ? `${ROLE_LABELS[role]} workspace` : 'Workspace'}
      </Title>
      {tasks.length === 0 ? (
        <Text>
          This app is for clinicians, front desk, billing and auditors. Your role (
          {claims?.roles.map((r) => ROLE_LABELS[r] ?? r).join(', ') || 'none'}) has no work here.
        </Text>
      ) : (
        <div className="tiles">
          {tasks.map((task) => (
            <Card key={task.title + task.to} withBorder component={Link} to={task.to} padding="lg">
              <Text fw={600}>{task.title}</Text>
              <Text size="sm" c="gray.7">
                {task.text}
              </Text>
            </Card>
          ))}
        </div>
      )}
    </Stack>
  );
}
