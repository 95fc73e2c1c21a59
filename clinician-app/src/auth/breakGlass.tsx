import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';

/** A break-glass declaration of the signed-in user, as the server answered it (`$break-glass`). */
export interface Declaration {
  id: string;
  patient: string; // Patient/{id}
  patientName?: string;
  expires: number; // epoch ms
}

interface BreakGlassValue {
  active: Declaration[];
  declared: (declaration: Declaration) => void;
  forPatient: (patientId: string) => Declaration | undefined;
  now: number;
}

const BreakGlassContext = createContext<BreakGlassValue | undefined>(undefined);

/** Emergency accesses this session declared, until they expire (a ticking clock for the banners). */
export function BreakGlassProvider({ children }: { children: ReactNode }) {
  const [declarations, setDeclarations] = useState<Declaration[]>([]);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const active = declarations.filter((declaration) => declaration.expires > now);
  const declared = useCallback(
    (declaration: Declaration) =>
      setDeclarations((all) => [...all.filter((d) => d.patient !== declaration.patient), declaration]),
    [],
  );
  const forPatient = (patientId: string) => active.find((d) => d.patient === `Patient/${patientId}`);
  return <BreakGlassContext.Provider value={{ active, declared, forPatient, now }}>{children}</BreakGlassContext.Provider>;
}

export function useBreakGlass(): BreakGlassValue {
  const value = useContext(BreakGlassContext);
  if (!value) {
    throw new Error('useBreakGlass outside BreakGlassProvider');
  }
  return value;
}

export function remaining(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}
