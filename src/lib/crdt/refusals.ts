/**
 * Plain words for the refusal codes SealedDoc counts (its `rejections`), so the sync status can
 * name what was refused and not only how many. Codes without words here are shown as they are.
 */
const WORDS: Record<string, string> = {
  'snapshot-unverified': 'a snapshot holding edits not verified from their authors',
  'snapshot-owner-mismatch': 'a snapshot naming other authors than those recorded',
  'snapshot-generation': 'a snapshot that does not start a new generation',
  'bad-snapshot': 'a damaged snapshot',
  'client-id-taken': "an edit written under another member's identity",
  equivocation: 'two different changes under one number',
  revoked: 'changes from a removed device',
  unchained: 'changes from a removed device that are not on its recorded chain (yet)',
};

/** Records carried inside the practice index (`SealedDoc.setRefusals`), as `<source>:<code>`. */
const SOURCES: Record<string, string> = {
  'member-list': 'member lists in the practice index that do not verify',
  grant: 'key grants in the practice index that do not verify',
};

function words(code: string): string {
  if (WORDS[code]) return WORDS[code];
  const at = code.indexOf(':');
  const source = at > 0 ? SOURCES[code.slice(0, at)] : undefined;
  return source ? `${source}: ${code.slice(at + 1)}` : code;
}

/** E.g. "a snapshot holding edits not verified from their authors (1); revoked (2)". */
export function describeRefusals(refusals: readonly { code: string; count: number }[]): string {
  const totals = new Map<string, number>();
  for (const { code, count } of refusals) totals.set(code, (totals.get(code) ?? 0) + count);
  return [...totals]
    .filter(([, count]) => count > 0)
    .map(([code, count]) => `${words(code)} (${count})`)
    .join('; ');
}
