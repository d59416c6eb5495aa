/**
 * Sharing one chart with a specialist (issue 7, docs/design.md §8): the patient's consent is recorded
 * in the chart first; then a SMART Health Link is created on the relay, the consented sections
 * are exported as a FHIR Bundle, encrypted (JWE) with the link's key and published. The link's
 * key and management secret are kept only inside the sealed chart, so any device of the practice
 * can revoke it, read its access log, or re-publish an `L` link after the chart changes.
 */
import { nowIso } from '$lib/chart/dates';
import { collectionBundle } from '$lib/chart/fhir-out';
import type {
  ChartModel,
  Consent,
  Entry,
  Issue,
  ShareLink,
  ShareableSection,
  SharePurpose,
} from '$lib/chart';
import type { FhirResource } from '$lib/chart/fhir-out';
import { ShlError } from '$lib/fhir/shl/errors';
import type { LinkLog } from '$lib/fhir/shl/host';
import { relayOrigin, relayProof } from './relay.svelte';

export type { Consent, ShareLink, ShareableSection, SharePurpose };
export { SHAREABLE_SECTIONS, SHARE_PURPOSES } from '$lib/chart';

export type LinkKind = 'passcode' | 'long-term' | 'single-file';

export interface NewShare {
  recipient: string;
  purpose: SharePurpose;
  scope: 'all' | ShareableSection[];
  /** Last day of the consent (and of the link). */
  expires: string;
  kind: LinkKind;
}

export interface MadeLink {
  url: string;
  passcode?: string;
  qr: string;
}

const FLAGS: Record<LinkKind, ShareLink['flags']> = {
  passcode: 'P',
  'long-term': 'LP',
  'single-file': 'U',
};

const endOfDay = (date: string) => new Date(`${date}T23:59:59`).getTime();

function message(error: unknown): string {
  return error instanceof ShlError ? error.message : 'The link could not be created. Try again.';
}

/**
 * What sharing needs of the open chart. ChartState provides it; it is declared here so that the
 * chart and sharing modules do not import each other.
 */
export interface SharedChart {
  readonly view: { consents: Entry<Consent>[]; shareLinks: Entry<ShareLink>[] } | null;
  run<T>(
    command: (model: ChartModel) => T,
  ): { ok: true; value: T } | { ok: false; message: string; issues: Issue[] };
  fhirResources(chartId: string, sections: 'all' | ShareableSection[]): FhirResource[];
}

export class ShareState {
  readonly #chart: SharedChart;
  readonly #chartId: string;
  #logs = $state<Record<string, LinkLog | 'unavailable'>>({});
  #busy = $state(false);
  #republish: ReturnType<typeof setTimeout> | null = null;

  constructor(chart: SharedChart, chartId: string) {
    this.#chart = chart;
    this.#chartId = chartId;
  }

  get busy(): boolean {
    return this.#busy;
  }
  get consents(): Entry<Consent>[] {
    return this.#chart.view?.consents ?? [];
  }
  get links(): Entry<ShareLink>[] {
    return this.#chart.view?.shareLinks ?? [];
  }
  /** Access log and status from the relay, per link entry id. */
  get logs(): Record<string, LinkLog | 'unavailable'> {
    return this.#logs;
  }

