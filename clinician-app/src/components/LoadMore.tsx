import { Button, Group, type GroupProps } from '@mantine/core';
import { ErrorAlert } from './ErrorAlert';

/** What the footer needs of a search paged with useInfiniteQuery. */
export interface PagedQuery {
  error: Error | null;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/**
 * The footer of a paged search: "Load more" while the server gives a next page (there is no total
 * to page by where consent applies), and why the next page failed. Pages that show every error of
 * the search above their table pass `showError={false}`, so it is not said twice.
 */
export function LoadMore({ query, showError = true, ...group }: { query: PagedQuery; showError?: boolean } & GroupProps) {
  return (
    <>
      {showError && query.isFetchNextPageError && <ErrorAlert error={query.error} title="The next page could not be loaded" />}
      {query.hasNextPage && (
        <Group {...group}>
          <Button variant="default" onClick={() => void query.fetchNextPage()} loading={query.isFetchingNextPage}>
            Load more
          </Button>
        </Group>
      )}
    </>
  );
}
