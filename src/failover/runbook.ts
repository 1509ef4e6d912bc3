// The runbook engine: a list of steps run in order, each shown before it runs, each recorded with its start,
// duration, outcome and what it skipped and why. Pure: no Azure, no vscode, no printing — the adapters (CLI, VS Code)
// turn its events into lines or tree items and answer its questions.
//
// The one rule that shapes it: a step marked `switches` changes what the project points at. A failure before it
// leaves everything as it was; a failure after it keeps the switch (the source is down), stops, and the record lists
// what was not done. Steps marked `always` (the report) run even after a failure or a cancel.

export type StepOutcome = 'done' | 'partial' | 'skipped' | 'failed' | 'cancelled' | 'not-run';

export interface Skipped {
  what: string;
  why: string;
}

/** What a step hands back: one line for people, details, and anything it chose not to do. */
export interface StepResult {
  summary: string;
  details?: string[];
  skipped?: Skipped[];
  /** True when the step did part of its work (some jobs resubmitted, others not): the runbook stops after it. */
  partial?: boolean;
}

export interface StepContext {
  signal: AbortSignal;
  /** A progress line while the step runs (shown under the step; not part of the record). */
  progress(line: string): void;
}

export interface RunbookStep {
  id: string;
  title: string;
  /** What the step will do, shown before it runs (the user's chance to say no). */
  plan(): string;
  /** Set on the step after which the project names the target workspace. */
  switches?: boolean;
  /** Runs after a failure or cancel too (the report). */
  always?: boolean;
  /** A reason not to run at all (nothing to do); the step is recorded as skipped with it. */
  skipReason?(): string | undefined;
  run(ctx: StepContext): Promise<StepResult>;
}

export interface StepRecord {
  id: string;
  title: string;
  plan?: string;
  outcome: StepOutcome;
  /** ISO time the step started. */
  startedAt?: string;
  durationMs?: number;
  summary?: string;
  details: string[];
  skipped: Skipped[];
  error?: string;
}

export interface RunbookRecord {
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  outcome: 'completed' | 'failed' | 'cancelled';
  /** True once the step that switches has run: the project names the target. */
  switched: boolean;
  /** The step that failed or was cancelled. */
  stoppedAt?: string;
  steps: StepRecord[];
  /** Steps that were not done because the runbook stopped, by title. */
  notDone: string[];
}

export type RunbookEvent =
  | { type: 'step-planned'; index: number; step: StepRecord }
  | { type: 'step-started'; index: number; step: StepRecord }
  | { type: 'step-progress'; index: number; line: string }
  | { type: 'step-finished'; index: number; step: StepRecord }
  | { type: 'finished'; record: RunbookRecord };

/** The user's answer before a step: run it, skip it, or stop the runbook here. */
export type StepDecision = 'run' | 'skip' | 'cancel';

export interface RunbookHooks {
  /** Asked before each step that would run (not asked with --yes). */
  decide?(step: StepRecord, index: number): Promise<StepDecision>;
  onEvent?(event: RunbookEvent): void;
  now?(): number;
}

export class RunbookCancelled extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'RunbookCancelled';
  }
}

/** Runs the steps in order; never throws for a step's failure (it is recorded); the record says how it ended. */
export async function runRunbook(steps: readonly RunbookStep[], signal: AbortSignal, hooks: RunbookHooks = {}): Promise<RunbookRecord> {
  const now = hooks.now ?? Date.now;
  const emit = (e: RunbookEvent) => hooks.onEvent?.(e);
  const started = now();
  const record: RunbookRecord = {
    startedAt: new Date(started).toISOString(),
    outcome: 'completed',
    switched: false,
    steps: steps.map((s) => ({ id: s.id, title: s.title, outcome: 'not-run', details: [], skipped: [] })),
    notDone: [],
  };
  let stopped = false;
  for (const [index, step] of steps.entries()) {
    const rec = record.steps[index]!;
    if (stopped && !step.always) continue;
    rec.plan = safePlan(step);
    emit({ type: 'step-planned', index, step: rec });
    const skipReason = step.skipReason?.();
    if (skipReason) {
      rec.outcome = 'skipped';
      rec.summary = skipReason;
      emit({ type: 'step-finished', index, step: rec });
      continue;
    }
    if (!stopped && signal.aborted) {
      stop(record, rec, 'cancelled', 'Cancelled before this step started.');
      stopped = true;
      if (!step.always) continue;
    }
    if (!stopped && hooks.decide) {
      const decision = await hooks.decide(rec, index);
      if (decision === 'skip') {
        rec.outcome = 'skipped';
        rec.summary = 'Skipped at your request.';
        rec.skipped.push({ what: step.title, why: 'you chose to skip it' });
        emit({ type: 'step-finished', index, step: rec });
        continue;
      }
      if (decision === 'cancel') {
        stop(record, rec, 'cancelled', 'Cancelled at your request before this step started.');
        stopped = true;
        if (!step.always) continue;
      }
    }
    const t0 = now();
    rec.startedAt = new Date(t0).toISOString();
    rec.outcome = 'not-run';
    emit({ type: 'step-started', index, step: rec });
    // The report runs after a cancel: give it a signal of its own so it can still write.
    const stepSignal = step.always ? new AbortController().signal : signal;
    try {
      const result = await step.run({ signal: stepSignal, progress: (line) => emit({ type: 'step-progress', index, line }) });
      rec.durationMs = now() - t0;
      rec.summary = result.summary;
      rec.details = result.details ?? [];
      rec.skipped = [...rec.skipped, ...(result.skipped ?? [])];
      rec.outcome = result.partial ? 'partial' : 'done';
      if (step.switches) record.switched = true;
      if (result.partial && !stopped) {
        record.outcome = 'failed';
        record.stoppedAt = step.id;
        stopped = true;
      }
    } catch (err) {
      rec.durationMs = now() - t0;
      const cancelled = signal.aborted || err instanceof RunbookCancelled;
      rec.outcome = cancelled ? 'cancelled' : 'failed';
      rec.error = err instanceof Error ? err.message : String(err);
      rec.summary = cancelled ? 'Cancelled while running.' : `Failed: ${rec.error}`;
      if (!stopped) {
        record.outcome = cancelled ? 'cancelled' : 'failed';
        record.stoppedAt = step.id;
        stopped = true;
      }
    }
    emit({ type: 'step-finished', index, step: rec });
  }
  record.notDone = record.steps.filter((s) => s.outcome === 'not-run' || (s.outcome === 'cancelled' && !s.startedAt)).map((s) => s.title);
  const finished = now();
  record.finishedAt = new Date(finished).toISOString();
  record.durationMs = finished - started;
  emit({ type: 'finished', record });
  return record;
}

function stop(record: RunbookRecord, rec: StepRecord, outcome: 'cancelled', summary: string): void {
  rec.outcome = outcome;
  rec.summary = summary;
  record.outcome = outcome;
  record.stoppedAt = rec.id;
}

function safePlan(step: RunbookStep): string {
  try {
    return step.plan();
  } catch (err) {
    return `(cannot describe: ${err instanceof Error ? err.message : String(err)})`;
  }
}
