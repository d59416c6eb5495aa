/**
 * Practice note templates in the practice index (issue 16 item 3), sealed with it.
 *
 *   templates: Y.Map  "<templateId>/<versionId>" → { template, version, name, sections, at,
 *                                                   retired?: { reason } }
 *
 * Every add, change and retirement writes a new version under a new key; nothing is overwritten
 * or deleted. A template is its newest version (highest `version`, then latest `at`, then key).
 *
 * Who may edit: admins and clinicians (TEMPLATE_EDITORS). Any member holds the practice key and
 * so can write the index, so the rule is applied where templates are read: a version counts only
 * when the verified signer of the Yjs item that wrote it (SealedDoc.signerOf, never a stored
 * name) has an editing role in the verified member list (`roleOf`). A front-desk member's write,
 * or one by a signer the list does not know, is ignored on every device; the write API also
 * refuses it locally ('not-permitted'). Authors and times come from the signer and the version.
 */
import type { MemberList, MemberRole } from '$lib/crypto/member-list';
import type { Json } from './chart-doc';
import { CrdtError } from './errors';
import type { SealedDoc, Signer } from './sealed-doc';

export const TEMPLATE_EDITORS: readonly MemberRole[] = ['admin', 'clinician'];

export const canEditTemplates = (role: MemberRole | undefined): boolean =>
  role !== undefined && TEMPLATE_EDITORS.includes(role);

/** The verified role of a member key (undefined when the member list does not know it). */
export type RoleOf = (member: string) => MemberRole | undefined;

/**
 * Each member key's role in the newest of the vault's verified lists (removed members keep the
 * role they had: what they wrote while members stays theirs).
 */
export function rolesFromLists(lists: readonly MemberList[]): RoleOf {
  const newest = lists.reduce<MemberList | undefined>(
    (a, b) => (!a || b.version > a.version ? b : a),
    undefined,
  );
  const roles = new Map<string, MemberRole>();
  for (const e of newest?.entries ?? []) roles.set(e.member, e.role);
  return (member) => roles.get(member);
}

export type TemplateSections = Record<string, string>;

/** A practice template as its newest version says, with who wrote it and when. */
export interface PracticeTemplate {
  id: string;
  name: string;
  sections: TemplateSections;
  version: number;
  createdAt: string;
  createdBy?: Signer;
  updatedAt: string;
  updatedBy?: Signer;
  /** Set once retired: it is no longer offered for insertion (its versions stay). */
  retired?: { at: string; by?: Signer; reason: string };
}

interface Version {
  key: string;
  template: string;
  version: number;
  name: string;
  sections: TemplateSections;
  at: string;
  retired?: { reason: string };
  by: Signer;
}

const MAP = 'templates';
const SECTION_KEYS = ['subjective', 'objective', 'assessment', 'plan'];

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Decodes one stored version; null when it is malformed (untrusted: never throws). */
function decodeVersion(key: string, value: unknown, by: Signer): Version | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const id = key.split('/')[0];
  if (!id || v.template !== id || typeof v.name !== 'string' || typeof v.at !== 'string')
    return null;
  if (!Number.isSafeInteger(v.version) || (v.version as number) < 1) return null;
  const raw = v.sections;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const sections: TemplateSections = {};
  for (const k of SECTION_KEYS) {
    const s = (raw as Record<string, unknown>)[k];
    if (s !== undefined && typeof s !== 'string') return null;
    sections[k] = s ?? '';
  }
  const retired = v.retired as { reason?: unknown } | undefined;
  if (retired !== undefined && (typeof retired !== 'object' || typeof retired?.reason !== 'string'))
    return null;
  return {
    key,
    template: id,
    version: v.version as number,
    name: v.name,
    sections,
    at: v.at,
    ...(retired ? { retired: { reason: retired.reason as string } } : {}),
    by,
  };
}

