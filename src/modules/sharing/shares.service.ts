import { notFound } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { RecordingsRepository } from '../recordings/recordings.repository.js';
import {
  loadRecording,
  type RecordingShareInfo,
  type ShareLookup,
} from '../recordings/recordings.service.js';
import { newShareId } from './share-id.js';
import type { ShareUrls } from './share-urls.js';
import type { Share, SharesRepository } from './shares.repository.js';

export interface ShareLink {
  share_id: string;
  recording_id: string;
  /** The public HTML page. */
  url: string;
  /** The public JSON (metadata and context). */
  api_url: string;
  created_at: string;
}

export interface SharesDeps {
  repo: SharesRepository;
  recordings: RecordingsRepository;
  access: AccessService;
  audit: AuditWriter;
  urls: ShareUrls;
}

/** Turning public sharing of a recording on and off (write scope, `recording:share`). */
export class SharesService implements ShareLookup {
  constructor(private readonly d: SharesDeps) {}

  /** Idempotent: the active share when there is one (`created: false`), else a new one. */
  async share(principal: Principal, recordingId: string): Promise<{ link: ShareLink; created: boolean }> {
    const rec = await this.load(principal, recordingId, 'recording.share');
    const result = await this.d.repo.getOrCreate({
      id: newShareId(),
      recording_id: rec.id,
      workspace_id: rec.workspace_id,
      created_by: principal.userId ?? null,
    });
    if (!result) throw notFound('Recording');
    const link = this.link(result.share);
    if (result.created) {
      await this.d.audit.record(principal, {
        workspaceId: rec.workspace_id,
        action: 'recording.share',
        permission: 'recording:share',
        target: { type: 'recording', id: rec.id },
        before: { shared: false },
        after: { shared: true, share_id: link.share_id },
      });
    }
    return { link, created: result.created };
  }

  /** Revokes the active share; every public URL of it answers 404 from now on. Idempotent. */
  async unshare(principal: Principal, recordingId: string): Promise<void> {
    const rec = await this.load(principal, recordingId, 'recording.unshare');
    const revoked = await this.d.repo.revokeFor(rec.id);
    if (revoked.length === 0) return;
    await this.d.audit.record(principal, {
      workspaceId: rec.workspace_id,
      action: 'recording.unshare',
      permission: 'recording:share',
      target: { type: 'recording', id: rec.id },
      before: { shared: true, share_ids: revoked.map((s) => s.id) },
      after: { shared: false },
    });
  }

  async describe(recordingId: string): Promise<RecordingShareInfo> {
    const share = await this.d.repo.activeFor(recordingId);
    return { shared: share !== null, share_url: share ? this.d.urls.page(share.id) : null };
  }

  private load(principal: Principal, recordingId: string, action: string) {
    return loadRecording(
      { repo: this.d.recordings, access: this.d.access },
      principal,
      recordingId,
      'recording:share',
      action,
    );
  }

  private link(share: Share): ShareLink {
    return {
      share_id: share.id,
      recording_id: share.recording_id,
      url: this.d.urls.page(share.id),
      api_url: this.d.urls.api(share.id),
      created_at: share.created_at,
    };
  }
}
