import { HumanDetector, humanMissing } from './human.js';
import type { Detector, DetectorStatus } from './port.js';

export interface SelectedDetector {
  detector: Detector | undefined;
  status(): DetectorStatus;
}

/** The detector this machine can run: Human when its packages are installed, else none, with why. */
export function selectDetector(): SelectedDetector {
  const missing = humanMissing();
  if (missing) {
    const status: DetectorStatus = { engine: null, available: false, reason: missing, device: null };
    return { detector: undefined, status: () => status };
  }
  const detector = new HumanDetector();
  return { detector, status: () => detector.status() };
}
