export * from './errors.js';
export * from './manifest.js';
export * from './envelope.js';
export * from './slash-parser.js';
export * from './command-grammar.js';
export * from './json-depth.js';
export * from './line-splitter.js';
export * from './redaction.js';
