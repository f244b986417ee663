import { describe, expect, it } from 'vitest';
import { extractiveSummary } from '../../src/engines/text/extractive-summary.js';
import { splitSentences } from '../../src/engines/text/sentences.js';
import { MEETING_FRAMES, MEETING_SEGMENTS } from './text-fixtures.js';

const segmentsOf = (sentences: string[], step = 5) =>
  sentences.map((text, i) => ({ start: i * step, end: i * step + step - 0.5, text }));

describe('extractive summary (TextRank)', () => {
  it('summarises a meeting with a few of its own sentences, in order, much shorter than the input', () => {
    const summary = extractiveSummary({ segments: MEETING_SEGMENTS, frames: MEETING_FRAMES });
    const input = MEETING_SEGMENTS.map((s) => s.text).join(' ');
    expect(summary.method).toBe('textrank');
    expect(summary.sentences.length).toBeGreaterThanOrEqual(2);
    expect(summary.sentences.length).toBeLessThanOrEqual(5);
    expect(summary.text.length).toBeLessThan(input.length / 4);
    // Every sentence is quoted, not paraphrased, and they come in the order spoken.
    const spoken = new Set(MEETING_SEGMENTS.flatMap((s) => splitSentences(s.text).map((x) => x.text)));
    for (const s of summary.sentences) expect(spoken.has(s.text)).toBe(true);
    const starts = summary.sentences.map((s) => s.start!);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    // At least two of the meeting's three topics are covered.
    const topics = [/report|budget|revenue|finance/i, /website|landing|pricing/i, /mobile|hiring|developer/i];
    expect(topics.filter((t) => t.test(summary.text)).length).toBeGreaterThanOrEqual(2);
    // Small talk is not central.
    expect(summary.text).not.toMatch(/good morning|see you next week/i);
  });

  it('ranks the sentence that ties the others together first', () => {
    const sentences = [
      'The solar panels arrived at the school on Monday.',
      'Installing solar panels on the school roof will cut the energy bill of the school by a third.',
      'The roof was inspected last year and can carry the weight.',
      'Our energy bill doubled over the last two winters.',
      'Parents raised money for the installation at the spring fair.',
      'The cafeteria will serve pizza on Friday.',
      'Installation of the panels on the roof starts next week.',
    ];
    const summary = extractiveSummary({ segments: segmentsOf(sentences) }, { maxSentences: 1 });
    expect(summary.sentences.map((s) => s.text)).toEqual([sentences[1]]);
    expect(summary.text).not.toContain('pizza');
  });

  it('works on unpunctuated lower-case speech (pocketsphinx), one segment per unit', () => {
    const segments = segmentsOf([
      'the quarterly report is ready for finance',
      'um okay',
      'we need to review the quarterly budget before the report goes out',
      'the weather was nice yesterday',
      'finance wants the budget and the quarterly report by friday',
      'the report shows revenue grew in the quarter',
    ]);
    const summary = extractiveSummary({ segments }, { maxSentences: 2 });
    expect(summary.sentences).toHaveLength(2);
    expect(summary.text).toMatch(/^[A-Z].*\.$/);
    expect(summary.text).toMatch(/quarterly/);
    expect(summary.text).not.toMatch(/weather|um okay/);
    expect(summary.sentences[0]!.start).toBeDefined();
  });

  it('uses prose on screen when nothing was said, and stays within the length bound', () => {
    const frames = [
      {
        t: 0,
        text: 'Release notes\nVersion 2.4 adds offline mode for the mobile app and faster sync.\nFile Edit View',
      },
      {
        t: 10,
        text: 'Offline mode keeps the last thirty days of notes on the phone for the mobile app.\nSync is now three times faster on slow networks.',
      },
      { t: 20, text: 'Known issues: sync of large attachments can still time out on slow networks.' },
    ];
    const summary = extractiveSummary({ frames }, { maxChars: 120 });
    expect(summary.text.length).toBeLessThanOrEqual(120);
    expect(summary.text).toMatch(/offline mode|sync/i);
    expect(summary.sentences.every((s) => s.source === 'screen')).toBe(true);
  });

  it('is empty when there is nothing to summarise', () => {
    expect(extractiveSummary({}).text).toBe('');
    expect(extractiveSummary({ segments: [{ start: 0, end: 1, text: '  ' }] }).sentences).toEqual([]);
  });
});
