/**
 * The practice's note templates for the UI: the list (from the practice index, read through the
 * verified member list so only admins' and clinicians' versions count), and the editor's
 * commands. Checks are lib/chart/templates'; storage and the role rule are lib/crdt/templates'.
 */
import { nowIso } from '$lib/chart/dates';
import {
  PHRASE_HELP,
  SMART_PHRASES,
  templateIssues,
  type TemplateInput,
} from '$lib/chart/templates/template';
import type { Issue } from '$lib/chart/validate';
import {
  canEditTemplates,
  rolesFromLists,
  type PracticeTemplate,
  type RoleOf,
} from '$lib/crdt/templates';
import { CrdtError } from '$lib/crdt/errors';
import { practice, type OpenedPractice } from './practice.svelte';
import { session } from './session.svelte';

export { PHRASE_HELP, SMART_PHRASES, type PracticeTemplate, type TemplateInput };

class TemplatesState {
  #all = $state<PracticeTemplate[]>([]);
  #ready = $state(false);
  #loading: Promise<void> | null = null;
  #roleOf: RoleOf = () => undefined;
  #opened: OpenedPractice | null = null;

  /** Every template, retired ones too, by name. */
  get all(): PracticeTemplate[] {
    return this.#all;
  }
  /** The templates that may be inserted into a note. */
  get active(): PracticeTemplate[] {
    return this.#all.filter((t) => !t.retired);
  }
  get ready(): boolean {
    return this.#ready;
  }
  /** Whether this member may add, change or retire templates (admins and clinicians). */
  get canEdit(): boolean {
    return canEditTemplates(session.session?.role);
  }

  /** Opens the practice's templates (once per session) and follows changes from other devices. */
  load(): Promise<void> {
    this.#loading ??= (async () => {
      const opened = await practice.open();
      const { index } = opened;
      let running: Promise<void> | null = null;
      let again = false;
      // One refresh at a time; a change that arrives meanwhile runs it once more.
      const refresh = (): Promise<void> => {
        if (running) {
          again = true;
          return running;
        }
        running = (async () => {
          do {
            again = false;
            this.#roleOf = rolesFromLists(await session.vault.call('memberLists'));
            this.#all = index.templates.list(this.#roleOf);
          } while (again);
          this.#ready = true;
        })().finally(() => (running = null));
        return running;
      };
      index.onChange(() => void refresh());
      await refresh();
      this.#opened = opened;
    })();
    return this.#loading;
  }

  /**
   * Adds a template (no `id`) or saves a new version of one; answers the problems ([] when saved).
   */
  async save(input: TemplateInput, id?: string): Promise<Issue[]> {
    await this.load();
    const others = this.active.filter((t) => t.id !== id);
    const issues = templateIssues(input, others);
    if (issues.length) return issues;
    const role = session.session?.role;
    if (!role || !canEditTemplates(role))
      return [{ field: 'name', message: 'Only clinicians and admins can edit note templates.' }];
    const { index, indexDoc } = await practice.open();
    const fields = { role, name: input.name.trim(), sections: { ...input.sections }, at: nowIso() };
    try {
      if (id) index.templates.update(id, { ...fields, roleOf: this.#roleOf });
      else index.templates.add(fields);
    } catch (e) {
      if (e instanceof CrdtError && e.code === 'no-template')
        return [{ field: 'name', message: 'This template was retired or is no longer there.' }];
      throw e;
    }
    this.#all = index.templates.list(this.#roleOf);
    await indexDoc.flush();
    return [];
  }

  /**
   * Retires a template with the reason given in the confirmation (the list must be loaded);
   * answers an error message or null. The change is sealed at once and flushed in the background.
   */
  retire(id: string, reason: string): string | null {
    const opened = this.#opened;
    const role = session.session?.role;
    if (!opened) return 'The templates are still loading. Try again.';
    if (!role || !canEditTemplates(role))
      return 'Only clinicians and admins can retire note templates.';
    if (!reason.trim()) return 'Give a reason for retiring this template.';
    try {
      opened.index.templates.retire(id, { role, roleOf: this.#roleOf, reason, at: nowIso() });
    } catch (e) {
      if (e instanceof CrdtError && e.code === 'no-template')
        return 'This template was already retired.';
      throw e;
    }
    this.#all = opened.index.templates.list(this.#roleOf);
    void opened.indexDoc.flush().catch(() => undefined);
    return null;
  }
}

export const templates = new TemplatesState();
