// Run by upscale-memory.test.ts in a child process, so that its peak RSS is the pipeline's alone:
// the streamed x4 of a generated WxH image into a PNG file, with every tile returning its own y0
// (the pipeline without the model, whose per-tile memory upscale-memory.test.ts covers).
// Prints one JSON line: RSS before the work, peak RSS, and the output size.
import { PngFileWriter } from '../../dist/node/png-writer.js';
import { upscaleRowsWith } from '../../dist/resshift/upscale.js';

const [out, w, h, tile, overlap] = [process.argv[2], ...process.argv.slice(3).map(Number)];
const data = new Uint8Array(w * h * 3);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24; // a noisy, incompressible-ish source
const rssBefore = process.memoryUsage().rss;
const png = await PngFileWriter.create(out, 4 * w, 4 * h);
await upscaleRowsWith({ width: w, height: h, data }, { tile, overlap }, async (px) => px, (_, row) => png.writeRow(row));
await png.close();
console.log(JSON.stringify({ rssBefore, maxRss: process.resourceUsage().maxRSS * 1024, width: 4 * w, height: 4 * h }));
