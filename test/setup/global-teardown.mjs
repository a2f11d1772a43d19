// Drops what the run created: the embedded server and its folder, or the run's database and
// roles on DATABASE_URL's server (test/helpers/test-bed.ts).
export default async function globalTeardown() {
  await globalThis.__TENANCY_BED__?.dispose();
}
