import type { Logger } from 'pino';
import { badRequest } from '../../errors.js';
import type { Embedder } from '../../engines/embed/port.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { StoredDocument, RecordingCard, SearchPlan, SearchRepository } from './search.repository.js';
import { reciprocalRankFusion } from './fusion.js';
import { parseQuery, type SearchTerms } from './query.js';
import { semanticRanking, type SemanticRanking } from './semantic.js';
import { snippet } from './snippet.js';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 50;
/** Moments shown per recording: enough to jump to, few enough to scan. */
const MOMENTS = 3;
/** Documents read per result recording to pick its snippet and moments from. */
const DOCS_PER_RECORDING = 12;
/** Moment text is for display; a whole OCR'd screen is not. */
const MOMENT_TEXT = 500;

export interface SearchRequest {
  query: string;
  limit?: number | undefined;
  workspace_id?: string | undefined;
}

export interface SearchMoment {
  timestamp_seconds: number;
  source: 'transcript' | 'screen';
  text: string;
  snippet: string;
}

export interface SearchItem {
  recording: RecordingCard;
  score: number;
  snippet: string;
  moments: SearchMoment[];
}

export interface SearchResult {
  query: string;
  /** `hybrid` when vectors were fused in; `keyword` without an embedder (or when it failed). */
  mode: 'keyword' | 'hybrid';
  items: SearchItem[];
  /** Recordings that matched, beyond `limit`. */
  total: number;
}

/** Where a user's workspaces come from (the workspaces repository). */
export interface MemberWorkspaces {
  listForUser(userId: string, limit: number, offset: number): Promise<{ items: Array<{ id: string }> }>;
}

export interface SearchDeps {
  repo: SearchRepository;
  access: AccessService;
  workspaces: MemberWorkspaces;
  logger: Logger;
  /** When set, search is hybrid: full text fused with vector similarity. */
  embedder?: Embedder | undefined;
}

export const clampLimit = (limit: number | undefined): number =>
  Number.isFinite(limit) ? Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit!))) : DEFAULT_LIMIT;

interface Candidate {
  id: string;
  score: number;
}

/** POST /search: recordings ranked by their moments, in the workspaces the caller may read. */
export class SearchService {
  constructor(private readonly d: SearchDeps) {}

  async search(principal: Principal, req: SearchRequest): Promise<SearchResult> {
    const limit = clampLimit(req.limit);
    const terms = parseQuery(req.query);
    if (!terms) {
      throw badRequest('The query has no words to search for; use letters or digits.', {
        field: 'query',
      });
    }
    const workspaceIds = await this.readableWorkspaces(principal, req.workspace_id);
    // More candidates than shown: fusion may promote one the keyword ranking put lower.
    const pool = Math.max(limit * 3, 30);
    const keyword = await this.d.repo.rankRecordings(terms, workspaceIds, pool);
    let ranked: Candidate[] = keyword.hits.map((h) => ({ id: h.recording_id, score: h.score }));
    let total = keyword.total;
    const semantic = await this.semantic(req.query, workspaceIds, pool);
    if (semantic) {
      const fused = reciprocalRankFusion([ranked.map((c) => c.id), semantic.recordings]);
      const byKeyword = new Set(ranked.map((c) => c.id));
      total += semantic.recordings.filter((id) => !byKeyword.has(id)).length;
      ranked = [...fused].map(([id, score]) => ({ id, score }));
    }
    const items = await this.items(ranked.slice(0, limit), terms, keyword.plan, semantic);
    return { query: req.query, mode: semantic ? 'hybrid' : 'keyword', items, total };
  }

