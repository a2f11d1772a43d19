import { NotRunError, type Scenario } from '../lib/types.js';

export const tenantCount: Scenario = {
  id: 4,
  title: 'Tenant count does not matter',
  target: 'TODO',
  async run() {
    throw new NotRunError('TODO');
  },
};
