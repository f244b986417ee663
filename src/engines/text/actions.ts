import type { FrameText, TextUnit, TimedSegment } from './types.js';
import { transcriptUnits } from './units.js';
import { splitSentences } from './sentences.js';

/**
 * Action items without an LLM: sentences that assign, request or commit to work,
 * found by the phrases people use for that ("we need to", "please", "can you",
 * "let's", "I'll send … by Friday", "action item", "TODO"), each with the moment it
 * was said. Hypotheticals ("if we need to…"), regrets ("should have…") and questions
 * that are not requests are left out; a false positive costs a reader more than a miss.
 *
 * Screen text only counts for explicit markers (TODO, action item, a checkbox), since
 * interfaces are full of "Please sign in".
 */
export interface ActionItem {
  text: string;
  /** What made it an action, e.g. `need to`, `please`, `todo`. */
  trigger: string;
  source: 'transcript' | 'screen';
  start?: number;
  end?: number;
  /** A named person it is given to, when the sentence says (`Sarah will…`, `assigned to Sam`). */
  owner?: string;
  /** The deadline phrase as said (`by Friday`, `by end of week`). */
  due?: string;
}

interface Rule {
  trigger: string;
  pattern: RegExp;
  /** Applies to screen text too. */
  explicit?: boolean;
}

const COMMIT_VERBS =
  'send|share|review|update|prepare|schedule|set up|setup|call|email|write|fix|check|draft|book|organi[sz]e|look into|follow up|finish|deliver|ship|deploy|reach out|talk to|ask|create|add|file|submit|circulate|investigate|test|clean up|sort out|order|pay|invoice';

/** Who can be given a task: pronouns, "someone", or a capitalised name. */
const PERSON = String.raw`(?:\b(?:[Ww]e|[Yy]ou|I|[Tt]hey|[Ss]omeone|[Ss]omebody|[Ee]veryone|[Ee]verybody)|(?:^|[,;:]\s*|\b(?:and|so|then)\s+)\p{Lu}\p{Ll}+)`;

const RULES: Rule[] = [
  { trigger: 'todo', pattern: /\b(?:todo|to-do)\b|\bfixme\b/i, explicit: true },
  { trigger: 'checkbox', pattern: /^\s*(?:[-*•]\s*)?\[ \]\s+\S/, explicit: true },
  { trigger: 'action item', pattern: /\baction items?\b|\bAI:\s/i, explicit: true },
  { trigger: 'follow up', pattern: /\bfollow(?:[- ]?up|s up|ing up)\b/i, explicit: true },
  { trigger: 'next step', pattern: /\bnext steps?\b/i, explicit: true },
  { trigger: 'deadline', pattern: /\b(?:due (?:by|on|date)|deadline)\b/i, explicit: true },
  { trigger: 'assigned', pattern: /\b(?:assign(?:ed)? to|is responsible for|owner:)/i, explicit: true },
  {
    trigger: 'reminder',
    pattern: /\b(?:don'?t forget|do not forget|remember to|make sure|remind (?:me|us|him|her|them))\b/i,
  },
  { trigger: 'need to', pattern: /\b(?:need|needs) to\b/i },
  { trigger: 'have to', pattern: /\b(?:have|has|got) to\b|\bgotta\b/i },
  // "should"/"must" with a person as the subject: "the page should show…" is a
  // description, "we should test…" is a task.
  {
    trigger: 'should',
    pattern: new RegExp(
      `${PERSON}\\s+(?:really\\s+|also\\s+|probably\\s+|definitely\\s+)?(?:should|must)\\b(?!\\s+(?:have|be able)\\b)(?!'ve)`,
    ),
  },
  { trigger: 'please', pattern: /\bplease\b/i },
  { trigger: 'request', pattern: /\b(?:can|could|would) (?:you|someone|somebody)\b/i },
  {
    trigger: "let's",
    pattern:
      /\blet'?s\b(?!\s+(?:see|say|just say|think|start|begin|get started|move on|wrap up|go|hope|take a look at the|recap)\b)/i,
  },
  {
    trigger: 'will',
    pattern: new RegExp(
      `\\b(?:i'll|i will|we'll|we will|i'm going to|we're going to|[A-Z][a-z]+ will|[A-Z][a-z]+ is going to)\\s+(?:\\w+\\s+)?(?:${COMMIT_VERBS})\\b`,
      'i',
    ),
  },
];

const WEEKDAY = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri';
const MONTH =
  'january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec';
const DUE = new RegExp(
  `\\b(?:by|before|until|no later than|due(?: on| by)?)\\s+(?:the\\s+)?(?:` +
    [
      `end of (?:the )?(?:day|week|month|quarter|year|sprint)`,
      `eod|eow|cob|tomorrow|tonight|today|noon|midnight`,
      `(?:next|this) (?:week|month|quarter|${WEEKDAY})`,
      `(?:${WEEKDAY})(?: morning| afternoon| evening)?`,
      `(?:${MONTH})\\.? \\d{1,2}(?:st|nd|rd|th)?`,
      `\\d{1,2}(?:st|nd|rd|th)?(?: of)? (?:${MONTH})`,
      `(?:first|second|third|\\d{1,2}(?:st|nd|rd|th)) of (?:${MONTH}|the month)`,
      `\\d{4}-\\d{2}-\\d{2}`,
      `\\d{1,2}[/.]\\d{1,2}(?:[/.]\\d{2,4})?`,
      `\\d{1,2}(?::\\d{2})?\\s?(?:am|pm)`,
    ].join('|') +
    `)\\b`,
  'i',
);

/** Time phrases without "by" ("next week", "on Friday") still say when. */
const LOOSE_DUE = new RegExp(
  `\\b(?:tomorrow|tonight|(?:next|this) (?:week|month|quarter|${WEEKDAY})|on (?:${WEEKDAY}))\\b`,
  'i',
);

/** Capitalised words that start sentences but are not people. */
const NOT_NAMES = new Set(
  'I We You They He She It The This That These Those So And But Then Also Please Let Lets Okay Ok Well Now Next First Finally Someone Everyone Everybody Somebody Anyone Who What When Where Why How If Maybe Yes No Our My Your Their Action Todo TODO Note'.split(
    ' ',
  ),
);

export function detectActions(input: { segments?: TimedSegment[]; frames?: FrameText[] }): ActionItem[] {
  const units: TextUnit[] = [...transcriptUnits(input.segments ?? [])];
  for (const frame of input.frames ?? []) {
    for (const line of frame.text.split(/\n+/)) {
      for (const s of splitSentences(line))
        units.push({ text: s.text, source: 'screen', start: frame.t, end: frame.t });
    }
  }
  const seen = new Set<string>();
  const items: ActionItem[] = [];
  for (const unit of units) {
    const found = classifyAction(unit.text, unit.source);
    if (!found) continue;
    const key = unit.text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
    if (seen.has(key)) continue;
    seen.add(key);
    items.push({
      text: clipText(unit.text),
      source: unit.source,
      ...found,
      ...(unit.start !== undefined ? { start: unit.start } : {}),
      ...(unit.end !== undefined ? { end: unit.end } : {}),
    });
  }
  return items.sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity));
}

