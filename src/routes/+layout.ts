// Folio is a single-page app: nothing renders on a server, and no page is prerendered with data.
export const ssr = false;
export const prerender = false;
