import { NotRunError, type Scenario } from '../lib/types.js';

export const sharingListing: Scenario = {
  id: 3,
  title: 'Sharing listing at scale',
  target: 'TODO',
  async run() {
    throw new NotRunError('TODO');
  },
};
