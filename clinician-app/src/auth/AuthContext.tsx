import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Session, SessionState } from './session';
import type { FhirClient } from '../api/fhir';

interface AuthValue {
  session: Session;
  fhir: FhirClient;
  state: SessionState;
}

const AuthContext = createContext<AuthValue | undefined>(undefined);

export function AuthProvider({ session, fhir, children }: { session: Session; fhir: FhirClient; children: ReactNode }) {
  const [state, setState] = useState(session.current);
  useEffect(() => session.subscribe(setState), [session]);
  return <AuthContext.Provider value={{ session, fhir, state }}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) {
    throw new Error('useAuth outside AuthProvider');
  }
  return value;
}

/** The FHIR client of the signed-in session. */
export function useFhir(): FhirClient {
  return useAuth().fhir;
}

export function useClaims() {
  return useAuth().state.tokens?.claims;
}
