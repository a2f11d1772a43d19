import { NotRunError, type Scenario } from '../lib/types.js';

export const httpOverhead: Scenario = {
  id: 1,
  title: 'Tenancy overhead over HTTP',
  target: 'TODO',
  async run() {
    throw new NotRunError('TODO');
  },
};
