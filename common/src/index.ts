export * from './errors.js';
export * from './hlc.js';
export * from './ids.js';
export * from './password.js';
export * from './registry.js';
export * from './schemas.js';
export * from './signing.js';
