import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient, type QueryKey, type UseQueryResult } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type { Resource } from '../../api/fhir';
import { useFhir } from '../../auth/AuthContext';
import { fieldErrors } from './formSupport';

export interface ResourceFormOptions<R extends Resource, V, F extends string> {
  /** The query of the stored resource (disabled when creating). */
  loaded: UseQueryResult<R>;
  /** True to update the loaded resource (PUT, If-Match), false to create one (POST). */
  editing: boolean;
  /** The values of a new resource. */
  initial: V;
  /** The values the form shows for a stored resource. */
  valuesOf: (resource: R) => V;
  /** The client's own checks: a message per field in error. */
  validate: (values: V) => Partial<Record<F, string>>;
  /** The resource to send for the values. */
  toResource: (values: V) => R;
  /** Where each field's server messages come from (element paths, see fieldErrors). */
  fieldPaths: Record<F, string[]>;
  /** The queries a save makes stale. */
  invalidate: QueryKey;
  /** Where to go once saved, given what the server stored. */
  after: (saved: R | undefined) => string;
}

/**
 * The machinery of a form that creates or edits one resource: filled once from the loaded
 * resource, checked before sending, saved against the version it was filled from, and the
 * server's refusal laid out under the fields.
 */
export function useResourceForm<R extends Resource, V, F extends string>(options: ResourceFormOptions<R, V, F>) {
  const { loaded, editing, valuesOf } = options;
  const fhir = useFhir();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<V>(options.initial);
  const [errors, setErrors] = useState<Partial<Record<F, string>>>({});
  // the version the form was filled from (a background refetch never overwrites what the user typed)
  const [filled, setFilled] = useState<{ version?: string } | undefined>();

  useEffect(() => {
    if (loaded.data && !filled) {
      setValues(valuesOf(loaded.data));
      setFilled({ version: loaded.data.meta?.versionId });
    }
  }, [loaded.data, filled, valuesOf]);

  const save = useMutation({
    mutationFn: (resource: R) => (editing ? fhir.update(resource) : fhir.create(resource)),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: options.invalidate });
      navigate(options.after(saved));
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = options.validate(values);
    setErrors(found);
    if (Object.keys(found).length) {
      return;
    }
    const resource = options.toResource(values);
    if (editing && loaded.data) {
      // the version the form was filled from: the server refuses the save if it changed (If-Match)
      resource.meta = { ...resource.meta, versionId: filled?.version ?? loaded.data.meta?.versionId };
    }
    save.mutate(resource);
  };

  /** After a version conflict: the latest stored version, and the form filled again from it. */
  const reload = async () => {
    save.reset();
    await loaded.refetch();
    setFilled(undefined);
  };

  const server = fieldErrors(save.error, options.fieldPaths);
  const error = (field: F) => errors[field] ?? server.errors[field];

  return { values, setValues, save, submit, reload, server, error };
}
