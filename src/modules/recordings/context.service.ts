import { AppError } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { ContextField } from './context.schemas.js';
import type { ContextRepository, RecordingContext } from './context.repository.js';
import type { Recording, RecordingsRepository } from './recordings.repository.js';
import { loadRecording } from './recordings.service.js';
import type { Segment, SegmentsRepository } from './segments.repository.js';
import type { RecordingStatus } from './stages.js';
import { emptyContext } from './stages/empty-context.js';

export type TranscriptSegmentView = Omit<Segment, 'idx'>;

export interface ContextView extends Omit<RecordingContext, 'updated_at'> {
  recording_id: string;
  status: RecordingStatus;
  transcript: TranscriptSegmentView[];
  updated_at: string | null;
}

export interface ContextFieldView {
  recording_id: string;
  status: RecordingStatus;
  field: ContextField;
  value: unknown;
}

export interface TranscriptView {
  recording_id: string;
  status: RecordingStatus;
  language: string | null;
  segments: TranscriptSegmentView[];
}

/**
 * Reading what the pipeline learnt about a recording: its context (GET /context, also
 * for the newest recording) and its transcript. Whatever exists is returned at any
 * time, with the recording's status, so clients poll instead of waiting for "ready".
 */
export class ContextService {
  constructor(
    private readonly d: {
      repo: RecordingsRepository;
      access: AccessService;
      context: ContextRepository;
      segments: SegmentsRepository;
    },
  ) {}

  async get(principal: Principal, id: string, field?: ContextField): Promise<ContextView | ContextFieldView> {
    const rec = await loadRecording(this.d, principal, id, 'recording:read', 'recording.read');
    return this.viewOf(rec, field);
  }

  async latest(
    principal: Principal,
    workspaceId: string | undefined,
    field?: ContextField,
  ): Promise<ContextView | ContextFieldView> {
    const access = await this.d.access.require(principal, 'recording:read', {
      workspaceId,
      action: 'recording.read',
    });
    const rec = await this.d.repo.latest(access.workspaceId);
    if (!rec) throw new AppError('NOT_FOUND', 'This workspace has no recordings yet.');
    return this.viewOf(rec, field);
  }

  async transcript(principal: Principal, id: string): Promise<TranscriptView> {
    const rec = await loadRecording(this.d, principal, id, 'recording:read', 'recording.read');
    const [segments, context] = await Promise.all([this.segmentsOf(rec.id), this.d.context.find(rec.id)]);
    return { recording_id: rec.id, status: rec.status, language: context?.language ?? null, segments };
  }

  private async viewOf(rec: Recording, field?: ContextField): Promise<ContextView | ContextFieldView> {
    if (field === 'transcript') {
      return { recording_id: rec.id, status: rec.status, field, value: await this.segmentsOf(rec.id) };
    }
    if (field) {
      const { [field]: value } = (await this.d.context.find(rec.id)) ?? emptyContext();
      return { recording_id: rec.id, status: rec.status, field, value };
    }
    const [stored, transcript] = await Promise.all([this.d.context.find(rec.id), this.segmentsOf(rec.id)]);
    const { summary, timeline, actions, urls, apps, tags, language, engines } = stored ?? emptyContext();
    return {
      recording_id: rec.id,
      status: rec.status,
      summary,
      timeline,
      transcript,
      actions,
      urls,
      apps,
      tags,
      language,
      engines,
      updated_at: stored?.updated_at ?? null,
    };
  }

  private async segmentsOf(recordingId: string): Promise<TranscriptSegmentView[]> {
    return (await this.d.segments.list(recordingId)).map(({ idx: _idx, ...s }) => s);
  }
}
