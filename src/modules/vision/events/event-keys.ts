import { workspacePrefix } from '../../../platform/storage/index.js';

/** Everything recorded from one camera sits under one prefix: deleting it is one deletePrefix. */
export const cameraPrefix = (workspaceId: string, cameraId: string) =>
  `${workspacePrefix(workspaceId)}cam/${cameraId}/`;

export const eventPrefix = (workspaceId: string, cameraId: string, eventId: string) =>
  `${cameraPrefix(workspaceId, cameraId)}events/${eventId}/`;

export const eventThumbnailKey = (workspaceId: string, cameraId: string, eventId: string) =>
  `${eventPrefix(workspaceId, cameraId, eventId)}thumbnail.jpg`;

export const eventClipKey = (workspaceId: string, cameraId: string, eventId: string) =>
  `${eventPrefix(workspaceId, cameraId, eventId)}clip.mp4`;
