import type { ReactNode } from 'react';

/**
 * Equal columns for form fields. Mantine's SimpleGrid and Grid always render a <style> element
 * (their column variables), which the app's CSP (style-src 'self') refuses; a style object set
 * by React goes through the CSSOM and is allowed.
 */
export function FormGrid({ cols, children }: { cols: number; children: ReactNode }) {
  return (
    <div
      style={{
        display: 'grid',
        gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`,
        gap: 'var(--mantine-spacing-sm)',
        alignItems: 'start',
      }}
    >
      {children}
    </div>
  );
}
