/** FHIR ids allow [A-Za-z0-9-.]{1,64}: a chart's FHIR Patient id is its chart id in hex. */
export function patientFhirId(chartId: string): string {
  const binary = atob(chartId.replaceAll('-', '+').replaceAll('_', '/'));
  return Array.from(binary, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
}
