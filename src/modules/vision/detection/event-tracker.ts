import type { Detection } from '../../../engines/detect/port.js';

export interface TrackerSettings {
  /** Labels that start an event. */
  triggers: ReadonlySet<string>;
  minTriggerFrames: number;
  /** Seconds after the last sighting before the event ends (the camera's post_seconds). */
  postSeconds: number;
  /** Seconds between the starts of two events. */
  cooldownSeconds: number;
}

export type TrackerAction =
  | { kind: 'start'; at: number; label: string; score: number; detections: Detection[] }
  | { kind: 'update'; at: number; label: string; score: number; detections: Detection[] }
  | { kind: 'end'; at: number; lastSeen: number };

/**
 * Spec 001's track mode: one event per presence. A trigger-class detection in
 * `minTriggerFrames` consecutive detection passes starts an event (one pass alone is
 * often a false positive); the event lasts while the class keeps being seen and ends
 * `postSeconds` after the last sighting; a new event waits out `cooldownSeconds` from
 * the previous start. Pure: times come in, actions go out.
 */
export class EventTracker {
  private streak = 0;
  private active: { lastSeen: number; best: number } | undefined;
  private lastStart = -Infinity;

  constructor(private readonly s: TrackerSettings) {}

  get inEvent(): boolean {
    return this.active !== undefined;
  }

  /** One detection pass at `at` seconds with the detections that passed confidence and NMS. */
  pass(at: number, detections: readonly Detection[]): TrackerAction[] {
    const triggering = detections.filter((d) => this.s.triggers.has(d.label));
    const top = triggering.reduce<Detection | undefined>(
      (b, d) => (!b || d.score > b.score ? d : b),
      undefined,
    );
    const out: TrackerAction[] = [];
    if (this.active) {
      if (top) {
        this.active.lastSeen = at;
        if (top.score > this.active.best) {
          this.active.best = top.score;
          out.push({ kind: 'update', at, label: top.label, score: top.score, detections: triggering });
        }
      } else if (at - this.active.lastSeen >= this.s.postSeconds) {
        out.push({ kind: 'end', at, lastSeen: this.active.lastSeen });
        this.active = undefined;
        this.streak = 0;
      }
      return out;
    }
    this.streak = top ? this.streak + 1 : 0;
    if (top && this.streak >= this.s.minTriggerFrames && at - this.lastStart >= this.s.cooldownSeconds) {
      this.active = { lastSeen: at, best: top.score };
      this.lastStart = at;
      out.push({ kind: 'start', at, label: top.label, score: top.score, detections: triggering });
    }
    return out;
  }

  /** The stream stopped: an open event ends at its last sighting. */
  flush(at: number): TrackerAction[] {
    if (!this.active) return [];
    const lastSeen = this.active.lastSeen;
    this.active = undefined;
    this.streak = 0;
    return [{ kind: 'end', at, lastSeen }];
  }
}
