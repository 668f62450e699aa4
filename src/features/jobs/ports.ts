/** Which devices a job runs on: any of the listed ids, tags or profile; or every device. */
export interface JobTargets {
  device_ids?: string[];
  tags?: string[];
  profile?: string;
  all?: boolean;
}

export interface TargetDevice {
  id: string;
  status: 'active' | 'quarantined' | 'revoked';
}

/**
 * What jobs need to know of devices, which live in another feature: the entry points (src/main, src/worker)
 * build it from the devices feature and hand it in.
 */
export interface JobDevices {
  /** The devices the targets name now, each once, in id order. */
  matching(targets: JobTargets): TargetDevice[];
}
