import { describe, expect, it } from 'vitest';
import { keywords, tags } from '../../src/engines/text/keywords.js';
import { STOPWORDS } from '../../src/engines/text/stopwords.js';
import { MEETING_FRAMES, MEETING_SEGMENTS } from './text-fixtures.js';

describe('keyphrase tags', () => {
  it('tags a meeting with its recurring topics, no filler, no repeats', () => {
    const result = tags({ segments: MEETING_SEGMENTS, frames: MEETING_FRAMES });
    expect(result.length).toBeGreaterThanOrEqual(5);
    expect(result.length).toBeLessThanOrEqual(10);
    expect(result).toEqual(
      expect.arrayContaining(['quarterly report', 'website launch', 'landing page', 'budget']),
    );
    expect(result.some((t) => t.startsWith('mobile'))).toBe(true);
    for (const tag of result) {
      expect(tag.split(' ').every((w) => !STOPWORDS.has(w))).toBe(true);
      // No tag is part of another ("report" next to "quarterly report").
      expect(result.filter((other) => other !== tag && ` ${other} `.includes(` ${tag} `))).toEqual([]);
    }
    expect(result).not.toContain('okay');
    expect(result).not.toContain('everyone');
  });

  it('prefers recurring phrases to their single words, and counts plural forms together', () => {
    const text =
      'The data pipeline failed again. We rebuilt the data pipeline on Tuesday. ' +
      'Data pipelines need monitoring. Alerts for the data pipeline go to the on-call engineer. ' +
      'The engineer checked the alerts. Monitoring dashboards show the pipeline lag.';
    const result = keywords([text], { max: 4 });
    expect(result[0]!.phrase).toBe('data pipeline');
    expect(result[0]!.count).toBe(4);
    expect(result.map((k) => k.phrase)).not.toContain('pipeline');
    expect(result.map((k) => k.phrase)).toEqual(expect.arrayContaining(['monitoring']));
  });

  it('ignores screen chrome and OCR garbage, counting each distinct screen line once', () => {
    const frames = Array.from({ length: 20 }, (_, i) => ({
      t: i * 5,
      text: 'File Edit View Window Help\nrnmnt xqzt ||| ~~\nKubernetes cluster upgrade checklist',
    }));
    const result = tags({ frames });
    expect(result[0]).toBe('kubernetes cluster upgrade');
    expect(result.join(' ')).not.toMatch(/\b(file|edit|view|window|help|xqzt|rnmnt)\b/);
  });

  it('returns nothing for nothing', () => {
    expect(tags({})).toEqual([]);
    expect(keywords(['the and of to', ''])).toEqual([]);
  });
});
