import { describe, expect, it } from 'vitest';
import { appsFromFrames, detectApp } from '../../src/engines/text/apps.js';
import { MEETING_FRAMES } from './text-fixtures.js';

describe('app detection from OCR text', () => {
  it.each([
    ['Pricing – Iris — Mozilla Firefox', 'Firefox', 'browser'],
    ['Pricing - Iris - Google Chrome', 'Chrome', 'browser'],
    ['Inbox (3) - Google Chrome  _ O X', 'Chrome', 'browser'],
    ['New tab - Microsoft​ Edge', 'Microsoft Edge', 'browser'],
    ['main.ts - iris - Visual Studio Code', 'Visual Studio Code', 'editor'],
    ['src/app.ts\nVisual Studio Code\nEXPLORER', 'Visual Studio Code', 'editor'],
    ['alice@build-box:~/iris$ npm test\n> vitest run', 'Terminal', 'terminal'],
    ['PS C:\\Users\\alice> git status', 'Windows PowerShell', 'terminal'],
    ['# general | Slack\nbob: deploy is done', 'Slack', 'chat'],
    ['Zoom Meeting\nMute  Stop Video  Participants  Share Screen', 'Zoom', 'meeting'],
    ['https://meet.google.com/abc-defg-hij', 'Google Meet', 'meeting'],
    ['Microsoft Teams\nChat  Calendar  Calls', 'Microsoft Teams', 'meeting'],
    ['Budget 2025 - Excel', 'Microsoft Excel', 'office'],
    ['Landing page v3 – Figma', 'Figma', 'design'],
    ['-- INSERT --', 'Vim', 'editor'],
  ])('%j → %s', (text, app, kind) => {
    expect(detectApp(text)).toMatchObject({ app, kind });
  });

  it('tolerates OCR spacing and dash variants in titles', () => {
    expect(detectApp('Quarterly report ~ MozillaFirefox')?.app).toBe('Firefox');
    expect(detectApp('Quarterly report —  Google  Chrome')?.app).toBe('Chrome');
  });

  it('prefers the focused window title over names mentioned in the page', () => {
    expect(
      detectApp('Slack pricing plans compared\nZoom vs Teams\nBest chat apps - Google Chrome')?.app,
    ).toBe('Chrome');
  });

  it('falls back to a generic browser for an address bar, and to nothing for plain text', () => {
    expect(detectApp('https://example.com/pricing\nPlans and pricing')).toMatchObject({
      app: 'Web browser',
      confidence: 0.3,
    });
    expect(detectApp('Quarterly revenue grew twelve percent')).toBeUndefined();
    expect(detectApp('we will use slack time next sprint')).toBeUndefined();
  });

  it('summarises the apps of a recording, most seen first', () => {
    expect(appsFromFrames(MEETING_FRAMES)).toEqual([
      { app: 'Firefox', kind: 'browser', frames: 2, firstSeen: 2, lastSeen: 40 },
      { app: 'Figma', kind: 'design', frames: 1, firstSeen: 118, lastSeen: 118 },
      { app: 'Chrome', kind: 'browser', frames: 1, firstSeen: 150, lastSeen: 150 },
      { app: 'Slack', kind: 'chat', frames: 1, firstSeen: 230, lastSeen: 230 },
    ]);
  });
});

describe('browsers known only by their address bar', () => {
  it('reports a web browser when a scheme-less address sits in the first lines', () => {
    const chromium =
      '¥ — @ Quarterly Roadmap Revie x +\n\n© © 127.0.0.1:8765/roadmap.html\n\nQuarterly Roadmap Review';
    expect(detectApp(chromium)).toMatchObject({ app: 'Web browser', kind: 'browser' });
    // The same address deep in a document is not an address bar.
    const doc = ['Notes', 'one', 'two', 'three', 'four', 'see example.com/docs for more'].join('\n');
    expect(detectApp(doc)).toBeUndefined();
  });
});
