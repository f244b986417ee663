import type { DetectorStatus } from '../../../engines/detect/port.js';
import type { Principal } from '../../../platform/auth/principal.js';
import type { CameraLeasesRepository } from '../workers/camera-leases.repository.js';

export interface SystemServiceDeps {
  version: string;
  detector: () => DetectorStatus;
  /** Where the detector's weights come from (a package directory), when one is installed. */
  modelPaths: { detector: string | null; faces: string | null };
  leases: CameraLeasesRepository;
  holder: string;
}

/**
 * Spec 001's system introspection. It names no camera and no workspace: any signed-in
 * caller may read it, like /health with the caller added.
 */
export class SystemService {
  constructor(private readonly d: SystemServiceDeps) {}

  async describe(principal: Principal) {
    const detector = this.d.detector();
    const now = Date.now();
    const byHolder = new Map<string, number>();
    for (const lease of (await this.d.leases.holders()).values()) {
      if (Date.parse(lease.expires_at) < now) continue;
      byHolder.set(lease.holder, (byHolder.get(lease.holder) ?? 0) + 1);
    }
    return {
      version: this.d.version,
      runtime: { node: process.version, platform: process.platform, arch: process.arch, pid: process.pid },
      user: {
        id: principal.userId ?? null,
        email: principal.email ?? null,
        name: principal.name ?? null,
        via: principal.credential.type,
      },
      backend: {
        detector: detector.engine,
        available: detector.available,
        reason: detector.reason,
        device: detector.device,
        providers: detector.available ? ['tfjs-wasm'] : [],
        // Faces are detected and described, but not matched to anyone until People lands.
        faces_enabled: false,
      },
      models: this.d.modelPaths,
      // The face index arrives with People (the manual face database).
      face_index: { status: 'empty', count: 0 },
      workers: [...byHolder.entries()].map(([holder, cameras]) => ({
        holder,
        cameras,
        this_process: holder === this.d.holder,
      })),
    };
  }
}