  /** The bundle a consent allows: Patient plus the consented sections. */
  #bundle(consent: Consent): string {
    const resources = this.#chart.fhirResources(this.#chartId, consent.scope);
    return JSON.stringify(collectionBundle(resources, nowIso()));
  }

  /**
   * Records the consent, then makes the link. Validation problems come back as issues; when the
   * relay cannot be reached the consent stays recorded and `createLink` can be retried.
   */
  async share(
    input: NewShare,
  ): Promise<
    | { ok: true; link: MadeLink }
    | { ok: false; message: string; issues: Issue[]; consentId?: string }
  > {
    const recorded = this.#chart.run((m) =>
      m.recordConsent({
        recipient: input.recipient,
        purpose: input.purpose,
        scope: input.scope,
        expires: input.expires,
      }),
    );
    if (!recorded.ok) return { ok: false, message: recorded.message, issues: recorded.issues };
    const made = await this.createLink(recorded.value, input.kind);
    return made.ok ? made : { ...made, issues: [], consentId: recorded.value };
  }

  /** Creates and publishes a link under an active consent. */
  async createLink(
    consentId: string,
    kind: LinkKind,
  ): Promise<{ ok: true; link: MadeLink } | { ok: false; message: string }> {
    const consent = this.consents.find((c) => c.id === consentId);
    if (!consent || consent.data.status !== 'active')
      return { ok: false, message: 'A link needs an active consent.' };
    this.#busy = true;
    try {
      const { createHostedLink, publishFile } = await import('$lib/fhir/shl/host');
      const { encryptFile } = await import('$lib/fhir/shl/jwe');
      const expiresAt = endOfDay(consent.data.expires);
      const hosted = await createHostedLink({
        origin: relayOrigin(),
        flags: FLAGS[kind],
        expires: expiresAt,
        label: `Shared with ${consent.data.recipient}`.slice(0, 80),
        proof: await relayProof(),
      });
      const jwe = await encryptFile(this.#bundle(consent.data), hosted.payload.key);
      await publishFile(relayOrigin(), { id: hosted.id, manageSecret: hosted.manageSecret }, jwe);
      const stored = this.#chart.run((m) => {
        const id = m.addShareLink({
          consentId,
          linkId: hosted.id,
          shlink: hosted.shlink,
          flags: FLAGS[kind],
          key: hosted.payload.key,
          manageSecret: hosted.manageSecret,
          ...(hosted.passcode ? { passcode: hosted.passcode } : {}),
          expiresAt,
          label: hosted.payload.label ?? '',
        });
        m.recordAudit('share', consent.data.recipient);
        return id;
      });
      if (!stored.ok) return { ok: false, message: stored.message };
      return {
        ok: true,
        link: await this.linkFor({ data: { shlink: hosted.shlink, passcode: hosted.passcode } }),
      };
    } catch (error) {
      return { ok: false, message: message(error) };
    } finally {
      this.#busy = false;
    }
  }

  /** The viewer URL, passcode and QR code of a stored link. */
  async linkFor(link: { data: { shlink: string; passcode?: string } }): Promise<MadeLink> {
    const url = `${location.origin}/view#${link.data.shlink}`;
    const QRCode = await import('qrcode');
    const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return {
      url,
      qr: `data:image/svg+xml;base64,${btoa(svg)}`,
      ...(link.data.passcode ? { passcode: link.data.passcode } : {}),
    };
  }

  /** Revokes a link at the relay (effective at the next request), then records it. */
  async revoke(linkEntryId: string): Promise<{ ok: boolean; message: string }> {
    const link = this.links.find((l) => l.id === linkEntryId);
    if (!link) return { ok: false, message: 'That link no longer exists.' };
    try {
      const { revokeLink } = await import('$lib/fhir/shl/host');
      await revokeLink(relayOrigin(), {
        id: link.data.linkId,
        manageSecret: link.data.manageSecret,
      });
    } catch (error) {
      return { ok: false, message: message(error) };
    }
    const r = this.#chart.run((m) => m.markShareLinkRevoked(linkEntryId));
    await this.refreshLogs();
    return { ok: r.ok, message: r.ok ? 'Revoked.' : r.message };
  }

  /** Reads each link's status and access log from the relay. */
  async refreshLogs(): Promise<void> {
    const { linkLog } = await import('$lib/fhir/shl/host');
    const next: Record<string, LinkLog | 'unavailable'> = {};
    for (const link of this.links) {
      try {
        next[link.id] = await linkLog(relayOrigin(), {
          id: link.data.linkId,
          manageSecret: link.data.manageSecret,
        });
      } catch {
        next[link.id] = 'unavailable';
      }
    }
    this.#logs = next;
  }

  /** After the chart changed: re-publish its active `L` links (kept current), debounced. */
  chartChanged(): void {
    if (!this.links.some((l) => l.data.status === 'active' && l.data.flags.includes('L'))) return;
    if (this.#republish) clearTimeout(this.#republish);
    this.#republish = setTimeout(() => void this.#publishLongTerm(), 2000);
  }

  async #publishLongTerm(): Promise<void> {
    const { publishFile } = await import('$lib/fhir/shl/host');
    const { encryptFile } = await import('$lib/fhir/shl/jwe');
    for (const link of this.links) {
      if (link.data.status !== 'active' || !link.data.flags.includes('L')) continue;
      const consent = this.consents.find((c) => c.id === link.data.consentId);
      if (!consent || consent.data.status !== 'active') continue;
      try {
        const jwe = await encryptFile(this.#bundle(consent.data), link.data.key);
        await publishFile(
          relayOrigin(),
          { id: link.data.linkId, manageSecret: link.data.manageSecret },
          jwe,
        );
      } catch {
        // Offline or revoked: the next change tries again.
      }
    }
  }

  destroy(): void {
    if (this.#republish) clearTimeout(this.#republish);
  }
}
