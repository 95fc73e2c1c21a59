import { Center, Loader, VisuallyHidden } from '@mantine/core';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite" aria-busy="true">
      <Loader size="sm" />
      <VisuallyHidden>{label}</VisuallyHidden>
    </Center>
  );
}
