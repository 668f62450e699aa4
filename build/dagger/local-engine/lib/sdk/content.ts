import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Layout } from '../layout.js';
import type { OciImage } from '../oci.js';

/** The two SDKs whose content the engine carries built in. */
export type SdkName = 'go' | 'typescript';

/** Where one SDK's content is made: its work trees, and the blobs of its image (rebuilt whole each time). */
export const sdkDir = (layout: Layout, sdk: SdkName): string => path.join(layout.sdk, sdk);
export const sdkWorkDir = (layout: Layout, sdk: SdkName): string => path.join(sdkDir(layout, sdk), 'work');
export const sdkBlobsDir = (layout: Layout, sdk: SdkName): string => path.join(sdkDir(layout, sdk), 'blobs');
/** The image of an SDK's content (manifest, config, layers as blobs under sdkBlobsDir), as JSON. */
export const sdkImageRecord = (layout: Layout, sdk: SdkName): string => path.join(sdkDir(layout, sdk), 'image.json');
export const sdkStamp = (layout: Layout, sdk: SdkName): string => path.join(layout.stamps, `sdk-${sdk}.json`);

export function writeSdkImage(layout: Layout, sdk: SdkName, image: OciImage): void {
  writeFileSync(sdkImageRecord(layout, sdk), `${JSON.stringify(image, null, 2)}\n`);
}

/** The image an SDK's content was last built as; throws, naming the script to run, when it was not. */
export function readSdkImage(layout: Layout, sdk: SdkName): OciImage {
  const file = sdkImageRecord(layout, sdk);
  if (!existsSync(file)) {
    throw new Error(`the ${sdk} SDK content is not built (no ${file}): run npx tsx build/dagger/local-engine/sdk-content.ts`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as OciImage;
}
