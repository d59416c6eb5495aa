/** The About page's content (lib/chart/terminology/about.ts), for routes. */
export {
  LOINC_NOTICE,
  TERMINOLOGY_SOURCES,
  type TerminologySource,
} from '$lib/chart/terminology/about';
export { SYSTEM_LABEL } from '$lib/chart/terminology/codes';