  /**
   * An explicit workspace_id, an API key or a node: that one workspace (404 when the
   * caller is not in it). A signed-in user otherwise: every workspace they may read
   * recordings in.
   */
  private async readableWorkspaces(principal: Principal, requested: string | undefined): Promise<string[]> {
    const one = async () =>
      (
        await this.d.access.require(principal, 'recording:read', {
          workspaceId: requested,
          action: 'recording.search',
        })
      ).workspaceId;
    if (requested || principal.credential.workspaceId || !principal.userId) return [await one()];
    const { items } = await this.d.workspaces.listForUser(principal.userId, 500, 0);
    const readable = await Promise.all(
      items.map(async (w) => {
        const access = await this.d.access.accessIn(principal, w.id);
        return access?.permissions.has('recording:read') ? w.id : undefined;
      }),
    );
    const ids = readable.filter((id): id is string => id !== undefined);
    // None readable: let the access check give its usual answer (and audit it).
    return ids.length ? ids : [await one()];
  }

  private async semantic(
    query: string,
    workspaceIds: string[],
    pool: number,
  ): Promise<SemanticRanking | undefined> {
    if (!this.d.embedder) return undefined;
    try {
      return await semanticRanking(this.d.repo, this.d.embedder, query, workspaceIds, pool * 4);
    } catch (err) {
      // Keyword results are still right; the response says `mode: keyword`.
      this.d.logger.warn({ err }, 'query embedding failed; searching by keywords only');
      return undefined;
    }
  }

  private async items(
    ranked: Candidate[],
    terms: SearchTerms,
    plan: SearchPlan,
    semantic: SemanticRanking | undefined,
  ): Promise<SearchItem[]> {
    const ids = ranked.map((c) => c.id);
    const vectorIds = semantic
      ? ids.flatMap((id) => (semantic.documents.get(id) ?? []).map((m) => m.document_id))
      : [];
    const [cards, hits, vectorDocs, summaries] = await Promise.all([
      this.d.repo.recordings(ids),
      this.d.repo.matchingDocuments(plan, plan.workspaceIds, ids, DOCS_PER_RECORDING),
      this.d.repo.documentsByIds(vectorIds),
      this.d.repo.summaries(ids),
    ]);
    const card = new Map(cards.map((c) => [c.id, c]));
    const docsOf = new Map<string, StoredDocument[]>();
    const push = (d: StoredDocument) => {
      const list = docsOf.get(d.recording_id) ?? [];
      if (!list.some((x) => x.id === d.id)) list.push(d);
      docsOf.set(d.recording_id, list);
    };
    // Keyword hits first (best first), then what only the vectors found (best first).
    hits.forEach(push);
    const vectorDoc = new Map(vectorDocs.map((d) => [d.id, d]));
    for (const id of ids) {
      for (const m of semantic?.documents.get(id) ?? []) {
        const doc = vectorDoc.get(m.document_id);
        if (doc) push(doc);
      }
    }
    const summaryOf = new Map(summaries.map((d) => [d.recording_id, d]));
    return ranked.flatMap((c) => {
      const recording = card.get(c.id);
      if (!recording) return []; // deleted between the two queries
      const docs = docsOf.get(c.id) ?? [];
      return [
        {
          recording,
          score: round(c.score),
          snippet: this.snippetOf(recording, docs, summaryOf.get(c.id), terms),
          moments: docs
            .filter((d) => (d.kind === 'transcript' || d.kind === 'screen') && d.timestamp_seconds !== null)
            .slice(0, MOMENTS)
            .sort((a, b) => a.timestamp_seconds! - b.timestamp_seconds!)
            .map((d) => ({
              timestamp_seconds: d.timestamp_seconds!,
              source: d.kind as 'transcript' | 'screen',
              text: d.text.length > MOMENT_TEXT ? `${d.text.slice(0, MOMENT_TEXT - 1)}…` : d.text,
              snippet: snippet(d.text, terms),
            })),
        },
      ];
    });
  }

  /**
   * The summary when it matched; else the best moment that matched; else the summary
   * anyway (the recording matched on its title or by meaning), else the title.
   */
  private snippetOf(
    recording: RecordingCard,
    docs: StoredDocument[],
    summary: StoredDocument | undefined,
    terms: SearchTerms,
  ): string {
    const matchedSummary = docs.find((d) => d.kind === 'summary');
    const best = matchedSummary ?? docs.find((d) => d.kind !== 'title') ?? summary;
    return snippet(best?.text ?? recording.title, terms);
  }
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
