import { NotRunError, type Scenario } from '../lib/types.js';

export const provisioning: Scenario = {
  id: 5,
  title: 'Provisioning',
  target: 'TODO',
  async run() {
    throw new NotRunError('TODO');
  },
};
