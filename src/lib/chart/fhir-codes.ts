/** FHIR codes and shapes shared by export (fhir-out.ts) and import (fhir-in.ts). */
import type { Vitals } from './types';

export type FhirResource = { resourceType: string; id: string } & Record<string, unknown>;

export interface VitalMeasure {
  key: keyof Vitals;
  loinc: string;
  display: string;
  unit: string;
  ucum: string;
}

export const VITAL_MEASURES: VitalMeasure[] = [
  { key: 'heartRate', loinc: '8867-4', display: 'Heart rate', unit: '/min', ucum: '/min' },
  {
    key: 'respiratoryRate',
    loinc: '9279-1',
    display: 'Respiratory rate',
    unit: '/min',
    ucum: '/min',
  },
  { key: 'temperatureC', loinc: '8310-5', display: 'Body temperature', unit: 'Cel', ucum: 'Cel' },
  {
    key: 'spo2',
    loinc: '2708-6',
    display: 'Oxygen saturation in Arterial blood',
    unit: '%',
    ucum: '%',
  },
  { key: 'weightKg', loinc: '29463-7', display: 'Body weight', unit: 'kg', ucum: 'kg' },
  { key: 'heightCm', loinc: '8302-2', display: 'Body height', unit: 'cm', ucum: 'cm' },
  {
    key: 'headCircumferenceCm',
    loinc: '9843-4',
    display: 'Head Occipital-frontal circumference',
    unit: 'cm',
    ucum: 'cm',
  },
  {
    key: 'bmi',
    loinc: '39156-5',
    display: 'Body mass index (BMI) [Ratio]',
    unit: 'kg/m2',
    ucum: 'kg/m2',
  },
];

export const BP_PANEL = {
  loinc: '85354-9',
  display: 'Blood pressure panel with all children optional',
};
export const BP_SYSTOLIC = { loinc: '8480-6', display: 'Systolic blood pressure' };
export const BP_DIASTOLIC = { loinc: '8462-4', display: 'Diastolic blood pressure' };
