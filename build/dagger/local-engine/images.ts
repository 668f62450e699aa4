import { runScript } from './lib/cli.js';
import { imageRecipes, imageRef } from './lib/images/catalog.js';
import { imagesStep } from './lib/images/step.js';

process.exitCode = await runScript(
  {
    file: 'images.ts',
    description: `Makes the base images the Dagger module pulls as docker.io images, without Docker, and pushes them into
<cache>/registry through a short-lived docker-registry on loopback. Layers are uncompressed tars of root trees; the
debian layer (debootstrap) is the bottom of every image. Each layer and image has a stamp: a warm run takes seconds,
and a changed recipe remakes only its layer and the images that use it. Needs root (debootstrap, chroot, overlayfs)
and the runtime packages (docker-registry).

How they differ from the official images:
${imageRecipes.map((image) => `  ${imageRef(image)}: ${image.differs}`).join('\n')}`,
    steps: [imagesStep],
  },
  process.argv.slice(2),
);
