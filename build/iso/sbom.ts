import { execFileSync } from 'node:child_process';

export interface InstalledPackage {
  name: string;
  version: string;
  architecture: string;
  source: string;
  homepage: string;
}

/** Packages recorded in a dpkg database (the image's chroot), limited to `names` as dpkg lists them (libc6:amd64). */
export function installedPackages(dpkgAdminDir: string, names: ReadonlySet<string>): InstalledPackage[] {
  const output = execFileSync(
    'dpkg-query',
    [
      '--admindir',
      dpkgAdminDir,
      '-W',
      '-f',
      '${binary:Package}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${Homepage}\n',
    ],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [listed = '', name = '', version = '', architecture = '', source = '', homepage = ''] = line.split('\t');
      return { listed, name, version, architecture, source: source || name, homepage };
    })
    .filter((p) => names.has(p.listed))
    .map(({ listed: _listed, ...p }) => p)
    .sort((a, b) => a.name.localeCompare(b.name));
}

const spdxId = (text: string): string => text.replace(/[^A-Za-z0-9.-]/g, '-');

export interface SbomSubject {
  name: string;
  fileName: string;
  sha256: string;
  inputsHash: string;
  createdEpoch: number;
}

/** SPDX 2.3 JSON document: the ISO described, each Debian package contained in it with a purl. */
export function spdxDocument(subject: SbomSubject, packages: readonly InstalledPackage[]): object {
  const imageId = `SPDXRef-Image-${spdxId(subject.name)}`;
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: subject.name,
    documentNamespace: `https://borgos.dev/spdx/${subject.name}/${subject.inputsHash.replace('sha256:', '')}`,
    creationInfo: {
      created: new Date(subject.createdEpoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      creators: ['Tool: borgos-iso-builder'],
    },
    packages: [
      {
        name: subject.name,
        SPDXID: imageId,
        packageFileName: subject.fileName,
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        checksums: [{ algorithm: 'SHA256', checksumValue: subject.sha256 }],
        primaryPackagePurpose: 'OPERATING-SYSTEM',
        licenseConcluded: 'NOASSERTION',
        licenseDeclared: 'NOASSERTION',
        copyrightText: 'NOASSERTION',
      },
      ...packages.map((p) => ({
        name: p.name,
        SPDXID: `SPDXRef-deb-${spdxId(p.name)}-${spdxId(p.architecture)}`,
        versionInfo: p.version,
        supplier: 'Organization: Debian',
        downloadLocation: 'NOASSERTION',
        ...(p.homepage ? { homepage: p.homepage } : {}),
        sourceInfo: `built from Debian source package ${p.source}`,
        filesAnalyzed: false,
        primaryPackagePurpose: 'LIBRARY',
        licenseConcluded: 'NOASSERTION',
        licenseDeclared: 'NOASSERTION',
        copyrightText: 'NOASSERTION',
        externalRefs: [
          {
            referenceCategory: 'PACKAGE-MANAGER',
            referenceType: 'purl',
            referenceLocator: `pkg:deb/debian/${encodeURIComponent(p.name)}@${encodeURIComponent(p.version)}?arch=${p.architecture}&distro=debian-12`,
          },
        ],
      })),
    ],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageId },
      ...packages.map((p) => ({
        spdxElementId: imageId,
        relationshipType: 'CONTAINS',
        relatedSpdxElement: `SPDXRef-deb-${spdxId(p.name)}-${spdxId(p.architecture)}`,
      })),
    ],
  };
}
