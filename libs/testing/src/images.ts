/** Real, decodable images made in the test (no binary fixtures in the repository). */
import sharp from 'sharp';

/** A solid-colour PNG, `size` pixels square: the tiny model maps red, green and blue to its classes 0, 1 and 2. */
export function solidPng(rgb: { r: number; g: number; b: number }, size = 16): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: rgb } })
    .png()
    .toBuffer();
}
