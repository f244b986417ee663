import { addressBar, extractUrls } from './urls.js';
import type { FrameText } from './types.js';

/**
 * Which application a frame shows, from its OCR text. Window titles are the strongest
 * evidence ("Quarterly report — Mozilla Firefox", "main.ts - iris - Visual Studio
 * Code"), then names seen anywhere on screen, then the shape of the content (a shell
 * prompt, an address bar). Patterns tolerate OCR noise: any dash, loose spacing, and
 * case for names that cannot be ordinary words; single common words ("Slack", "Zoom")
 * must keep their capital.
 *
 * A web app inside a browser reports the browser (that is the application in focus);
 * the site shows up in the frame's URL instead.
 */
export type AppKind =
  'browser' | 'editor' | 'terminal' | 'chat' | 'meeting' | 'office' | 'email' | 'design' | 'other';

export interface DetectedApp {
  app: string;
  kind: AppKind;
  /** 0–1: how specific the evidence was. */
  confidence: number;
  /** The text that gave it away. */
  evidence: string;
}

interface AppRule {
  app: string;
  kind: AppKind;
  patterns: Array<[RegExp, number]>;
}

const D = String.raw`[-—–~|·]`; // title separators, as OCR renders them
// A title ends the line, give or take the window buttons OCR'd as a few short tokens.
const title = (name: string, flags = 'i') =>
  new RegExp(String.raw`${D}\s*${name}(?:\s+\S{1,3}){0,3}\s*$`, `m${flags}`);

