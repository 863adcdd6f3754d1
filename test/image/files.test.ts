import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listImages, readImageFile, writePngFile } from '../../src/image/files.js';
import { createImage, encodePng } from '../../src/image/index.js';
import { lcgBytes } from './helpers.js';

const image = createImage(5, 4, Float32Array.from(lcgBytes(23, 60), (v) => v / 255));
let dir = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'resshift-image-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writePngFile / readImageFile', () => {
  it('round-trips an image and leaves no temporary file behind', async () => {
    const path = join(dir, 'out.png');
    await writePngFile(path, image);
    await writePngFile(path, createImage(5, 4)); // replaces the file whole
    await writePngFile(path, image);
    const { image: back, warnings } = await readImageFile(path);
    expect(back.data).toEqual(image.data);
    expect(warnings).toEqual([]);
    expect(await readdir(dir)).toEqual(['out.png']);
  });

  it('names the missing folder when writing', async () => {
    const path = join(dir, 'nope', 'out.png');
    await expect(writePngFile(path, image)).rejects.toThrow(`${path}: folder ${join(dir, 'nope')} does not exist`);
  });

  it('refuses to replace a folder, cleaning up its temporary file', async () => {
    const path = join(dir, 'taken.png');
    await mkdir(path);
    await expect(writePngFile(path, image)).rejects.toThrow(new RegExp(`^${path}: `));
    expect(await readdir(dir)).toEqual(['taken.png']);
  });

  it('gives one clear line for missing files, folders and corrupt data', async () => {
    const missing = join(dir, 'missing.png');
    await expect(readImageFile(missing)).rejects.toThrow(`${missing}: no such file`);
    await expect(readImageFile(dir)).rejects.toThrow(`${dir}: is a folder, not a file`);
    const corrupt = join(dir, 'corrupt.png');
    await writeFile(corrupt, encodePng(image).subarray(0, 40));
    await expect(readImageFile(corrupt)).rejects.toThrow(`${corrupt}: corrupt or truncated PNG (file ends early)`);
    const text = join(dir, 'notes.jpg');
    await writeFile(text, 'hello');
    await expect(readImageFile(text)).rejects.toThrow(`${text}: not a PNG, JPEG or WebP file`);
  });

  it.skipIf(process.getuid?.() === 0)('reports unreadable files', async () => {
    const locked = join(dir, 'locked.png');
    await writeFile(locked, encodePng(image));
    await chmod(locked, 0o000);
    await expect(readImageFile(locked)).rejects.toThrow(`${locked}: permission denied (cannot read the file)`);
  });
});

describe('listImages', () => {
  it('lists PNG and JPEG files by extension, sorted, skipping folders and other files', async () => {
    for (const name of ['b.PNG', 'a.jpg', 'c.jpeg', 'notes.txt', 'Z.png']) await writeFile(join(dir, name), '');
    await mkdir(join(dir, 'folder.png'));
    expect(await listImages(dir)).toEqual(['Z.png', 'a.jpg', 'b.PNG', 'c.jpeg'].map((n) => join(dir, n)));
  });

  it('gives clear errors for missing, non-folder and image-less paths', async () => {
    const missing = join(dir, 'missing');
    await expect(listImages(missing)).rejects.toThrow(`${missing}: no such folder`);
    await writeFile(join(dir, 'readme.txt'), '');
    await expect(listImages(dir)).rejects.toThrow(`no PNG, JPEG or WebP images in ${dir}`);
    await expect(listImages(join(dir, 'readme.txt'))).rejects.toThrow(`${join(dir, 'readme.txt')}: not a folder`);
  });
});
