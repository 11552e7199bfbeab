import sharp from 'sharp';

/** Real, decodable images made in the test (no binary fixtures in the repo). */
export async function solidImage(
  format: 'png' | 'jpeg' | 'webp',
  color: { r: number; g: number; b: number } = { r: 255, g: 0, b: 0 },
  size = 32,
): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: color } })
    .toFormat(format)
    .toBuffer();
}
