/** How much of each of a script's stdout and stderr a result carries: 64 KiB of UTF-8. */
export const OUTPUT_CAP_BYTES = 65_536;

/**
 * One output stream of a script: keeps its first bytes up to the cap and drops the rest, while the caller keeps
 * reading, so that a script writing more than the cap never blocks on a full pipe.
 */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = false;

  constructor(private readonly cap = OUTPUT_CAP_BYTES) {}

  push(chunk: Buffer): void {
    const room = this.cap - this.kept;
    if (chunk.length > room) this.dropped = true;
    if (room <= 0) return;
    const part = chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  /**
   * The output as text of at most `cap` bytes of UTF-8, cut between characters. Bytes that are not UTF-8 become
   * U+FFFD, three bytes each, so even output under the cap may need cutting to fit.
   */
  result(): { text: string; truncated: boolean } {
    const bytes = Buffer.concat(this.chunks);
    // Decoding as a stream holds back a character the cap split, instead of turning its first bytes into U+FFFD.
    const text = this.dropped ? new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes, { stream: true }) : bytes.toString('utf8');
    const encoded = Buffer.from(text, 'utf8');
    if (encoded.length <= this.cap) return { text, truncated: this.dropped };
    let end = this.cap;
    // encoded[end] is the first byte left out: while it continues a character, that character straddles the cut.
    while ((encoded[end]! & 0xc0) === 0x80) end -= 1;
    return { text: encoded.subarray(0, end).toString('utf8'), truncated: true };
  }
}
