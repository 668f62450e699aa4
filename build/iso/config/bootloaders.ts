/** Boot menu overrides: a one-second timeout so an unattended machine boots the live entry on its own. */
export const bootloaderFiles: Readonly<Record<string, string>> = {
  // Replaces live-build's isolinux.cfg, whose `timeout 0` waits for a key forever.
  'config/bootloaders/isolinux/isolinux.cfg': ['include menu.cfg', 'default vesamenu.c32', 'prompt 0', 'timeout 10', ''].join('\n'),
  // Replaces the GRUB (UEFI) theme setup with a plain text menu on screen and serial port.
  'config/bootloaders/grub-pc/config.cfg': [
    'set default=0',
    'set timeout=1',
    'serial --unit=0 --speed=115200',
    'terminal_input console serial',
    'terminal_output console serial',
    '',
  ].join('\n'),
};
