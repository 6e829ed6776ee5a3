export * from './action.js';
export * from './decision.js';
export * from './principal.js';
export * from './approval.js';
export * from './audit-event.js';
