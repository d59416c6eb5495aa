/** Medication safety checks (drug–allergy, drug–drug, duplicate therapy) over a shipped table. */
export {
  checkNewAllergy,
  checkNewMedication,
  medicationIngredients,
  reviewChart,
  unacknowledged,
  type AlertKind,
  type SafetyAlert,
  type SafetyAllergy,
  type SafetyMedication,
  type SafetyReport,
  type Severity,
  type Unchecked,
} from './check';
export { normalName, safetyTable } from './table';
