export * from './errors';
export * from './host';
export * from './jwe';
export * from './link';
export * from './resolve';