/** The action reading of one sentence, or undefined when it is not an action item. */
export function classifyAction(
  text: string,
  source: 'transcript' | 'screen' = 'transcript',
): Pick<ActionItem, 'trigger' | 'owner' | 'due'> | undefined {
  const sentence = text.trim();
  if (sentence.split(/\s+/).length < 3) return undefined;
  for (const rule of RULES) {
    if (source === 'screen' && !rule.explicit) continue;
    const m = rule.pattern.exec(sentence);
    if (!m) continue;
    const before = sentence.slice(0, m.index);
    // "If we need to…", "whether we should…": conditions, not commitments.
    if (/\b(?:if|whether|unless|in case)\b/i.test(before)) continue;
    // "No need to", "don't have to", "you shouldn't…".
    if (/\b(?:no|not|don'?t|doesn'?t|never)\s*$/i.test(before)) continue;
    // Questions are actions only when they are requests ("can you…?", "could we…?").
    if (
      /\?\s*$/.test(sentence) &&
      !rule.explicit &&
      rule.trigger !== 'request' &&
      !/^\s*(?:can|could|would|will) (?:you|we|someone)\b/i.test(sentence)
    ) {
      continue;
    }
    const due = DUE.exec(sentence)?.[0] ?? LOOSE_DUE.exec(sentence)?.[0];
    const owner = findOwner(sentence);
    return { trigger: rule.trigger, ...(owner ? { owner } : {}), ...(due ? { due } : {}) };
  }
  return undefined;
}

function findOwner(sentence: string): string | undefined {
  const patterns = [
    /\b(?:assign(?:ed)? to|owner:?)\s+(\p{Lu}\p{Ll}+)/u,
    /(?:^|[,;:]\s*)(\p{Lu}\p{Ll}+),\s+(?:can|could|would|will|please)\b/u,
    /(?:^|[,;:]\s*|\b(?:and|so|then)\s+)(\p{Lu}\p{Ll}+)\s+(?:will|should|needs to|has to|is going to|must|to)\b/u,
  ];
  for (const p of patterns) {
    const name = p.exec(sentence)?.[1];
    if (name && !NOT_NAMES.has(name)) return name;
  }
  return undefined;
}

function clipText(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 299)}…` : t;
}
