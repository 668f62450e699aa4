/** A benchmark's counts from the environment: each a whole number ≥ 1, with one default for full runs and one for --quick. */
export class BenchSettings {
  /** One line for each variable set to something else; the bench prints them and exits 2. */
  readonly problems: string[] = [];

  constructor(private readonly quick: boolean) {}

  count(name: string, full: number, quick: number): number {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return this.quick ? quick : full;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(Number.isSafeInteger(value) && value >= 1)) this.problems.push(`${name} must be a whole number of at least 1, got "${raw}"`);
    return value;
  }
}
