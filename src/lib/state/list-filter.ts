/** The chart lists' filter box (lib/chart/text-filter.ts), for the UI. */
export { filterByWords } from '$lib/chart/text-filter';

/** Lists longer than this get a filter box. */
export const FILTER_FROM = 8;
