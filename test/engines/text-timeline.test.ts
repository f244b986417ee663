import { describe, expect, it } from 'vitest';
import { buildTimeline } from '../../src/engines/text/timeline.js';
import { MEETING_DURATION, MEETING_FRAMES, MEETING_SEGMENTS } from './text-fixtures.js';

describe('timeline of chapters', () => {
  it('splits a meeting at its topic changes and titles chapters from their keywords', () => {
    const chapters = buildTimeline({
      segments: MEETING_SEGMENTS,
      frames: MEETING_FRAMES,
      duration: MEETING_DURATION,
    });
    expect(chapters).toHaveLength(3);
    // The topics change at 112 s (website launch) and 222 s (hiring).
    expect(chapters[0]!.start).toBe(0);
    expect(Math.abs(chapters[1]!.start - 112)).toBeLessThanOrEqual(12);
    expect(Math.abs(chapters[2]!.start - 222)).toBeLessThanOrEqual(12);
    expect(chapters[2]!.end).toBe(MEETING_DURATION);
    for (let i = 1; i < chapters.length; i++) expect(chapters[i]!.start).toBe(chapters[i - 1]!.end);
    expect(chapters[0]!.title.toLowerCase()).toMatch(/report|budget/);
    expect(chapters[1]!.title.toLowerCase()).toMatch(/website|landing|pricing/);
    expect(chapters[2]!.title.toLowerCase()).toMatch(/mobile|developer|hiring/);
    for (const c of chapters) {
      expect(c.keywords.length).toBeGreaterThan(0);
      expect(c.title.charAt(0)).toBe(c.title.charAt(0).toUpperCase());
    }
  });

  it('never makes chapters shorter than the minimum, nor more than the recording warrants', () => {
    const chapters = buildTimeline(
      { segments: MEETING_SEGMENTS, frames: MEETING_FRAMES, duration: MEETING_DURATION },
      { minChapterSeconds: 150 },
    );
    for (const c of chapters) expect(c.end - c.start).toBeGreaterThanOrEqual(150 - 1e-9);
    const short = buildTimeline({ segments: MEETING_SEGMENTS.slice(0, 5), duration: 40 });
    expect(short).toHaveLength(1);
    expect(short[0]).toMatchObject({ start: 0, end: 40 });
  });

  it('follows the screen when nothing is said', () => {
    const frames = [
      ...[0, 15, 30, 45].map((t) => ({
        t,
        text: 'Kubernetes cluster upgrade checklist\nDrain the nodes one by one\nkubectl drain node-1',
      })),
      ...[60, 75, 90, 105].map((t) => ({
        t,
        text: 'Quarterly sales dashboard\nRevenue by region\nEMEA 1.2M  APAC 0.8M',
      })),
    ];
    const chapters = buildTimeline({ frames, duration: 120 }, { secondsPerChapter: 60 });
    expect(chapters.map((c) => c.start)).toEqual([0, 60]);
    expect(chapters[0]!.title.toLowerCase()).toContain('kubernetes');
    expect(chapters[1]!.title.toLowerCase()).toMatch(/sales|revenue|dashboard/);
  });

  it('is empty without any text', () => {
    expect(buildTimeline({ duration: 60 })).toEqual([]);
  });
});
