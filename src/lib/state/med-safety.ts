/**
 * Medication safety for the UI: the checks of lib/chart/safety run over the open chart's view
 * (plain data; the UI never holds the model). The add command re-runs the same checks and
 * refuses an unoverridden high-severity alert, so what the UI shows is also what is enforced.
 */
import { chartSafety } from '$lib/chart/safety/chart-items';
import type { SafetyReport } from '$lib/chart/safety/check';
import type { SectionDescriptor } from '$lib/chart/sections/section';
import type { ChartView } from './chart.svelte';

export type { SafetyAlert, SafetyReport, Severity, Unchecked } from '$lib/chart/safety/check';

const NONE: SafetyReport = { alerts: [], unchecked: [] };

/**
 * What an add form's entry would raise against the chart, and whether high alerts interrupt
 * (null for forms without safety checks).
 */
export function formSafety(
  view: ChartView | null,
  section: SectionDescriptor,
  values: Record<string, string>,
): { report: SafetyReport; interruptive: boolean } | null {
  const safety = section.form?.safety;
  if (!safety) return null;
  if (!view) return { report: NONE, interruptive: safety.interruptive };
  return {
    report: safety.check(values, { medications: view.medications, allergies: view.allergies }),
    interruptive: safety.interruptive,
  };
}

/** Every conflict among the chart's active medications and allergies (the Summary's panel). */
export function chartSafetyReport(view: ChartView): SafetyReport {
  return chartSafety({ medications: view.medications, allergies: view.allergies });
}

/** How a severity reads on screen. */
export const SEVERITY_LABEL = {
  high: 'High severity',
  moderate: 'Moderate',
  low: 'Low',
} as const;

/** The overrides a history record holds, in words (the Audit tab), or ''. */
export function overridesInChange(changes: Record<string, unknown>): string {
  const list = Array.isArray(changes.overrides) ? changes.overrides : [];
  return list
    .map((o) => o as { title?: unknown; reason?: unknown })
    .filter((o) => typeof o.title === 'string' && typeof o.reason === 'string')
    .map((o) => `; safety alert overridden: ${String(o.title)} (reason: ${String(o.reason)})`)
    .join('');
}