const later = (a: Version, b: Version) =>
  a.version !== b.version ? a.version > b.version : a.at !== b.at ? a.at > b.at : a.key > b.key;

export class TemplateStore {
  readonly #sealed: SealedDoc;

  constructor(sealed: SealedDoc) {
    this.#sealed = sealed;
  }

  get #map() {
    return this.#sealed.ydoc.getMap<Json>(MAP);
  }

  /** The verified signer of the value at `key`. */
  #signer(key: string): Signer | undefined {
    const item = (
      this.#map as unknown as { _map: Map<string, { id: { client: number } }> }
    )._map.get(key);
    return item ? this.#sealed.signerOf(item.id.client) : undefined;
  }

  /** Every template (retired ones too), by name; only versions written by an editor count. */
  list(roleOf: RoleOf): PracticeTemplate[] {
    const byTemplate = new Map<string, Version[]>();
    for (const [key, value] of this.#map) {
      const by = this.#signer(key);
      if (!by || !canEditTemplates(roleOf(by.member))) continue;
      const version = decodeVersion(key, value, by);
      if (!version) continue;
      const list = byTemplate.get(version.template) ?? [];
      list.push(version);
      byTemplate.set(version.template, list);
    }
    const out: PracticeTemplate[] = [];
    for (const [id, versions] of byTemplate) {
      const newest = versions.reduce((a, b) => (later(b, a) ? b : a));
      const first = versions.reduce((a, b) => (later(a, b) ? b : a));
      out.push({
        id,
        name: newest.name,
        sections: newest.sections,
        version: newest.version,
        createdAt: first.at,
        createdBy: first.by,
        updatedAt: newest.at,
        updatedBy: newest.by,
        ...(newest.retired
          ? { retired: { at: newest.at, by: newest.by, reason: newest.retired.reason } }
          : {}),
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  #write(id: string, fields: Record<string, Json>): void {
    this.#map.set(`${id}/${randomId()}`, { template: id, ...fields });
  }

  /**
   * Adds a template (its content checked by the caller: lib/chart/templates); answers its id.
   * @throws CrdtError('not-permitted') when `role` may not edit templates
   */
  add(input: { role: MemberRole; name: string; sections: TemplateSections; at: string }): string {
    if (!canEditTemplates(input.role)) throw new CrdtError('not-permitted', 'templates');
    const id = randomId();
    this.#write(id, { version: 1, name: input.name, sections: input.sections, at: input.at });
    return id;
  }

  #current(id: string, roleOf: RoleOf): PracticeTemplate {
    const current = this.list(roleOf).find((t) => t.id === id);
    if (!current || current.retired) throw new CrdtError('no-template', id);
    return current;
  }

  /**
   * Writes a new version of a template in use.
   * @throws CrdtError('not-permitted' | 'no-template')
   */
  update(
    id: string,
    input: {
      role: MemberRole;
      roleOf: RoleOf;
      name: string;
      sections: TemplateSections;
      at: string;
    },
  ): void {
    if (!canEditTemplates(input.role)) throw new CrdtError('not-permitted', 'templates');
    const current = this.#current(id, input.roleOf);
    this.#write(id, {
      version: current.version + 1,
      name: input.name,
      sections: input.sections,
      at: input.at,
    });
  }

  /**
   * Retires a template (a new version marked retired, with the reason; earlier versions stay).
   * @throws CrdtError('not-permitted' | 'no-template' | 'reason-required')
   */
  retire(
    id: string,
    input: { role: MemberRole; roleOf: RoleOf; reason: string; at: string },
  ): void {
    if (!canEditTemplates(input.role)) throw new CrdtError('not-permitted', 'templates');
    const reason = input.reason.trim();
    if (!reason) throw new CrdtError('reason-required', 'retiring a template');
    const current = this.#current(id, input.roleOf);
    this.#write(id, {
      version: current.version + 1,
      name: current.name,
      sections: current.sections,
      at: input.at,
      retired: { reason },
    });
  }
}
