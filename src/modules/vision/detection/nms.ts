import type { Box, Detection } from '../../../engines/detect/port.js';

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.w, b.x + b.w);
  const y2 = Math.min(a.y + a.h, b.y + b.h);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Non-maximum suppression per class at the camera's `detect_iou`: of boxes of one label
 * overlapping more than `threshold`, the most confident stays.
 */
export function nms(detections: readonly Detection[], threshold: number): Detection[] {
  const kept: Detection[] = [];
  for (const d of [...detections].sort((a, b) => b.score - a.score)) {
    if (kept.some((k) => k.label === d.label && iou(k.box, d.box) > threshold)) continue;
    kept.push(d);
  }
  return kept;
}
