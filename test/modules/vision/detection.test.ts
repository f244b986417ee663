import { describe, expect, it } from 'vitest';
import type { Detection } from '../../../src/engines/detect/port.js';
import { EventTracker } from '../../../src/modules/vision/detection/event-tracker.js';
import {
  MotionGate,
  MOTION_HEIGHT,
  MOTION_WIDTH,
} from '../../../src/modules/vision/detection/motion-gate.js';
import { nms } from '../../../src/modules/vision/detection/nms.js';

const person = (score: number, x = 10): Detection => ({
  label: 'person',
  score,
  box: { x, y: 10, w: 40, h: 100 },
});

describe('EventTracker (track mode)', () => {
  const settings = {
    triggers: new Set(['person']),
    minTriggerFrames: 2,
    postSeconds: 3,
    cooldownSeconds: 10,
  };

  it('starts after min_trigger_frames consecutive passes, ends post_seconds after the last sighting', () => {
    const t = new EventTracker(settings);
    expect(t.pass(0, [person(0.6)])).toEqual([]);
    expect(t.pass(1, []).length).toBe(0); // the streak breaks
    expect(t.pass(2, [person(0.6)])).toEqual([]);
    expect(t.pass(3, [person(0.7)])).toMatchObject([{ kind: 'start', at: 3, label: 'person', score: 0.7 }]);
    expect(t.pass(4, [person(0.9)])).toMatchObject([{ kind: 'update', score: 0.9 }]);
    expect(t.pass(5, [person(0.8)])).toEqual([]);
    expect(t.pass(7, [])).toEqual([]);
    expect(t.pass(8, [])).toMatchObject([{ kind: 'end', at: 8, lastSeen: 5 }]);
    expect(t.inEvent).toBe(false);
  });

  it('ignores other classes and waits out the cooldown between starts', () => {
    const t = new EventTracker(settings);
    const dog: Detection = { label: 'dog', score: 0.99, box: { x: 0, y: 0, w: 5, h: 5 } };
    expect(t.pass(0, [dog]).concat(t.pass(1, [dog]))).toEqual([]);
    t.pass(2, [person(0.6)]);
    expect(t.pass(3, [person(0.6)])[0]?.kind).toBe('start');
    expect(t.pass(6, [])[0]?.kind).toBe('end');
    t.pass(7, [person(0.6)]);
    expect(t.pass(8, [person(0.6)])).toEqual([]); // 5 s after the last start
    expect(t.pass(13, [person(0.6)])[0]?.kind).toBe('start');
    expect(t.flush(14)).toMatchObject([{ kind: 'end', lastSeen: 13 }]);
  });
});

describe('nms', () => {
  it('keeps the most confident of overlapping boxes of one class, and other classes', () => {
    const kept = nms(
      [person(0.5, 10), person(0.9, 12), person(0.4, 200), { ...person(0.3, 10), label: 'dog' }],
      0.45,
    );
    expect(kept.map((d) => `${d.label}:${d.score}`)).toEqual(['person:0.9', 'person:0.4', 'dog:0.3']);
  });
});

describe('MotionGate', () => {
  const frame = (fill: (x: number, y: number) => number) => {
    const data = new Uint8Array(MOTION_WIDTH * MOTION_HEIGHT);
    for (let y = 0; y < MOTION_HEIGHT; y++)
      for (let x = 0; x < MOTION_WIDTH; x++) data[y * MOTION_WIDTH + x] = fill(x, y);
    return { width: MOTION_WIDTH, height: MOTION_HEIGHT, data };
  };

  it('sees a figure walking in, not sensor noise or a slow change of light', () => {
    const gate = new MotionGate();
    let seed = 7;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 9) - 4;
    gate.push(frame(() => 120));
    for (let i = 0; i < 10; i++) expect(gate.isMotion(gate.push(frame(() => 120 + noise())))).toBe(false);
    for (let i = 0; i < 10; i++)
      expect(gate.isMotion(gate.push(frame(() => 120 + i * 2 + noise())))).toBe(false);
    const walker = gate.push(frame((x, y) => (x > 70 && x < 76 && y > 40 && y < 60 ? 30 : 140 + noise())));
    expect(gate.isMotion(walker)).toBe(true);
  });
});