const RULES: AppRule[] = [
  {
    app: 'Firefox',
    kind: 'browser',
    patterns: [
      [title(String.raw`(?:Mozilla\s*)?Firefox(?:\s*Private Browsing)?`), 0.95],
      [/\bMozilla\s*Firefox\b/i, 0.8],
      [/\bFirefox\b/, 0.45],
    ],
  },
  {
    app: 'Chrome',
    kind: 'browser',
    patterns: [
      [title(String.raw`Google\s*Chrome`), 0.95],
      [/\bGoogle\s*Chrome\b/i, 0.7],
    ],
  },
  {
    app: 'Chromium',
    kind: 'browser',
    patterns: [
      [title('Chromium'), 0.95],
      [/\bChromium\b/, 0.5],
    ],
  },
  {
    app: 'Microsoft Edge',
    kind: 'browser',
    patterns: [
      [title(String.raw`Microsoft\s*\u200b?\s*Edge`), 0.95],
      [/\bMicrosoft\s*Edge\b/i, 0.7],
    ],
  },
  { app: 'Brave', kind: 'browser', patterns: [[title('Brave'), 0.9]] },
  { app: 'Opera', kind: 'browser', patterns: [[title('Opera'), 0.9]] },
  { app: 'Vivaldi', kind: 'browser', patterns: [[title('Vivaldi'), 0.9]] },
  {
    app: 'Safari',
    kind: 'browser',
    patterns: [
      [/^\s*Safari\s+File\s+Edit\s+View\s+History\s+Bookmarks/im, 0.9],
      [/\bSafari\b/, 0.4],
    ],
  },

  {
    app: 'Visual Studio Code',
    kind: 'editor',
    patterns: [
      [title(String.raw`(?:Visual\s*Studio\s*Code|VS\s*Code)(?:\s*-\s*Insiders)?`), 0.95],
      [/\bVisual\s*Studio\s*Code\b/i, 0.85],
      [/\bVS\s?Code\b/, 0.6],
    ],
  },
  { app: 'Cursor', kind: 'editor', patterns: [[title('Cursor', ''), 0.85]] },
  { app: 'IntelliJ IDEA', kind: 'editor', patterns: [[/\bIntelliJ\s*IDEA\b/i, 0.9]] },
  { app: 'PyCharm', kind: 'editor', patterns: [[/\bPyCharm\b/i, 0.9]] },
  { app: 'WebStorm', kind: 'editor', patterns: [[/\bWebStorm\b/i, 0.9]] },
  { app: 'Android Studio', kind: 'editor', patterns: [[/\bAndroid\s*Studio\b/i, 0.9]] },
  { app: 'Xcode', kind: 'editor', patterns: [[/\bXcode\b/, 0.8]] },
  { app: 'Sublime Text', kind: 'editor', patterns: [[/\bSublime\s*Text\b/i, 0.9]] },
  { app: 'Notepad++', kind: 'editor', patterns: [[/\bNotepad\+\+/i, 0.9]] },
  {
    app: 'Vim',
    kind: 'editor',
    patterns: [
      [/^\s*--\s*(?:INSERT|VISUAL|REPLACE)\s*--/m, 0.75],
      [title(String.raw`N?VIM`), 0.85],
    ],
  },
  {
    app: 'Emacs',
    kind: 'editor',
    patterns: [
      [/\bGNU\s*Emacs\b/i, 0.85],
      [/^\s*-UU-:/m, 0.6],
    ],
  },

  {
    app: 'Windows PowerShell',
    kind: 'terminal',
    patterns: [
      [/\bWindows\s*PowerShell\b/i, 0.9],
      [/^\s*PS [A-Z]:\\[^>\n]*>/m, 0.85],
    ],
  },
  {
    app: 'Command Prompt',
    kind: 'terminal',
    patterns: [
      [/\bCommand\s*Prompt\b/i, 0.85],
      [/^\s*[A-Z]:\\[^>\n]*>/m, 0.7],
    ],
  },
  { app: 'iTerm2', kind: 'terminal', patterns: [[/\biTerm2?\b/, 0.85]] },
  {
    app: 'Terminal',
    kind: 'terminal',
    patterns: [
      [/\b(?:GNOME\s*Terminal|Konsole|Alacritty|xterm|Windows\s*Terminal|Terminator)\b/i, 0.85],
      // user@host:~/dir$  or  user@host dir %  (bash, zsh)
      [/^\s*(?:\([\w.-]+\)\s*)?[\w.-]+@[\w.-]+[: ]\s*[~/][^\n$#%]*[$#%](?:\s|$)/m, 0.8],
      [title('Terminal', ''), 0.8],
      [
        /^\s*[$#]\s+(?:sudo|cd|ls|git|npm|npx|node|python3?|pip|docker|kubectl|curl|ssh|make|cargo|go)\b/m,
        0.6,
      ],
    ],
  },

  {
    app: 'Slack',
    kind: 'chat',
    patterns: [
      [title(String.raw`Slack`, ''), 0.9],
      [/\bSlack\s*[|-]/, 0.75],
      [/\bSlack\b/, 0.5],
    ],
  },
  { app: 'Microsoft Teams', kind: 'meeting', patterns: [[/\bMicrosoft\s*Teams\b/i, 0.9]] },
  {
    app: 'Discord',
    kind: 'chat',
    patterns: [
      [title('Discord', ''), 0.9],
      [/\bDiscord\b/, 0.5],
    ],
  },
  { app: 'Telegram', kind: 'chat', patterns: [[/\bTelegram\b/, 0.5]] },
  { app: 'WhatsApp', kind: 'chat', patterns: [[/\bWhatsApp\b/i, 0.6]] },
  {
    app: 'Zoom',
    kind: 'meeting',
    patterns: [
      [/\bZoom\s*(?:Meeting|Workplace|Webinar)\b/i, 0.95],
      [/\bzoom\.us\b/i, 0.7],
      [/\bZoom\b/, 0.45],
    ],
  },
  {
    app: 'Google Meet',
    kind: 'meeting',
    patterns: [
      [/\bmeet\.google\.com\b/i, 0.85],
      [/\bGoogle\s*Meet\b/i, 0.85],
    ],
  },
  { app: 'Webex', kind: 'meeting', patterns: [[/\bWebex\b/i, 0.8]] },

  {
    app: 'Gmail',
    kind: 'email',
    patterns: [
      [/\bmail\.google\.com\b/i, 0.85],
      [/\bGmail\b/, 0.7],
    ],
  },
  {
    app: 'Outlook',
    kind: 'email',
    patterns: [
      [/\bMicrosoft\s*Outlook\b/i, 0.9],
      [title('Outlook', ''), 0.85],
      [/\bOutlook\b/, 0.45],
    ],
  },
  { app: 'Thunderbird', kind: 'email', patterns: [[/\bThunderbird\b/i, 0.85]] },

  {
    app: 'Microsoft Word',
    kind: 'office',
    patterns: [
      [/\bMicrosoft\s*Word\b/i, 0.9],
      [title('Word', ''), 0.8],
    ],
  },
  {
    app: 'Microsoft Excel',
    kind: 'office',
    patterns: [
      [/\bMicrosoft\s*Excel\b/i, 0.9],
      [title('Excel', ''), 0.8],
    ],
  },
  {
    app: 'Microsoft PowerPoint',
    kind: 'office',
    patterns: [
      [/\bMicrosoft\s*PowerPoint\b/i, 0.9],
      [/\bPowerPoint\b/, 0.7],
    ],
  },
  {
    app: 'Google Docs',
    kind: 'office',
    patterns: [
      [/\bdocs\.google\.com\/document\b/i, 0.85],
      [/\bGoogle\s*Docs\b/i, 0.8],
    ],
  },
  {
    app: 'Google Sheets',
    kind: 'office',
    patterns: [
      [/\bdocs\.google\.com\/spreadsheets\b/i, 0.85],
      [/\bGoogle\s*Sheets\b/i, 0.8],
    ],
  },
  {
    app: 'Google Slides',
    kind: 'office',
    patterns: [
      [/\bdocs\.google\.com\/presentation\b/i, 0.85],
      [/\bGoogle\s*Slides\b/i, 0.8],
    ],
  },
  { app: 'LibreOffice', kind: 'office', patterns: [[/\bLibreOffice\s*(?:Writer|Calc|Impress)?\b/i, 0.85]] },
  {
    app: 'Notion',
    kind: 'office',
    patterns: [
      [title('Notion', ''), 0.85],
      [/\bnotion\.so\b/i, 0.7],
    ],
  },
  { app: 'Obsidian', kind: 'office', patterns: [[title('Obsidian', ''), 0.85]] },
  {
    app: 'Jira',
    kind: 'office',
    patterns: [
      [/\bJira\b/, 0.6],
      [/\batlassian\.net\/browse\b/i, 0.7],
    ],
  },
  {
    app: 'Figma',
    kind: 'design',
    patterns: [
      [title('Figma', ''), 0.9],
      [/\bfigma\.com\b/i, 0.7],
      [/\bFigma\b/, 0.5],
    ],
  },
  { app: 'Photoshop', kind: 'design', patterns: [[/\bAdobe\s*Photoshop\b/i, 0.9]] },
];

export function detectApp(ocrText: string): DetectedApp | undefined {
  let best: DetectedApp | undefined;
  for (const rule of RULES) {
    for (const [pattern, confidence] of rule.patterns) {
      if (best && best.confidence >= confidence) continue;
      const m = pattern.exec(ocrText);
      if (m) best = { app: rule.app, kind: rule.kind, confidence, evidence: m[0].trim().slice(0, 120) };
    }
  }
  if (best) return best;
  // An address with a scheme or www on screen and nothing else known: some browser.
  const url = extractUrls(ocrText).find((u) => /^(?:https?:\/\/|www\.)/i.test(u.raw));
  if (url) return { app: 'Web browser', kind: 'browser', confidence: 0.3, evidence: url.raw };
  // Browsers hide the scheme in the address bar, which sits in the first lines under the
  // tab strip (Chromium and Chrome show no window title with their name at all).
  const bar = addressBar(ocrText);
  return bar ? { app: 'Web browser', kind: 'browser', confidence: 0.3, evidence: bar.raw } : undefined;
}

export interface AppUsage {
  app: string;
  kind: AppKind;
  /** Frames in which it was the detected app. */
  frames: number;
  firstSeen: number;
  lastSeen: number;
}

/** The applications of a recording, most-seen first. */
export function appsFromFrames(frames: FrameText[]): AppUsage[] {
  const usage = new Map<string, AppUsage>();
  for (const frame of frames) {
    const found = detectApp(frame.text);
    if (!found) continue;
    const u = usage.get(found.app);
    if (u) {
      u.frames++;
      u.firstSeen = Math.min(u.firstSeen, frame.t);
      u.lastSeen = Math.max(u.lastSeen, frame.t);
    } else
      usage.set(found.app, {
        app: found.app,
        kind: found.kind,
        frames: 1,
        firstSeen: frame.t,
        lastSeen: frame.t,
      });
  }
  return [...usage.values()].sort((a, b) => b.frames - a.frames || a.firstSeen - b.firstSeen);
}
