import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../../../../pipeline/step.js';
import type { Layout } from '../layout.js';
import { type Blob, buildImage, packLayer } from '../oci.js';
import { pushImage, registryBinary, type RunningRegistry, startRegistry } from '../registry.js';
import { clearStamp, isFresh, stampKey, writeStamp } from '../stamp.js';
import type { HarnessOptions, Step } from '../step.js';
import { imageRecipes, imageRef } from './catalog.js';
import { findHostNode } from './host-node.js';
import { imageDirs, type LayerRecipe, layerRecipes } from './layers.js';

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The file docker-registry writes last when it tags a manifest: there only once the tag is pushed. */
export const registryTagLink = (layout: Layout, name: string, tag: string): string =>
  path.join(layout.registry, 'docker', 'registry', 'v2', 'repositories', name, '_manifests', 'tags', tag, 'current', 'link');

/** Makes a layer unless its stamp says it was made from the same inputs over the same layers; returns its blob. */
async function ensureLayer(
  recipe: LayerRecipe,
  made: ReadonlyMap<string, Blob>,
  layout: Layout,
  options: HarnessOptions,
  ctx: StageContext,
): Promise<Blob> {
  const dirs = imageDirs(layout);
  const stamp = path.join(layout.stamps, `image-layer-${recipe.name}.json`);
  const record = path.join(dirs.layers, `${recipe.name}.json`);
  const tree = path.join(dirs.trees, recipe.name);
  const below = (name: string): Blob => {
    const blob = made.get(name);
    if (!blob) throw new Error(`layer ${recipe.name} is made on ${name}, which is not made before it`);
    return blob;
  };
  // The recipe's own code is an input too: editing how a layer is made remakes it (and only the images using it).
  const key = stampKey({ inputs: recipe.inputs(), make: String(recipe.make), on: recipe.on.map((name) => below(name).digest) });
  if (!options.force && isFresh(stamp, key)) return JSON.parse(readFileSync(record, 'utf8')) as Blob;
  clearStamp(stamp);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  await recipe.make(tree, { ctx, layout, tree: (name) => path.join(dirs.trees, name) });
  const blob = await packLayer(tree, dirs.blobs);
  mkdirSync(dirs.layers, { recursive: true });
  writeFileSync(record, `${JSON.stringify(blob, null, 2)}\n`);
  writeStamp(stamp, key, [tree, blob.path, record]);
  ctx.say(`layer ${recipe.name}: ${blob.digest} (${megabytes(blob.size)})`);
  return blob;
}

/** Removes blobs no current layer, config or manifest uses: each remade layer would otherwise leave its old tar. */
function pruneBlobs(blobsDir: string, used: ReadonlySet<string>): void {
  const dir = path.join(blobsDir, 'sha256');
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir)) if (!used.has(path.join(dir, file))) rmSync(path.join(dir, file), { force: true });
}

/** The base images, made layer by layer (only what changed) and pushed into the registry storage the engine reads. */
export const imagesStep: Step = {
  name: 'images',
  summary: `make ${imageRecipes.map((image) => imageRef(image).replace(/^library\//, '')).join(', ')}; push them into <cache>/registry`,
  options: [],
  async run(layout, options, ctx) {
    if (!existsSync(registryBinary(layout)))
      throw new Error(`no docker-registry at ${registryBinary(layout)}: run runtime-packages.ts (or build.ts) first`);
    const dirs = imageDirs(layout);
    const made = new Map<string, Blob>();
    for (const recipe of layerRecipes) made.set(recipe.name, await ensureLayer(recipe, made, layout, options, ctx));
    const nodeVersion = findHostNode().version;
    const used = new Set([...made.values()].map((blob) => blob.path));
    let registry: RunningRegistry | undefined;
    try {
      for (const recipe of imageRecipes) {
        const ref = imageRef(recipe);
        const layers = recipe.layers.map((name) => {
          const blob = made.get(name);
          if (!blob) throw new Error(`image ${ref} is made of layer ${name}, which no layer recipe makes`);
          return blob;
        });
        const image = await buildImage(layers, recipe.config(nodeVersion), dirs.blobs);
        used.add(image.config.path).add(image.manifest.path);
        const stamp = path.join(layout.stamps, `image-${recipe.name.replace('/', '-')}-${recipe.tag}.json`);
        const key = stampKey({ manifest: image.manifest.digest });
        const size = megabytes(layers.reduce((sum, layer) => sum + layer.size, 0));
        if (!options.force && isFresh(stamp, key)) {
          ctx.say(`up to date: ${ref} ${image.manifest.digest} (${size})`);
          continue;
        }
        clearStamp(stamp);
        registry ??= await startRegistry(layout, ctx);
        const digest = await pushImage(registry.url, recipe.name, recipe.tag, image);
        writeStamp(stamp, key, [registryTagLink(layout, recipe.name, recipe.tag)]);
        ctx.say(`pushed ${ref} ${digest} (${size})`);
      }
    } finally {
      await registry?.stop();
    }
    pruneBlobs(dirs.blobs, used);
  },
};
