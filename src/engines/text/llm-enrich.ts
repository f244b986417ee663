import type { LanguageModel, TokenUsage } from '../llm/port.js';
import { detectActions, type ActionItem } from './actions.js';
import { buildEnrichPrompt, ENRICH_SYSTEM_PROMPT, type PromptBudget } from './enrich-prompt.js';
import { InvalidReplyError, parseEnrichReply, type EnrichReply } from './enrich-reply.js';
import { extractiveSummary } from './extractive-summary.js';
import { tags as keyphraseTags } from './keywords.js';
import { cosine, tfidfVectors } from './similarity.js';
import { buildTimeline, draftChapters, type Chapter } from './timeline.js';
import type { FrameText, TimedSegment } from './types.js';
import { transcriptUnits } from './units.js';

/**
 * The enrich stage's text half: summary, action items, tags and chapter titles for a
 * recording. With an LLM configured it asks the model once (JSON mode) and checks the
 * reply; without one, or when the call or the reply fails, it uses the extractive
 * methods and says so (`method`, `methods`, `fallbackReason`). Chapter boundaries
 * always come from timeline.ts; the model only names them.
 */
export interface EnrichInput {
  segments: TimedSegment[];
  frames: FrameText[];
  duration?: number;
  language?: string;
}

export interface EnrichOptions {
  llm?: LanguageModel | undefined;
  signal?: AbortSignal;
  budget?: PromptBudget;
}

export interface EnrichResult {
  summary: string;
  actions: ActionItem[];
  tags: string[];
  timeline: Chapter[];
  /** `llm` when the model's reply was used, `extractive` otherwise. */
  method: 'llm' | 'extractive';
  methods: {
    summary: 'llm' | 'textrank';
    actions: 'llm' | 'rules';
    tags: 'llm' | 'keyphrases';
    timeline: 'llm-titles' | 'keyphrase-titles';
  };
  /** The model that answered, when one did. */
  model?: string;
  usage?: TokenUsage;
  /** Why the extractive methods were used, when an LLM was configured or had nothing to read. */
  fallbackReason?: string;
}

export async function enrichText(input: EnrichInput, options: EnrichOptions = {}): Promise<EnrichResult> {
  const hasText = input.segments.some((s) => s.text.trim()) || input.frames.some((f) => f.text.trim());
  if (!options.llm) return extractive(input, 'no LLM is configured (IRIS_LLM_URL and IRIS_LLM_MODEL)');
  // Nothing to read: asking a model could only produce invention.
  if (!hasText) return extractive(input, 'there is no transcript or screen text to analyse');

  const drafts = draftChapters(input);
  let reply: EnrichReply;
  let usage: TokenUsage;
  let model: string;
  try {
    const completion = await options.llm.complete({
      system: ENRICH_SYSTEM_PROMPT,
      messages: [{ role: 'user', content: buildEnrichPrompt(input, drafts, options.budget) }],
      json: true,
      temperature: 0.2,
      maxTokens: 1500,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    reply = parseEnrichReply(completion.text, {
      chapters: drafts.length,
      ...(input.duration !== undefined ? { duration: input.duration } : {}),
    });
    usage = completion.usage;
    model = completion.model ?? options.llm.model;
  } catch (err) {
    // Cancellation is not a failure to paper over.
    if (options.signal?.aborted) throw options.signal.reason;
    const why =
      err instanceof InvalidReplyError
        ? `the LLM reply was not usable: ${err.message}`
        : `the LLM call failed: ${(err as Error).message}`;
    return extractive(input, why);
  }

  const timeline = buildTimeline(input);
  const titled = reply.chapterTitles
    ? timeline.map((c, i) => ({ ...c, title: reply.chapterTitles![i]! }))
    : timeline;
  return {
    summary: reply.summary,
    actions: locateActions(reply.actions, input.segments),
    tags: reply.tags.length ? reply.tags : keyphraseTags(input),
    timeline: titled,
    method: 'llm',
    methods: {
      summary: 'llm',
      actions: 'llm',
      tags: reply.tags.length ? 'llm' : 'keyphrases',
      timeline: reply.chapterTitles ? 'llm-titles' : 'keyphrase-titles',
    },
    model,
    usage,
  };
}

function extractive(input: EnrichInput, fallbackReason: string | undefined): EnrichResult {
  return {
    summary: extractiveSummary(input).text,
    actions: detectActions(input),
    tags: keyphraseTags(input),
    timeline: buildTimeline(input),
    method: 'extractive',
    methods: { summary: 'textrank', actions: 'rules', tags: 'keyphrases', timeline: 'keyphrase-titles' },
    ...(fallbackReason ? { fallbackReason } : {}),
  };
}

/**
 * The model gives a timestamp when it can; otherwise the action is placed at the
 * transcript sentence it most resembles, if any resembles it enough.
 */
function locateActions(actions: EnrichReply['actions'], segments: TimedSegment[]): ActionItem[] {
  const units = transcriptUnits(segments);
  const vectors = tfidfVectors([...units.map((u) => u.text), ...actions.map((a) => a.text)]);
  return actions.map((a, i) => {
    let start = a.timestamp;
    let end: number | undefined;
    if (start === undefined) {
      const v = vectors[units.length + i]!;
      let best = -1;
      let bestSim = 0.2;
      units.forEach((_, j) => {
        const sim = cosine(v, vectors[j]!);
        if (sim > bestSim) [best, bestSim] = [j, sim];
      });
      if (best >= 0) [start, end] = [units[best]!.start, units[best]!.end];
    }
    return {
      text: a.text,
      trigger: 'llm',
      source: 'transcript' as const,
      ...(start !== undefined ? { start } : {}),
      ...(end !== undefined ? { end } : {}),
      ...(a.owner ? { owner: a.owner } : {}),
      ...(a.due ? { due: a.due } : {}),
    };
  });
}
