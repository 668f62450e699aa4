import { BOOT_PACKAGES, BUILD_PACKAGES, installPackages } from '../../build/iso/host-tools.js';

/** A fresh CI machine has neither live-build nor QEMU: install them through apt before any test. */
export default function setup(): void {
  installPackages([...BUILD_PACKAGES, ...BOOT_PACKAGES]);
}
