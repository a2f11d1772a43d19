// Jest for `npm run test:pgbouncer` only: same ESM setup and global Postgres as jest.config.js.
import base from '../../jest.config.js';

export default {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/pgbouncer'],
  testMatch: ['**/*.pgbouncer-spec.ts'],
  testTimeout: 300000,
};
