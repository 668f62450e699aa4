import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address a client's enrollment calls are counted against. IPv4 is counted per address. An IPv4-mapped IPv6
 * address (`::ffff:10.0.0.5`, as a dual-stack socket reports an IPv4 client) is that IPv4 address. Any other IPv6
 * address counts as its whole /64, written `2001:db8:1:2::/64`: a host is routinely given a /64 and may send from
 * any address in it, so counting single addresses would not limit it at all. A zone (`%eth0`) is dropped.
 * Anything that is not an IP address is returned as it is.
 */
export function rateLimitAddress(address: string): string {
  if (isIPv4(address)) return address;
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  // The last four groups are zero, so the longest run of zeros (RFC 5952 §4.2.3) is the one that ends the prefix.
  const prefix = groups.slice(0, 4);
  while (prefix.length > 0 && prefix.at(-1) === 0) prefix.pop();
  return `${prefix.map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (as `isIPv6` accepts it, without a zone). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((piece) => {
      if (!piece.includes('.')) return [parseInt(piece, 16)];
      // A dotted IPv4 tail fills the last two groups.
      const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const gap = address.indexOf('::');
  if (gap === -1) return parse(address);
  const head = parse(address.slice(0, gap));
  const tail = parse(address.slice(gap + 2));
  return [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}
