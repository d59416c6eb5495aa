/** Shapes shared by the sections' FHIR renderings (fhir-out.ts). */
import { SYSTEMS, type Coding } from '../types';

export const TERMINOLOGY = 'http://terminology.hl7.org/CodeSystem';
export const OBSERVATION_CATEGORY = `${TERMINOLOGY}/observation-category`;

export const concept = (text: string, coding?: Coding) =>
  coding?.code ? { coding: [{ ...coding }], text } : { text };

export const status = (system: string, code: string) => ({
  coding: [{ system: `${TERMINOLOGY}/${system}`, code }],
});

/** A FHIR dateTime from an ISO timestamp or a calendar date (kept as given). */
export const dateTime = (value: string | undefined) => (value ? value : undefined);

export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== '' && v !== null),
  ) as T;
}

export const loinc = (code: string, display: string) => ({
  coding: [{ system: SYSTEMS.loinc, code, display }],
  text: display,
});

export const quantity = (value: number, unit: string | undefined) =>
  unit ? { value, unit, system: SYSTEMS.ucum, code: unit } : { value };
