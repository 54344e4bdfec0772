// Writes the tray icons (build/tray/<status>.png, 16 px, and <status>@2x.png, 32 px) and the app icon
// (build/icon.png, 512 px) as PNGs, with nothing but node:zlib. The outputs are committed; run this again
// (`npm run icons`) only to change them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const out = new URL('./', import.meta.url);

/** Status colours, as the dashboard shows them. */
const STATUS_COLOURS = {
  ok: [46, 158, 68],
  warning: [230, 167, 0],
  critical: [214, 58, 58],
  unknown: [138, 143, 152],
};

/** An RGBA image of size x size from a function giving [r, g, b, a] (0-255) at a pixel's centre. */
function image(size, paint) {
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) pixels.set(paint(x + 0.5, y + 0.5), (y * size + x) * 4);
  }
  return png(size, size, pixels);
}

/** Coverage (0-1) of an edge at signed distance d (negative inside), anti-aliased over one pixel. */
const cover = (d) => Math.max(0, Math.min(1, 0.5 - d));

/** A filled circle with a darker rim, on transparency. */
function statusDot(size, [r, g, b]) {
  const c = size / 2;
  const radius = size / 2 - size / 16;
  const rim = Math.max(1, size / 16);
  return image(size, (x, y) => {
    const d = Math.hypot(x - c, y - c) - radius;
    const inner = cover(d + rim);
    const shade = (v) => Math.round(v * (0.7 + 0.3 * inner));
    return [shade(r), shade(g), shade(b), Math.round(255 * cover(d))];
  });
}

/** The app icon: a dark rounded square with a green ring and a white check mark. */
function appIcon(size) {
  const c = size / 2;
  const half = size * 0.44;
  const corner = size * 0.18;
  const segment = (px, py, ax, ay, bx, by) => {
    const t = Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
    return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
  };
  return image(size, (x, y) => {
    const qx = Math.abs(x - c) - (half - corner);
    const qy = Math.abs(y - c) - (half - corner);
    const box = Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - corner;
    const ring = Math.abs(Math.hypot(x - c, y - c) - size * 0.3) - size * 0.035;
    const u = size / 512;
    const check = Math.min(segment(x, y, 180 * u, 262 * u, 232 * u, 316 * u), segment(x, y, 232 * u, 316 * u, 336 * u, 200 * u)) - 22 * u;
    const background = [31, 58, 95];
    const blend = (base, top, a) => base.map((v, i) => Math.round(v * (1 - a) + top[i] * a));
    let colour = blend(background, STATUS_COLOURS.ok, cover(ring));
    colour = blend(colour, [255, 255, 255], cover(check));
    return [...colour, Math.round(255 * cover(box))];
  });
}

function png(width, height, rgba) {
  const rows = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA, deflate, no filter method, no interlace
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

mkdirSync(new URL('tray/', out), { recursive: true });
for (const [status, colour] of Object.entries(STATUS_COLOURS)) {
  writeFileSync(new URL(`tray/${status}.png`, out), statusDot(16, colour));
  writeFileSync(new URL(`tray/${status}@2x.png`, out), statusDot(32, colour));
}
writeFileSync(new URL('icon.png', out), appIcon(512));
console.log('wrote build/tray/{ok,warning,critical,unknown}{,@2x}.png and build/icon.png');
