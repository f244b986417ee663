import { describe, expect, it } from 'vitest';
import { screenTitle } from '../../src/engines/text/screen-title.js';
import { buildTimeline } from '../../src/engines/text/timeline.js';
import { MEETING_DURATION, MEETING_FRAMES, MEETING_SEGMENTS } from './text-fixtures.js';

describe('timeline of chapters', () => {
  it('gives a shared screen a chapter per window, named by its title bar', () => {
    const chapters = buildTimeline({
      segments: MEETING_SEGMENTS,
      frames: MEETING_FRAMES,
      duration: MEETING_DURATION,
    });
    expect(chapters.map((c) => [c.start, c.end, c.title])).toEqual([
      [0, 118, 'Q3 Quarterly Report - Google Sheets'],
      [118, 150, 'Landing page v3'],
      [150, 230, 'Iris — pricing'],
      [230, MEETING_DURATION, 'hiring'],
    ]);
    for (const c of chapters) expect(c.keywords.length).toBeGreaterThan(0);
  });

  it('splits a meeting at its topic changes and titles chapters from their keywords', () => {
    const chapters = buildTimeline({ segments: MEETING_SEGMENTS, duration: MEETING_DURATION });
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
      { minChapterSeconds: 150, minScreenSeconds: 150 },
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

  it('makes a chapter per page of a screen recording, however far it scrolls, and merges a flash', () => {
    const page = (t: number, url: string, text: string) => ({ t, url, text });
    const frames = [
      page(1, 'file:///docs/create.html', 'CREATE TABLE\nCREATE TABLE define a new table\nSynopsis'),
      page(
        5,
        'file:///docs/create.html',
        'Parameters\nTEMPORARY or TEMP\nIf specified, the table is created as a temporary table',
      ),
      page(
        9,
        'file:///docs/join.html',
        '2.6. Joins Between Tables\n2.6. Joins Between Tables\nThus far, our queries',
      ),
      page(12.5, 'file:///docs/tip.html', 'A tooltip seen for half a second'),
      page(
        13,
        'file:///docs/types.html',
        '11.2. Index Types\n11.2. Index Types\nPostgreSQL provides several index types',
      ),
    ];
    const chapters = buildTimeline({ frames, duration: 18 });
    expect(chapters.map((c) => [c.start, c.title])).toEqual([
      [0, 'CREATE TABLE'],
      [9, '2.6. Joins Between Tables'],
      [13, '11.2. Index Types'],
    ]);
  });

  it("follows a browser's page changes as a loaded machine records them (a tab still loading, the next address over the old page)", () => {
    // Frames as a CI run recorded them under load: the first page caught while loading,
    // a half-typed address, and the next page's address shown over the old page.
    const create =
      'CREATE TABLE x +\nCREATE TABLE\nUp SQL Commands\nCREATE TABLE define a new table\nSynopsis\nCREATE GLOBAL LOCAL TEMPORARY TEMP UNLOGGED TABLE IF NOT EXISTS';
    const joins =
      '2.6. Joins Between Tables x +\n2.6. Joins Between Tables\nPrev Up Chapter 2. The SQL Language\n2.6. Joins Between Tables\nThus far, our queries have only accessed one table at a time';
    const frames = [
      {
        t: 4.25,
        url: 'file:///docs/sql-createtable.html',
        text: 'Loading.. x +\nX File /ust/share/doc/sql-createtable.htm!',
      },
      { t: 5, url: 'file:///docs/sql-createtable.html', text: create },
      { t: 9, url: 'file:///usr/share/docl', text: create },
      { t: 9.75, url: 'file:///docs/tutorial-join.html', text: joins },
      { t: 14.5, url: 'file:///docs/indexes-types.html', text: joins },
      {
        t: 15.25,
        url: 'file:///docs/indexes-types.html',
        text: '11.2. Index Types x +\n11.2. Index Types\nPrev Up Chapter 11. Indexes Home Next\n11.2. Index Types\nPostgreSQL provides several index types',
      },
      {
        t: 20,
        url: 'file:///docs/datatype-json.html',
        text: '8.14. JSON Types x +\n8.14. JSON Types\nPrev Up Chapter 8. Data Types\n8.14. JSON Types\nJSON data types are for storing JSON',
      },
    ];
    const chapters = buildTimeline({ frames, duration: 24 });
    expect(chapters.map((c) => [c.start, c.title])).toEqual([
      [0, 'CREATE TABLE'],
      [9.75, '2.6. Joins Between Tables'],
      [15.25, '11.2. Index Types'],
      [20, '8.14. JSON Types'],
    ]);
  });

  it('is empty without any text', () => {
    expect(buildTimeline({ duration: 60 })).toEqual([]);
  });
});

describe('screen titles', () => {
  const word = (text: string, x: number, y: number, h: number) => ({
    text,
    confidence: 0.95,
    box: { x, y, width: text.length * h * 0.6, height: h },
  });
  const line = (text: string, y: number, h: number) => {
    let x = 40;
    return text.split(' ').map((w) => {
      const placed = word(w, x, y, h);
      x += placed.box.width + h * 0.4;
      return placed;
    });
  };

  it('takes the line set in clearly larger type, and none when everything is one size', () => {
    const slide = [
      ...line('Hiring Roadmap 2027', 60, 44),
      ...line('Four engineers in spring', 200, 24),
      ...line('A second designer', 260, 24),
      ...line('Support lead in Lisbon', 320, 24),
    ];
    const text = 'Hiring Roadmap 2027\nFour engineers in spring\nA second designer\nSupport lead in Lisbon';
    expect(screenTitle({ text, words: slide }, new Set())).toBe('Hiring Roadmap 2027');
    const terminal = ['tar - an archiving utility', 'SYNOPSIS', 'Traditional usage', 'UNIX-style usage'];
    const words = terminal.flatMap((l, i) => line(l, 20 + i * 22, 16));
    expect(screenTitle({ text: terminal.join('\n'), words }, new Set())).toBeNull();
  });

  it("falls back to the file an editor names most, and drops the tab's close button", () => {
    const messages =
      '\nFile /usr/lib/python3.11/textwrap.py opened (1).\nFile /usr/lib/python3.11/json/decoder.py opened (2).';
    const editor = `textwrap.py - /usr/lib/python3.11 - Geany\nFile Edit Search\ntextwrap.py x decoder.py x${messages}`;
    expect(screenTitle({ text: editor }, new Set())).toBe('textwrap.py');
    // Every file named as often (no title bar read): which one is shown is not known.
    expect(
      screenTitle({ text: `File Edit Search\ntextwrap.py x decoder.py x${messages}` }, new Set()),
    ).toBeNull();
    expect(screenTitle({ text: '© CREATE TABLE x +\nCREATE TABLE\nSQL Commands' }, new Set(['sql']))).toBe(
      'CREATE TABLE',
    );
  });
});
