/** Note templates and smart phrases (issue 16 item 3): checks and expansion, plain TS. */
export * from './template';
export * from './expand';
