/**
 * The WAI-ARIA tabs pattern's keyboard rule and the tab's place in the URL, as plain functions
 * (tests/unit/ui/tabs.spec.ts). Arrow keys move to the next or previous tab (wrapping), Home and
 * End to the first and last; selection follows focus (automatic activation).
 */

/** The index a key moves to from `current` among `count` tabs, or null for other keys. */
export function tabKeyTarget(key: string, current: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return (current + 1) % count;
    case 'ArrowLeft':
    case 'ArrowUp':
      return (current - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** A tab's id in the URL (`?tab=medications`): lower case, words joined by hyphens. */
export function tabSlug(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** The tab a URL names, or the first one when it names none that exists. */
export function tabFromUrl<T extends { slug: string }>(url: URL, tabs: readonly T[]): T {
  const wanted = url.searchParams.get('tab');
  return tabs.find((t) => t.slug === wanted) ?? tabs[0]!;
}

/** The same URL with `tab` set (the first tab is the default and leaves the URL clean). */
export function urlWithTab(url: URL, slug: string, first: string): URL {
  const next = new URL(url);
  if (slug === first) next.searchParams.delete('tab');
  else next.searchParams.set('tab', slug);
  return next;
}
