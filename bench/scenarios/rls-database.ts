import { NotRunError, type Scenario } from '../lib/types.js';

export const rlsDatabase: Scenario = {
  id: 2,
  title: 'RLS in the database',
  target: 'TODO',
  async run() {
    throw new NotRunError('TODO');
  },
};
