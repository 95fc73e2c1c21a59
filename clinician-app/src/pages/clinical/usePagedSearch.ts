import { useInfiniteQuery } from '@tanstack/react-query';
import { resources, type Bundle, type Resource } from '../../api/fhir';
import { useFhir } from '../../auth/AuthContext';

/**
 * A FHIR search paged through the Bundle's `next` links ("Load more"): the server never gives a
 * total where consent applies, so the pages are all there is to go by.
 */
export function usePagedSearch<T extends Resource>(type: string, params: Record<string, string | string[] | undefined>, enabled = true) {
  const fhir = useFhir();
  const query = useInfiniteQuery({
    queryKey: [type, 'search', params],
    enabled,
    initialPageParam: undefined as Bundle<T> | undefined,
    queryFn: ({ pageParam }) => (pageParam ? fhir.next(pageParam)! : fhir.search<T>(type, params)),
    getNextPageParam: (last: Bundle<T>) => (last.link?.some((link) => link.relation === 'next') ? last : undefined),
  });
  const items = query.data?.pages.flatMap((page) => resources(page)) ?? [];
  return { ...query, items };
}

export type PagedSearch<T extends Resource> = ReturnType<typeof usePagedSearch<T>>;
