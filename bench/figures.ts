// What a bench reports: figures, each ideally a ratio against a baseline measured side by side in the same run
// (never an absolute time compared with a number from another machine).

export interface Figure {
  /** What was measured, in the user's words: "activate the extension", ".vsix size". */
  name: string;
  value: number;
  unit: string;
  /** The same measurement of a bare baseline in the same run (an empty module, a minimal extension, a healthy probe). */
  baseline?: { name: string; value: number };
  /** value / baseline.value. */
  ratio?: number;
  /** What good looks like, for a reader of the table: "ratio < 5", "< 2 MB". */
  goal?: string;
  note?: string;
}

/** A bench file's one export: `export async function figures(log) { … return [...] }` (or a default export). */
export type BenchFn = (log: (line: string) => void) => Promise<Figure[]>;

export const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** A figure with its baseline and the ratio between them. */
export function against(
  name: string,
  value: number,
  unit: string,
  baseline: { name: string; value: number },
  goal?: string,
): Figure {
  return { name, value, unit, baseline, ratio: baseline.value > 0 ? value / baseline.value : undefined, goal };
}

/** A bench file run on its own (`node --import tsx bench/x.bench.ts`): prints its figures as JSON; a failure exits 1. */
export function printFigures(run: () => Promise<Figure | Figure[]>): void {
  void run().then(
    (f) => console.log(JSON.stringify(f, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
